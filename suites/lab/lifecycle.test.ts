// Labs coming and going: a lab whose owner was SIGKILLed is removed by the next build; two labs with
// the same addresses run side by side without seeing each other; kept labs survive gc.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildLab, gc, labState, LabBuildError, listLabIds, preset, readRecord, readPids, teardownLab, type LabDescription } from '../../src/lab/index.js';
import { leftovers, pidAlive } from './helpers.js';
import { needs, probe } from '../../test/capabilities.js';

const distLab = fileURLToPath(new URL('../../dist/lab/index.js', import.meta.url));

describe('lab lifecycle', needs(await probe.root()), () => {
  it('removes a lab whose owner was SIGKILLed at the next build', async () => {
    // The owner builds a lab, starts a long-lived process in it, and then dies without cleaning up.
    const owner = execa(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(distLab)});
       const lab = await m.buildLab('article-single');
       await lab.host('rs1').spawn(['sleep', '120'], { logName: 'sleeper' });
       process.stdout.write(lab.id + '\\n');
       setTimeout(() => {}, 60000);`,
    ], { reject: false, timeout: 90_000 });
    const id = await new Promise<string>((resolve, reject) => {
      owner.stdout!.on('data', (b: Buffer) => resolve(b.toString().trim()));
      void owner.then((r) => reject(new Error(`owner exited early: ${r.stderr}`)));
    });
    try {
      const sleeper = (await readPids(id)).find((p) => p.name === 'sleeper')!;
      expect(pidAlive(sleeper.pid)).toBe(true);
      owner.kill('SIGKILL');
      await owner;
      const rec = await readRecord(id);
      expect(await labState(rec!)).toBe('orphaned');
      expect(pidAlive(sleeper.pid)).toBe(true); // nobody has cleaned up yet

      const next = await buildLab('article-single', { agents: false }); // starts with gc
      await next.teardown();
      expect(leftovers(id)).toEqual({ namespaces: [], processes: [], runDir: false });
      expect(pidAlive(sleeper.pid)).toBe(false);
    } finally {
      owner.kill('SIGKILL');
      await teardownLab(id).catch(() => undefined);
    }
  });

  it('runs two labs with the same addresses side by side without interference', async () => {
    const named = (rs1: string, rs2: string): LabDescription => {
      const d = preset('article-single')!;
      const hosts = d.hosts as Record<string, { identity?: string }>;
      hosts.rs1.identity = rs1;
      hosts.rs2.identity = rs2;
      return d;
    };
    const [a, b] = await Promise.all([buildLab(named('A1', 'A2')), buildLab(named('B1', 'B2'))]);
    try {
      expect(a.id).not.toBe(b.id);
      await Promise.all([a, b].map((l) => l.client.exec(['ip', 'route', 'add', '10.0.0.0/24', 'via', '192.168.1.112'])));
      const [ra, rb] = await Promise.all([
        a.client.agent().then((c) => c.http('10.0.0.101', { count: 4, concurrency: 2 })),
        b.client.agent().then((c) => c.http('10.0.0.101', { count: 4, concurrency: 2 })),
      ]);
      expect(ra.map((r) => r.server)).toEqual(['A1', 'A1', 'A1', 'A1']);
      expect(rb.map((r) => r.server)).toEqual(['B1', 'B1', 'B1', 'B1']);
      expect(await (await a.host('rs1').agent()).httpRequests()).toHaveLength(4);
      expect(await (await b.host('rs1').agent()).httpRequests()).toHaveLength(4);
      // Tearing one down leaves the other working.
      await a.teardown();
      const [again] = await (await b.client.agent()).http('10.0.0.101');
      expect(again.server).toBe('B1');
    } finally {
      await Promise.all([a.teardown(), b.teardown()]);
    }
    expect(leftovers(a.id)).toEqual({ namespaces: [], processes: [], runDir: false });
    expect(leftovers(b.id)).toEqual({ namespaces: [], processes: [], runDir: false });
  });

  it('fails a build the kernel refuses with the step and host named, leaving nothing behind', async () => {
    const d = preset('article-single')!;
    (d.hosts as Record<string, { sysctls?: Record<string, number> }>).rs2.sysctls = { 'net.ipv4.no_such_knob': 1 };
    const before = new Set(await listLabIds());
    const err = await buildLab(d, { agents: false }).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(LabBuildError);
    expect(err!.message).toMatch(/^sysctl in namespace lvs-[a-z0-9]+-rs2 failed: .*no_such_knob/);
    const id = /lvs-([a-z0-9]+)-rs2/.exec(err!.message)![1];
    expect(before.has(id)).toBe(false);
    expect(leftovers(id)).toEqual({ namespaces: [], processes: [], runDir: false });
  });

  it('keeps labs built for `lvslab up` through gc; teardown removes them', async () => {
    const kept = await buildLab('article-single', { owner: 'kept', agents: false });
    try {
      expect((await readRecord(kept.id))!.owner.pid).toBe(0);
      const r = await gc();
      expect(r.removed).not.toContain(kept.id);
      expect(leftovers(kept.id).namespaces).toHaveLength(5);
    } finally {
      await teardownLab(kept.id);
    }
    expect(leftovers(kept.id)).toEqual({ namespaces: [], processes: [], runDir: false });
    expect(await readPids(kept.id)).toEqual([]);
  });
});
