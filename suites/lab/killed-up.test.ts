// `lvslab up` SIGKILLed at any point of its build leaves nothing `lvslab gc` does not remove: the lab
// is "building", owned by the up process, until it is complete, and only then kept.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preset, teardownLab } from '../../src/lab/index.js';
import { labsFrom, leftovers } from './helpers.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('a SIGKILLed lvslab up', () => {
  let dir: string;
  let file: string;
  const seen = new Set<string>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-killed-up-'));
    file = join(dir, 'lab.yaml'); // a name of its own, to tell these labs from any other
    await writeFile(file, stringify(preset('article-single')));
  });
  afterAll(async () => {
    for (const r of await labsFrom(file)) seen.add(r.id);
    for (const id of seen) await teardownLab(id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no namespace, process or run directory after gc, wherever the kill lands', async () => {
    let midBuild = 0;
    // Delays after the lab's record appears: namespaces being created, wired, addressed, agents starting.
    for (const delayMs of [0, 30, 80, 160, 300]) {
      const up = execa(process.execPath, [cli, 'up', file], { reject: false, timeout: 60_000 });
      let exited = false;
      void up.then(() => (exited = true));
      const deadline = Date.now() + 30_000;
      while (!exited && Date.now() < deadline && (await labsFrom(file)).length === 0) await sleep(2);
      await sleep(delayMs);
      up.kill('SIGKILL');
      const r = await up;
      const labs = await labsFrom(file);
      labs.forEach((l) => seen.add(l.id));
      if (r.stdout.trim() !== '') {
        // It finished first (a loaded machine): a kept lab, the user's to remove.
        for (const l of labs) await execa(process.execPath, [cli, 'down', l.id]);
        continue;
      }
      midBuild++;
      // Killed before it said the lab was up: never a kept lab, and gc removes all of it.
      expect(labs.map((l) => l.owner.pid)).not.toContain(0);
      const gc = await execa(process.execPath, [cli, 'gc'], { reject: false });
      expect(gc.exitCode, gc.stderr).toBe(0);
      // Now, and a moment later (a process the killed builder left could still be creating things).
      for (const wait of [0, 500]) {
        await sleep(wait);
        for (const l of labs) expect({ id: l.id, delayMs, ...leftovers(l.id) }).toEqual({ id: l.id, delayMs, namespaces: [], processes: [], runDir: false });
      }
    }
    expect(midBuild).toBeGreaterThanOrEqual(3);
  });
});
