// The director daemons of a lab kept by `lvslab up`, and their keepalived sides, driven from
// whichever process asks (`lvslab ipvsadm`, `lvslab fault`): what state a daemon is in, starting it
// from its recorded configuration, stopping or killing it, talking to it. A process's lock (lock.ts)
// says whether it runs — held while it lives, stopped (SIGSTOP) or not — and its recorded
// configuration that the lab has had one. A lab that has had a daemon never gets another behind the
// user's back: a dead one is reported, with how to start it.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../../lab/index.js';
import { isAlive, processStart } from '../../lab/procs.js';
import { logPath, readPids } from '../../lab/rundir.js';
import { EmbeddedSession, directorFiles, mergeStatus } from './backend.js';
import type { DaemonStatus } from './daemon.js';
import type { KeepalivedSideStatus } from './keepalived.js';
import { ControlError, controlRequest, type ControlRequest } from './control.js';
import { HeldLock, lockHolder } from './lock.js';

export type DaemonState =
  /** its lock is held: it runs (or is stopped, which is not dead) */
  | { kind: 'running'; pid: number }
  /** it ran once (its configuration is recorded) and is gone */
  | { kind: 'down'; lastLog?: string }
  /** the lab never had one on this director */
  | { kind: 'never' };

export class DirectorStateError extends Error {
  override name = 'DirectorStateError';
}

function lastLogLine(labId: string, director: string): string | undefined {
  try {
    const lines = fs.readFileSync(logPath(labId, directorFiles(labId, director).logName), 'utf8').trim().split('\n');
    return lines[lines.length - 1] || undefined;
  } catch {
    return undefined;
  }
}

export function daemonState(labId: string, director: string): DaemonState {
  const files = directorFiles(labId, director);
  const pid = lockHolder(files.lock);
  if (pid !== undefined) return { kind: 'running', pid };
  if (fs.existsSync(files.config)) return { kind: 'down', lastLog: lastLogLine(labId, director) };
  return { kind: 'never' };
}

/** The error for a director whose daemon is gone: what happened and how to start it again. */
export function daemonDown(labId: string, director: string, lastLog?: string): DirectorStateError {
  return new DirectorStateError(
    `the director daemon on ${director} is not running${lastLog ? ` (its log ends: ${lastLog})` : ''}; ` +
      `whatever it left (rules, addresses) is still there. Start it again with: lvslab fault ${labId} ${director} start`,
  );
}

/** What /proc says a process is doing, in words (a stopped daemon holds its lock but cannot answer). */
export function processCondition(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return ({ T: 'stopped (SIGSTOP)', t: 'stopped by a debugger', D: 'waiting on the kernel', Z: 'a zombie', R: 'running', S: 'running' } as Record<string, string>)[state] ?? `state ${state}`;
  } catch {
    return 'gone';
  }
}

/**
 * Starting, stopping and rebooting a director from outside are one at a time across processes
 * (two `lvslab ipvsadm` on a fresh lab must not both start one): a second waits for the first.
 */
export async function withDirectorOps<T>(labId: string, director: string, fn: () => Promise<T>): Promise<T> {
  const lock = await HeldLock.acquire(directorFiles(labId, director).ops, `lvslab operation on ${director}`, 60_000);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** The director's keepalived side: running, down (it has a keepalived.conf), or none at all. */
export function keepalivedState(labId: string, director: string): DaemonState {
  const files = directorFiles(labId, director).keepalived;
  const pid = lockHolder(files.lock);
  if (pid !== undefined) return { kind: 'running', pid };
  if (fs.existsSync(files.config)) return { kind: 'down' };
  return { kind: 'never' };
}

/**
 * Start the director again from its recorded configuration — the daemon, then its keepalived side
 * if it has one; both outlive the caller. Returns the daemon's pid.
 */
export async function startRecordedDaemon(lab: Lab, director: string): Promise<number> {
  const st = daemonState(lab.id, director);
  if (st.kind === 'running') throw new DirectorStateError(`the director daemon on ${director} is already running (pid ${st.pid})`);
  if (st.kind === 'never') throw new DirectorStateError(`${director} has never had a director daemon: there is no configuration to start it with`);
  const k = keepalivedState(lab.id, director);
  if (k.kind === 'running') throw new DirectorStateError(`keepalived is still running on ${director} (pid ${k.pid}) without its director daemon; stop it first (lvslab fault ${lab.id} ${director} stop)`);
  return await new EmbeddedSession(lab, { detached: true }).spawnDaemon(director);
}

/** Start the keepalived side alone, beside the running daemon (after `kill-keepalived`). Returns its pid. */
export async function startRecordedKeepalived(lab: Lab, director: string): Promise<number> {
  const k = keepalivedState(lab.id, director);
  if (k.kind === 'never') throw new DirectorStateError(`${director} runs no keepalived (it was given no keepalived.conf): nothing to start`);
  if (k.kind === 'running') throw new DirectorStateError(`keepalived is already running on ${director} (pid ${k.pid})`);
  const st = daemonState(lab.id, director);
  if (st.kind !== 'running') throw new DirectorStateError(`the director daemon on ${director} is not running: keepalived needs its IPVS. Start the director with: lvslab fault ${lab.id} ${director} start`);
  return await new EmbeddedSession(lab, { detached: true }).spawnKeepalived(director);
}

/**
 * The daemon `lvslab ipvsadm` talks to: the running one; on a lab that never had one, a new one
 * with an empty table (the first `lvslab ipvsadm` of the article by hand); never a replacement.
 */
export async function ensureDaemon(lab: Lab, director: string): Promise<{ started: boolean; pid: number }> {
  const now = daemonState(lab.id, director);
  if (now.kind === 'running') return { started: false, pid: now.pid };
  // A recorded configuration without a lock holder may be a daemon another process is starting
  // this very moment: judge only once no start is under way.
  return await withDirectorOps(lab.id, director, async () => {
    const st = daemonState(lab.id, director);
    if (st.kind === 'running') return { started: false, pid: st.pid };
    if (st.kind === 'down') throw daemonDown(lab.id, director, st.lastLog);
    const session = new EmbeddedSession(lab, { detached: true });
    await session.startDirector(director, {});
    return { started: true, pid: session.pidOf(director)! };
  });
}

/**
 * One control request to a running daemon; a dead or silent one is described, never replaced. A
 * daemon takes its lock before it listens: while the lock holder has no socket yet it is starting,
 * and is waited for (up to `timeoutMs`).
 */
export async function daemonRequest<T>(labId: string, director: string, req: ControlRequest, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = daemonState(labId, director);
    if (st.kind === 'down') throw daemonDown(labId, director, st.lastLog);
    if (st.kind === 'never') throw new DirectorStateError(`${director} has no director daemon`);
    try {
      return await controlRequest<T>(directorFiles(labId, director).socket, req, Math.max(deadline - Date.now(), 1000));
    } catch (err) {
      if (!(err instanceof ControlError) || err.kind === 'refused') throw err;
      const after = daemonState(labId, director);
      if (after.kind === 'down') throw daemonDown(labId, director, after.lastLog);
      if (err.kind === 'unreachable' && after.kind === 'running' && after.pid === st.pid && Date.now() < deadline) {
        await sleep(100);
        continue;
      }
      throw new DirectorStateError(`the director daemon on ${director} (pid ${st.pid}) does not answer: it is ${processCondition(st.pid)} (${err.message})`);
    }
  }
}

export type DirectorRole = 'daemon' | 'keepalived';

function roleFiles(labId: string, director: string, role: DirectorRole): { lock: string; logName: string; what: string } {
  const f = directorFiles(labId, director);
  return role === 'daemon' ? { lock: f.lock, logName: f.logName, what: 'director daemon' } : { lock: f.keepalived.lock, logName: f.keepalived.logName, what: 'keepalived' };
}

/**
 * The status `lvslab ipvsadm --director-status` prints and VRRP waits read: the daemon's, with its
 * keepalived side's modules merged in when that runs (a killed keepalived side simply has none).
 */
export async function directorStatus(labId: string, director: string, timeoutMs = 10_000): Promise<DaemonStatus> {
  const dp = await daemonRequest<DaemonStatus>(labId, director, { op: 'status' }, timeoutMs);
  if (keepalivedState(labId, director).kind !== 'running') return dp;
  const ka = await controlRequest<KeepalivedSideStatus>(directorFiles(labId, director).keepalived.socket, { op: 'status' }, Math.min(timeoutMs, 3000)).catch(() => undefined);
  return mergeStatus(dp, ka);
}

/** The running process's pid, checked against the lab's own record of what it started. */
async function ourProcess(labId: string, director: string, role: DirectorRole): Promise<number | undefined> {
  const rf = roleFiles(labId, director, role);
  const pid = lockHolder(rf.lock);
  if (pid === undefined) return undefined;
  const rec = (await readPids(labId)).find((p) => p.pid === pid && p.name === rf.logName);
  if (!rec || !(await isAlive(rec))) throw new DirectorStateError(`${director}: the ${rf.what} lock is held by pid ${pid}, which this lab did not start; not signalling it`);
  return pid;
}

async function lockReleased(lock: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (lockHolder(lock) !== undefined) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Signal one of the director's processes and wait until it is gone; its pid, or undefined when it did not run. */
async function signalRole(labId: string, director: string, role: DirectorRole, how: 'kill' | 'stop'): Promise<number | undefined> {
  const rf = roleFiles(labId, director, role);
  const pid = await ourProcess(labId, director, role);
  if (pid === undefined) return undefined;
  const start = await processStart(pid);
  process.kill(pid, how === 'kill' ? 'SIGKILL' : 'SIGTERM');
  // a stopped (SIGSTOP) process handles SIGTERM only once it runs again
  if (how === 'stop') process.kill(pid, 'SIGCONT');
  if (how === 'stop' && !(await lockReleased(rf.lock, 10_000)) && (await isAlive({ pid, start }))) process.kill(pid, 'SIGKILL');
  if (!(await lockReleased(rf.lock, 5_000))) throw new DirectorStateError(`the ${rf.what} on ${director} (pid ${pid}) did not go away`);
  return pid;
}

/**
 * `kill-keepalived`: SIGKILL the keepalived side alone — the daemon keeps forwarding with its table
 * and connections, the VIPs stay. Returns its pid; throws when it does not apply.
 */
export async function killKeepalivedSide(labId: string, director: string): Promise<number> {
  const k = keepalivedState(labId, director);
  if (k.kind === 'never') throw new DirectorStateError(`${director} runs no keepalived (it was given no keepalived.conf): nothing to kill`);
  const pid = await signalRole(labId, director, 'keepalived', 'kill');
  if (pid === undefined) throw new DirectorStateError(`keepalived is not running on ${director} (nothing to kill)`);
  return pid;
}

/**
 * `kill`: SIGKILL the daemon and its keepalived side, as a crash — rules, VIPs and the ARP the peers
 * heard stay behind. `stop`: SIGTERM, a graceful stop (VRRP resigns with priority 0, rules removed),
 * SIGKILL after 10 s. Returns the daemon's pid, once both are gone; throws when neither runs.
 */
export async function signalDaemon(labId: string, director: string, how: 'kill' | 'stop'): Promise<number> {
  // both processes, keepalived's side first: its VRRP resigns (stop) or falls silent (kill) while
  // the data plane still runs, as when a host shuts down or dies
  const k = await signalRole(labId, director, 'keepalived', how);
  const pid = await signalRole(labId, director, 'daemon', how);
  if (pid === undefined && k === undefined) throw new DirectorStateError(`the director daemon on ${director} is not running (nothing to ${how})`);
  return pid ?? k!;
}
