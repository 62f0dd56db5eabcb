// One director daemon per director: an flock(2)'d pid file in the lab's run directory, taken by the
// daemon before it touches the queue or the rules and held for its life. The kernel drops the lock
// when the process dies (SIGKILL included) and keeps it while the process is stopped, so a stalled
// daemon is never taken for a dead one. Who holds a lock is read from /proc/locks, which needs no
// lock of our own (a probe that took the lock, even briefly, could turn a real daemon away).
// Node has no flock: libc's, through koffi, as src/lb/vrrp/io/libc.ts does for sockets.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;

let flockFn: ((fd: number, op: number) => number) | undefined;
let errnoFn: (() => number) | undefined;

function flock(fd: number, op: number): { ok: true } | { ok: false; errno: number } {
  if (!flockFn) {
    const koffi = require('koffi');
    flockFn = koffi.load('libc.so.6').func('int flock(int, int)') as (fd: number, op: number) => number;
    errnoFn = () => koffi.errno() as number;
  }
  return flockFn(fd, op) === 0 ? { ok: true } : { ok: false, errno: errnoFn!() };
}

export class LockError extends Error {
  override name = 'LockError';
}

/** What a lock file says about its holder (written by the holder once it has the lock). */
export interface LockOwner {
  pid: number;
  /** what holds it: "director daemon ds1" */
  what: string;
  since: string;
}

/** An exclusive lock held until release() or the end of the process. */
export class HeldLock {
  private constructor(
    readonly file: string,
    private fd: number | null,
  ) {}

  /**
   * Take the lock without waiting. Returns undefined when another process holds it. The lock file
   * is rewritten with our pid only once we hold it.
   */
  static tryAcquire(file: string, what: string): HeldLock | undefined {
    // O_CLOEXEC (Node's default): the commands a daemon runs must not inherit, and so keep, its lock
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    const r = flock(fd, LOCK_EX | LOCK_NB);
    if (!r.ok) {
      fs.closeSync(fd);
      if (r.errno === EWOULDBLOCK) return undefined;
      throw new LockError(`flock ${file}: errno ${r.errno}`);
    }
    const owner: LockOwner = { pid: process.pid, what, since: new Date().toISOString() };
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, JSON.stringify(owner) + '\n', 0);
    return new HeldLock(file, fd);
  }

  /** Take the lock, waiting up to `timeoutMs` for its holder to let go. */
  static async acquire(file: string, what: string, timeoutMs: number): Promise<HeldLock> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = HeldLock.tryAcquire(file, what);
      if (l) return l;
      if (Date.now() >= deadline) {
        const holder = lockHolder(file);
        throw new LockError(`${file} is held${holder ? ` by ${describeOwner(file, holder)}` : ''} for more than ${timeoutMs} ms`);
      }
      await sleep(50);
    }
  }

  release(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd); // closing the only descriptor drops the flock
    this.fd = null;
  }
}

/** The device number as /proc/locks prints it: "MAJOR:MINOR" in hex, two digits at least. */
function devString(dev: number): string {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** The pid holding an flock on `file` (from /proc/locks), or undefined when nobody does. */
export function lockHolder(file: string, procLocks?: string): number | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  const id = `${devString(st.dev)}:${st.ino}`;
  const text = procLocks ?? fs.readFileSync('/proc/locks', 'utf8');
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146318 0 EOF"; waiters are listed as "1: -> FLOCK ..."
    const m = /^\d+:\s+FLOCK\s+\S+\s+\S+\s+(\d+)\s+(\S+)\s/.exec(line);
    if (m && m[2] === id) return Number(m[1]);
  }
  return undefined;
}

/** What the lock file says of its holder (meaningful only while lockHolder() names that pid). */
export function lockOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

function describeOwner(file: string, pid: number): string {
  const o = lockOwner(file);
  return o && o.pid === pid ? `the ${o.what} (pid ${pid}, since ${o.since})` : `pid ${pid}`;
}
