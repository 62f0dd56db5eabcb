// The run directory of a lab, /run/lvslab/<id>/: lab.json (owner, state, namespaces, topology),
// pids.jsonl (one line per process the lab started), logs/, hosts/ (agents' data). It appears with its
// record in one step, before any namespace exists, and goes after the last one is gone, so gc can
// always find what a lab left behind. It holds secrets (keepalived.conf with auth_pass, received
// payloads, logs): directories are 0700 and files 0600, root's only, whatever the umask.
import { closeSync, openSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidExists, type ProcessRef } from './procs.js';
import type { Topology } from './topology.js';

/** Root of all run directories; LVSLAB_RUN_DIR overrides it (tests of gc logic, non-root use). */
export const DEFAULT_RUN_ROOT = '/run/lvslab';

/** Modes of everything under the run root (passed at creation, so no window with wider ones). */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export function runRoot(): string {
  return process.env.LVSLAB_RUN_DIR ?? DEFAULT_RUN_ROOT;
}

export function runDirOf(labId: string): string {
  return join(runRoot(), labId);
}

/** Owner pid 0 means "kept until `lvslab down`" (labs started by `lvslab up`). */
export const KEPT_OWNER = 0;

export interface LabRecord {
  id: string;
  /** the description's name (preset name or file) */
  source: string;
  /** the builder while the lab is building; then the process using it, or KEPT_OWNER */
  owner: ProcessRef;
  /** 'building' until every part of the lab exists (records without it are built) */
  state?: 'building' | 'built';
  createdAt: string;
  namespaces: string[];
  topology: Topology;
}

export interface PidRecord extends ProcessRef {
  host: string;
  /** what it is: "agent", or the log name given to spawn */
  name: string;
}

/** A directory being prepared (`.new.<id>.<pid>`), renamed to `<id>` once it holds the record. */
const STAGING = /^\.new\.([a-z0-9]+)\.(\d+)$/;

/** Create the run root (0700; an existing one is narrowed to 0700). */
export async function ensureRunRoot(): Promise<void> {
  await mkdir(runRoot(), { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(runRoot(), PRIVATE_DIR_MODE).catch(() => undefined);
}

/** An error with code EEXIST: the id is another lab's. */
export class LabIdTakenError extends Error {
  override name = 'LabIdTakenError';
  readonly code = 'EEXIST';
}

/**
 * Create the run directory holding its record, in one step: prepared under a staging name and renamed
 * into place, so a directory named after a lab always holds the lab's record, and a builder killed at
 * any point leaves nothing or a lab gc can judge. Renaming onto a lab's (non-empty) directory fails,
 * which makes this the atomic reservation of the id across concurrent builders (LabIdTakenError).
 */
export async function createRunDir(rec: LabRecord): Promise<string> {
  await ensureRunRoot();
  const staging = join(runRoot(), `.new.${rec.id}.${process.pid}`);
  try {
    await mkdir(join(staging, 'logs'), { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFile(join(staging, 'lab.json'), JSON.stringify(rec, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
    await rename(staging, runDirOf(rec.id));
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new LabIdTakenError(`lab id ${rec.id} is taken`);
    throw err;
  }
  return runDirOf(rec.id);
}

export async function writeRecord(rec: LabRecord): Promise<void> {
  const dir = runDirOf(rec.id);
  // Write then rename: a reader (gc in another process) never sees half a file.
  const tmp = join(dir, `.lab.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  await rename(tmp, join(dir, 'lab.json'));
}

export async function readRecord(labId: string): Promise<LabRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(runDirOf(labId), 'lab.json'), 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

/**
 * The lab is complete: from now on it is the builder's (a running lab) or, with `keep`, nobody's until
 * `lvslab down` (a kept lab). Until this, gc removes the lab as soon as its builder is gone.
 */
export async function markBuilt(labId: string, keep: boolean): Promise<void> {
  const rec = await readRecord(labId);
  if (!rec) throw new Error(`lab ${labId} was removed while it was being built`);
  await writeRecord({ ...rec, state: 'built', ...(keep ? { owner: { pid: KEPT_OWNER } } : {}) });
}

export async function recordPid(labId: string, p: PidRecord): Promise<void> {
  await appendFile(join(runDirOf(labId), 'pids.jsonl'), JSON.stringify(p) + '\n', { mode: PRIVATE_FILE_MODE });
}

export async function readPids(labId: string): Promise<PidRecord[]> {
  let text: string;
  try {
    text = await readFile(join(runDirOf(labId), 'pids.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: PidRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as PidRecord);
    } catch {
      // a line cut short by a crash mid-write
    }
  }
  return out;
}

export async function listLabIds(): Promise<string[]> {
  try {
    return (await readdir(runRoot(), { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Staging directories whose builder is gone (killed between mkdir and rename): nothing else refers to them. */
export async function removeDeadStaging(): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(runRoot());
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = STAGING.exec(name);
    if (!m || pidExists(Number(m[2]))) continue;
    await rm(join(runRoot(), name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export async function removeRunDir(labId: string): Promise<void> {
  await rm(runDirOf(labId), { recursive: true, force: true });
}

export function logPath(labId: string, name: string): string {
  return join(runDirOf(labId), 'logs', `${name}.log`);
}

/** logPath, with the file created 0600 if it is new, for a process about to append to it. */
export function createLogFile(labId: string, name: string): string {
  const path = logPath(labId, name);
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  return path;
}

/** A lab id from what a user typed: the full id, or a prefix of exactly one lab's id. */
export async function resolveLabId(typed: string): Promise<string | undefined> {
  const ids = await listLabIds();
  if (ids.includes(typed)) return typed;
  const matches = ids.filter((id) => id.startsWith(typed));
  return matches.length === 1 ? matches[0] : undefined;
}
