// The run directory of a lab, /run/lvslab/<id>/: lab.json (owner, namespaces, topology), pids.jsonl
// (one line per process the lab started), logs/. It is written before any namespace exists and
// removed after the last one is gone, so gc can always find what a lab left behind.
import { appendFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRef } from './procs.js';
import type { Topology } from './topology.js';

/** Root of all run directories; LVSLAB_RUN_DIR overrides it (tests of gc logic, non-root use). */
export const DEFAULT_RUN_ROOT = '/run/lvslab';

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
  owner: ProcessRef;
  createdAt: string;
  namespaces: string[];
  topology: Topology;
}

export interface PidRecord extends ProcessRef {
  host: string;
  /** what it is: "agent", or the log name given to spawn */
  name: string;
}

export async function createRunDir(rec: LabRecord): Promise<string> {
  const dir = runDirOf(rec.id);
  await mkdir(join(dir, 'logs'), { recursive: true, mode: 0o755 });
  await writeRecord(rec);
  return dir;
}

export async function writeRecord(rec: LabRecord): Promise<void> {
  const dir = runDirOf(rec.id);
  // Write then rename: a reader (gc in another process) never sees half a file.
  const tmp = join(dir, `.lab.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n');
  await rename(tmp, join(dir, 'lab.json'));
}

export async function readRecord(labId: string): Promise<LabRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(runDirOf(labId), 'lab.json'), 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

export async function recordPid(labId: string, p: PidRecord): Promise<void> {
  await appendFile(join(runDirOf(labId), 'pids.jsonl'), JSON.stringify(p) + '\n');
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
    return (await readdir(runRoot(), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

export async function removeRunDir(labId: string): Promise<void> {
  await rm(runDirOf(labId), { recursive: true, force: true });
}

export function logPath(labId: string, name: string): string {
  return join(runDirOf(labId), 'logs', `${name}.log`);
}

/** A lab id from what a user typed: the full id, or a prefix of exactly one lab's id. */
export async function resolveLabId(typed: string): Promise<string | undefined> {
  const ids = await listLabIds();
  if (ids.includes(typed)) return typed;
  const matches = ids.filter((id) => id.startsWith(typed));
  return matches.length === 1 ? matches[0] : undefined;
}
