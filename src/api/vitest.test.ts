// The matchers as registered on vitest's expect by `lvslab/vitest` (no lab needed).
import { describe, it } from 'vitest';
import { expect } from './vitest.js';

describe('lvslab/vitest matchers on expect', () => {
  it('pass and .not', () => {
    expect(['RS2', 'RS1', 'RS2', 'RS1']).toBeRoundRobin(['RS1', 'RS2']);
    expect(['RS1', 'RS1']).not.toBeRoundRobin(['RS1', 'RS2']);
    expect(Array.from({ length: 80 }, (_, i) => (i % 4 ? 'RS1' : 'RS2'))).toMatchWeights({ RS1: 3, RS2: 1 });
    expect([{ ok: true, at: 0, ms: 1, server: 'RS1', source: { addr: '10.0.0.9', port: 5 } }]).toStickBy('client');
    expect('TCP 14:59  ESTABLISHED 192.168.1.100:4000 192.168.1.112:80 10.0.0.101:80').toHaveConnection({ state: 'ESTABLISHED' });
    expect([{ ok: true, at: 0, ms: 1, server: 'RS1' }, { ok: false, at: 50, ms: 1 }, { ok: true, at: 100, ms: 1, server: 'RS1' }]).toFailOverWithin(100);
  });

  it('throws an assertion error carrying the sequence', () => {
    expect(() => expect(['RS2', 'RS2', 'RS1']).toBeRoundRobin(['RS1', 'RS2'])).toThrow(/answer #2 repeats RS2[\s\S]*\n  RS2 \[RS2\] RS1/);
    expect(() => expect(['RS2', 'RS1']).not.toBeRoundRobin(['RS1', 'RS2'])).toThrow(/not to be round robin/);
    expect(() => expect('').toHaveConnection({ proto: 'udp' })).toThrow(/the table has 0:\n  \(no connection entries\)/);
  });
});
