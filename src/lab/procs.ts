// Processes as the lab tracks them: a pid plus its start time (field 22 of /proc/PID/stat), so a pid
// the kernel has reused for someone else's process is never mistaken for ours and never killed.
// Synchronous reads on purpose: /proc files are generated in memory, and a pass over /proc is a few
// hundred tiny reads that cost far more in thread-pool round trips than in the reads themselves.
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessRef {
  pid: number;
  /** start time in clock ticks since boot; undefined when it could not be read */
  start?: number;
}

/** Start time of a live process, or undefined when it does not exist. */
export async function processStart(pid: number): Promise<number | undefined> {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]); // field 22 overall = index 19 after pid and comm
  } catch {
    return undefined;
  }
}

/** True when the process exists, is not a zombie, and (if known) started when recorded. */
export async function isAlive(ref: ProcessRef): Promise<boolean> {
  if (ref.pid <= 0) return false;
  let text: string;
  try {
    text = readFileSync(`/proc/${ref.pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return ref.start === undefined || Number(fields[19]) === ref.start;
}

/**
 * Whether signal 0 reaches `pid` (it exists, zombies included), synchronously: for pid files and lock
 * owners checked in a loop, where the start-time check of isAlive is not needed.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function selfRef(): Promise<ProcessRef> {
  return { pid: process.pid, start: await processStart(process.pid) };
}

/** Pids of the processes living in any of the named namespaces (like `ip netns pids`, for several
 *  at once: one pass over /proc, which is what costs). */
export async function pidsInNamespaces(nsNames: string[]): Promise<number[]> {
  const wanted = new Set<string>();
  for (const ns of nsNames) {
    try {
      wanted.add(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    } catch {
      // already deleted
    }
  }
  if (wanted.size === 0) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (wanted.has(readlinkSync(`/proc/${entry}/ns/net`))) out.push(Number(entry));
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return out;
}

/** SIGTERM the live ones, wait up to graceMs, SIGKILL what is left. Never touches a reused pid. */
export async function terminate(refs: ProcessRef[], graceMs = 1500): Promise<void> {
  const live: ProcessRef[] = [];
  for (const r of refs) if (await isAlive(r)) live.push(r);
  for (const r of live) signal(r.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = live;
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(20);
    const still: ProcessRef[] = [];
    for (const r of left) if (await isAlive(r)) still.push(r);
    left = still;
  }
  for (const r of left) signal(r.pid, 'SIGKILL');
  // Wait (bounded) for SIGKILLed processes to be gone so namespaces can be deleted cleanly.
  const hardDeadline = Date.now() + 1000;
  while (left.length > 0 && Date.now() < hardDeadline) {
    await sleep(10);
    const still: ProcessRef[] = [];
    for (const r of left) if (await isAlive(r)) still.push(r);
    left = still;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Whether `p` settles within `ms`. The timer is cleared either way, so waiting for a process that
 * exits at once does not keep this process alive for the rest of the grace period.
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
