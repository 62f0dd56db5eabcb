import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology, resolveTopology } from './load.js';
import { planBuild } from './plan.js';
import { SCALE_LIMITS, preset, scaleRealAddress } from './presets.js';
import { hostAddresses } from './topology.js';
import { validateDescription } from './validate.js';

describe('article-scale', () => {
  it('has rs real servers and clients clients, every address distinct, valid up to the limits', () => {
    const t = validateDescription(preset('article-scale', { rs: SCALE_LIMITS.rs, clients: SCALE_LIMITS.clients }));
    expect(t.hosts.filter((h) => h.role === 'real')).toHaveLength(SCALE_LIMITS.rs);
    expect(t.hosts.filter((h) => h.role === 'client').map((h) => h.name).slice(0, 3)).toEqual(['client', 'client2', 'client3']);
    const all = t.hosts.flatMap(hostAddresses);
    expect(new Set(all).size).toBe(all.length);
    expect(t.hosts.find((h) => h.name === 'rs1')!.interfaces[0].addresses).toEqual(['10.0.1.1/16']);
    expect(t.hosts.find((h) => h.name === 'rs1')!.routes).toEqual([{ to: 'default', via: '10.0.0.105' }]);
    expect(t.hosts.find((h) => h.name === 'client50')!.interfaces[0].addresses).toEqual(['192.168.1.248/24']);
  });

  it('numbers real servers 250 to a block, never a .0 or .255', () => {
    expect([1, 250, 251, 500, 1000].map(scaleRealAddress)).toEqual(['10.0.1.1', '10.0.1.250', '10.0.2.1', '10.0.2.250', '10.0.4.250']);
  });

  it('defaults to 8 real servers and one client; builds in the same few steps at any size', () => {
    const t = validateDescription(preset('article-scale'));
    expect(t.hosts.map((h) => h.name)).toEqual(['client', 'ds1', 'rs1', 'rs2', 'rs3', 'rs4', 'rs5', 'rs6', 'rs7', 'rs8']);
    const big = planBuild(validateDescription(preset('article-scale', { rs: 128 })), 'x');
    expect(big.stages.map((s) => s.length)).toEqual([1, 1, 131]); // one batch per host, plus DS1's sysctl
  });

  it('refuses parameters out of range or on a preset that takes none', () => {
    expect(() => preset('article-scale', { rs: 0 })).toThrow('article-scale: rs must be a whole number from 1 to 460 (got 0)');
    expect(() => preset('article-scale', { clients: 1.5 })).toThrow('clients must be a whole number from 1 to 50 (got 1.5)');
    expect(() => preset('article', { rs: 4 })).toThrow("preset 'article' takes no parameters (only article-scale does: rs, clients)");
  });

  it('is named with its parameters in a description file or object', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-presets-'));
    try {
      const f = join(dir, 'big.yaml');
      await writeFile(f, 'preset: article-scale\nrs: 64\nclients: 2\n');
      const t = await loadTopology(f);
      expect(t.hosts.filter((h) => h.role === 'real')).toHaveLength(64);
      expect(t.hosts.filter((h) => h.role === 'client')).toHaveLength(2);
      expect(await resolveTopology({ preset: 'article-scale', rs: 64, clients: 2 })).toEqual(t);
      await writeFile(f, 'preset: article-scale\nrs: 0\nservers: 3\n');
      await expect(loadTopology(f)).rejects.toThrow(`${f}: servers: unknown field next to 'preset' (allowed: rs, clients)`);
      await writeFile(f, 'preset: article-scale\nrs: 2000\n');
      await expect(loadTopology(f)).rejects.toThrow(`${f}: article-scale: rs must be a whole number from 1 to 460 (got 2000)`);
      await writeFile(f, 'preset: artcle\n');
      await expect(loadTopology(f)).rejects.toThrow(`${f}: preset: 'artcle' is not a preset (article, article-single, dr, article-scale, article6, article6-single, article-dual)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
