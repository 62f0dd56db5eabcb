// The real servers' HTTP keep-alive idle timeout: long by default (a failover must never look like
// a server closing the connection), set per lab in its description.
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEPALIVE_TIMEOUT_MS } from './agent/servers.js';
import { Lab } from './lab.js';
import { preset } from './presets.js';
import { validateDescription } from './validate.js';

describe("real servers' keep-alive timeout", () => {
  it('defaults to 75 s, longer than any failover', () => {
    expect(DEFAULT_KEEPALIVE_TIMEOUT_MS).toBeGreaterThanOrEqual(75_000);
    const lab = new Lab('lka1', validateDescription(preset('article-single')!));
    expect(lab.servicesFor(lab.host('rs1'))).toEqual([{ protocol: 'tcp', port: 80 }, { protocol: 'udp', port: 9999, echo: 'none' }]);
  });

  it('is set per lab, in seconds, and checked', () => {
    const t = validateDescription({ ...preset('article-single')!, keepAliveTimeout: 10 });
    expect(t.keepAliveTimeout).toBe(10);
    const lab = new Lab('lka2', t);
    expect(lab.servicesFor(lab.host('rs1'))[0]).toEqual({ protocol: 'tcp', port: 80, keepAliveTimeoutMs: 10_000 });
    expect(() => validateDescription({ ...preset('article-single')!, keepAliveTimeout: -1 })).toThrow(/keepAliveTimeout/);
  });
});
