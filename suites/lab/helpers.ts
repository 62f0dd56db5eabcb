// What the lab suites check after a teardown: nothing of the lab is left on the machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { listLabIds, readRecord, runDirOf, type LabRecord } from '../../src/lab/rundir.js';

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
