// gc's decisions, on run directories alone (a private run root, no namespaces, no root needed).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStart } from './procs.js';
import { createRunDir, KEPT_OWNER, LabIdTakenError, listLabIds, markBuilt, readRecord, type LabRecord } from './rundir.js';
import { gc, labState } from './teardown.js';
import { preset } from './presets.js';
import { validateDescription } from './validate.js';

const topology = validateDescription(preset('article-single'));

function record(id: string, owner: LabRecord['owner'], state?: LabRecord['state']): LabRecord {
  return { id, source: 'test', owner, ...(state ? { state } : {}), createdAt: new Date().toISOString(), namespaces: [], topology };
}

describe('gc', () => {
  let root: string;
  const saved = process.env.LVSLAB_RUN_DIR;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lvslab-gc-'));
    process.env.LVSLAB_RUN_DIR = root;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.LVSLAB_RUN_DIR;
    else process.env.LVSLAB_RUN_DIR = saved;
    await rm(root, { recursive: true, force: true });
  });

  it('removes labs whose owner died, keeps live-owned and kept labs', async () => {
    const dead = spawnSync('true').pid!; // exited: its pid is free (or someone else's now)
    const self = { pid: process.pid, start: await processStart(process.pid) };
    await createRunDir(record('ldead1', { pid: dead, start: 1 }));
    await createRunDir(record('lreuse', { pid: process.pid, start: (self.start ?? 0) + 1 })); // our pid, another start time: a reused pid
    await createRunDir(record('llive1', self));
    await createRunDir(record('lkept1', { pid: KEPT_OWNER }));
    expect(await labState(record('x', self))).toBe('running');
    expect(await labState(record('x', { pid: KEPT_OWNER }))).toBe('kept');
    expect(await labState(record('x', { pid: dead, start: 1 }))).toBe('orphaned');

    const r = await gc();
    expect(r.removed.sort()).toEqual(['ldead1', 'lreuse']);
    expect(['ldead1', 'lreuse', 'llive1', 'lkept1'].map((id) => existsSync(join(root, id)))).toEqual([false, false, true, true]);
  });

  it('leaves a just-reserved id without a record, removes an old one', async () => {
    await mkdir(join(root, 'lfresh'));
    await mkdir(join(root, 'lstale'));
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root, 'lstale'), old, old);
    const r = await gc();
    expect(r.removed).toEqual(['lstale']);
    expect(existsSync(join(root, 'lfresh'))).toBe(true);
  });

  it('a building lab is its builder\'s until built; gc removes it once the builder is dead, whatever it was to become', async () => {
    const dead = spawnSync('true').pid!;
    const self = { pid: process.pid, start: await processStart(process.pid) };
    await createRunDir(record('lbuild1', self, 'building'));
    await createRunDir(record('lbuild2', { pid: dead, start: 1 }, 'building')); // `lvslab up` SIGKILLed halfway
    expect(await labState((await readRecord('lbuild1'))!)).toBe('building');
    expect(await labState((await readRecord('lbuild2'))!)).toBe('orphaned');
    expect((await gc()).removed).toEqual(['lbuild2']);

    await markBuilt('lbuild1', true); // what `lvslab up` does once its services run
    const kept = (await readRecord('lbuild1'))!;
    expect([kept.state, kept.owner.pid, await labState(kept)]).toEqual(['built', KEPT_OWNER, 'kept']);
    expect((await gc()).removed).toEqual([]);
    await rm(join(root, 'lbuild1'), { recursive: true });
  });

  it('creates a run directory with its record in one step, private, and never over another lab', async () => {
    await createRunDir(record('lpriv1', { pid: KEPT_OWNER }));
    expect((await stat(join(root, 'lpriv1'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'lpriv1', 'logs'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'lpriv1', 'lab.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(root)).mode & 0o777).toBe(0o700);
    await expect(createRunDir(record('lpriv1', { pid: KEPT_OWNER }))).rejects.toBeInstanceOf(LabIdTakenError);
    // A builder killed between preparing and renaming leaves a staging directory: gc removes it once
    // that builder is gone, and nobody mistakes it for a lab.
    const dead = spawnSync('true').pid!;
    await mkdir(join(root, `.new.lstage.${dead}`));
    await mkdir(join(root, `.new.lstag2.${process.pid}`));
    expect(await listLabIds()).not.toContain(`.new.lstage.${dead}`);
    await gc();
    expect([existsSync(join(root, `.new.lstage.${dead}`)), existsSync(join(root, `.new.lstag2.${process.pid}`))]).toEqual([false, true]);
    await rm(join(root, `.new.lstag2.${process.pid}`), { recursive: true });
    await rm(join(root, 'lpriv1'), { recursive: true });
  });

  it('never judges real namespaces against a private run root', async () => {
    expect((await gc()).namespaces).toEqual([]);
  });
});
