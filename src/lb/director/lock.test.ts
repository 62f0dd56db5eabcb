import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeldLock, lockHolder, lockOwner } from './lock.js';

const dirs: string[] = [];
function tmpFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-lock-'));
  dirs.push(d);
  return path.join(d, 'director-ds1.lock');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('HeldLock', () => {
  it('is taken once: a second taker is refused while the first holds it, and gets it after release', () => {
    const file = tmpFile();
    const first = HeldLock.tryAcquire(file, 'director daemon ds1')!;
    expect(first).toBeDefined();
    // flock locks belong to open files: a second open in the same process is a second taker
    expect(HeldLock.tryAcquire(file, 'director daemon ds1')).toBeUndefined();
    expect(lockHolder(file)).toBe(process.pid);
    expect(lockOwner(file)).toMatchObject({ pid: process.pid, what: 'director daemon ds1' });
    first.release();
    expect(lockHolder(file)).toBeUndefined();
    const second = HeldLock.tryAcquire(file, 'director daemon ds1');
    expect(second).toBeDefined();
    second!.release();
  });

  it('waits for a holder within a bound, then names it', async () => {
    const file = tmpFile();
    const held = HeldLock.tryAcquire(file, 'lvslab operation on ds1')!;
    await expect(HeldLock.acquire(file, 'other', 150)).rejects.toThrow(`is held by the lvslab operation on ds1 (pid ${process.pid}`);
    setTimeout(() => held.release(), 100);
    const l = await HeldLock.acquire(file, 'other', 5000);
    l.release();
  });
});

describe('lockHolder', () => {
  it('reads the holder of an flock from /proc/locks by device and inode, ignoring waiters and other files', () => {
    const file = tmpFile();
    fs.writeFileSync(file, '');
    const st = fs.statSync(file);
    const dev = `${(Math.floor(st.dev / 256) & 0xfff).toString(16).padStart(2, '0')}:${(st.dev & 0xff).toString(16).padStart(2, '0')}`;
    const text = [
      `1: POSIX  ADVISORY  WRITE 111 ${dev}:${st.ino} 0 EOF`,
      `2: FLOCK  ADVISORY  WRITE 222 ${dev}:${st.ino + 1} 0 EOF`,
      `3: FLOCK  ADVISORY  WRITE 333 ${dev}:${st.ino} 0 EOF`,
      `3: -> FLOCK  ADVISORY  WRITE 444 ${dev}:${st.ino} 0 EOF`,
    ].join('\n');
    expect(lockHolder(file, text)).toBe(333);
    expect(lockHolder(file, text.split('\n').slice(0, 2).join('\n'))).toBeUndefined();
    expect(lockHolder(path.join(path.dirname(file), 'missing'), text)).toBeUndefined();
  });
});
