// What the lab suites check after a teardown: nothing of the lab is left on the machine.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { listLabIds, readRecord, runDirOf, type LabRecord } from '../../src/lab/rundir.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The built CLI, as a user runs it (never throws: look at exitCode). */
export const lvslab = (...args: string[]) => execa(process.execPath, [cli, ...args], { reject: false, timeout: 60_000 });

export function namespacesOf(labId: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(`lvs-${labId}-`));
  } catch {
    return [];
  }
}

/** Processes whose command line mentions the lab id (agents carry their run directory in argv). */
export function processesMentioning(labId: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`/lvslab/${labId}/`)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

export function leftovers(labId: string): { namespaces: string[]; processes: number[]; runDir: boolean } {
  return { namespaces: namespacesOf(labId), processes: processesMentioning(labId), runDir: existsSync(runDirOf(labId)) };
}

/** Labs whose record names `source` (a file of the test's own: its labs told from anyone else's). */
export async function labsFrom(source: string): Promise<LabRecord[]> {
  const recs = await Promise.all((await listLabIds()).map((id) => readRecord(id)));
  return recs.filter((r): r is LabRecord => r?.source === source);
}

/** `net:[inode]` of a named namespace, as /proc links show it. */
export function namespaceInode(ns: string): string {
  return `net:[${statSync(`/run/netns/${ns}`).ino}]`;
}

/** This process's descriptors that point at one of these namespaces. */
export function descriptorsInto(inodes: string[]): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (inodes.includes(target)) out.push(`${fd} -> ${target}`);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}
