// A kept lab's director daemon as other processes see it: by its lock and its recorded config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/index.js';
import { directorFiles } from './backend.js';
import { ControlServer } from './control.js';
import { DirectorStateError, daemonRequest, daemonState, ensureDaemon } from './kept.js';
import { HeldLock } from './lock.js';

const ID = 'lkept1';
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-kept-'));
  process.env.LVSLAB_RUN_DIR = root;
  fs.mkdirSync(path.join(root, ID, 'logs'), { recursive: true });
});
afterEach(() => {
  delete process.env.LVSLAB_RUN_DIR;
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a kept director daemon', () => {
  it('is never (no config), down (config, lock free) or running (lock held)', () => {
    const f = directorFiles(ID, 'ds1');
    expect(daemonState(ID, 'ds1')).toEqual({ kind: 'never' });
    fs.writeFileSync(f.config, '{}');
    fs.writeFileSync(path.join(root, ID, 'logs', 'director-ds1.log'), '2025-01-02T03:04:05.000Z ready\n2025-01-02T03:04:06.000Z SIGTERM: stopping\n');
    expect(daemonState(ID, 'ds1')).toEqual({ kind: 'down', lastLog: '2025-01-02T03:04:06.000Z SIGTERM: stopping' });
    const l = HeldLock.tryAcquire(f.lock, 'director daemon ds1')!;
    expect(daemonState(ID, 'ds1')).toEqual({ kind: 'running', pid: process.pid });
    l.release();
  });

  it('a dead one is reported with how to start it, and not replaced', async () => {
    fs.writeFileSync(directorFiles(ID, 'ds1').config, '{}');
    const lab = { id: ID, runDir: path.join(root, ID) } as Lab;
    const err = await ensureDaemon(lab, 'ds1').catch((e: Error) => e);
    expect(err).toBeInstanceOf(DirectorStateError);
    expect((err as Error).message).toBe(`the director daemon on ds1 is not running; whatever it left (rules, addresses) is still there. Start it again with: lvslab fault ${ID} ds1 start`);
    await expect(daemonRequest(ID, 'ds1', { op: 'ping' })).rejects.toThrow('is not running');
  });

  it('one holding its lock but not listening yet is starting: a request waits for it', async () => {
    const f = directorFiles(ID, 'ds1');
    fs.writeFileSync(f.config, '{}');
    const l = HeldLock.tryAcquire(f.lock, 'director daemon ds1')!;
    let server: ControlServer | undefined;
    setTimeout(() => void ControlServer.listen(f.socket, () => ({ pid: 7 })).then((s) => (server = s)), 300);
    try {
      expect(await daemonRequest(ID, 'ds1', { op: 'ping' }, 5000)).toEqual({ pid: 7 });
    } finally {
      await server?.close();
      l.release();
    }
  });
});
