// A soak lab with the embedded director serving: `lvslab up` (kept), then the services configured
// through `lvslab ipvsadm` (which starts the director daemon), and the daemon's pid from the lab's
// records. Shared by the daemon-kills and traffic phases.
import { readFileSync } from 'node:fs';
import { pidExists } from '../../src/lab/procs.js';
import { readPids } from '../../src/lab/rundir.js';
import { lvslab, type SoakContext } from './soak-lab.js';

export const DIRECTOR = 'ds1';
export const VIP = '192.168.1.112';
const SERVICES = [
  `-A -t ${VIP}:80 -s rr`,
  `-a -t ${VIP}:80 -r 10.0.0.101:80 -m -w 1`,
  `-a -t ${VIP}:80 -r 10.0.0.102:80 -m -w 1`,
  `-A -u ${VIP}:9999 -s rr`,
  `-a -u ${VIP}:9999 -r 10.0.0.101:9999 -m`,
  `-a -u ${VIP}:9999 -r 10.0.0.102:9999 -m`,
];

/** `lvslab ipvsadm <id> ds1 ARGS` (ARGS split on spaces). */
export function ipvsadm(ctx: SoakContext, id: string, args: string, timeoutMs?: number) {
  return lvslab(ctx, ['ipvsadm', id, DIRECTOR, ...args.split(' ')], timeoutMs);
}

/** Build a kept soak lab and configure the director's services; the lab id, or why not. */
export async function upServing(ctx: SoakContext): Promise<{ id: string } | { error: string; id?: string }> {
  const up = await lvslab(ctx, ['up', ctx.labFile]);
  const id = up.stdout.trim();
  if (up.exitCode !== 0 || !id) return { error: `up exit ${up.exitCode}: ${up.stderr.trim().split('\n').pop()}` };
  for (const s of SERVICES) {
    const r = await ipvsadm(ctx, id, s);
    if (r.exitCode !== 0) return { id, error: `ipvsadm ${s}: exit ${r.exitCode}: ${r.stderr.trim()}` };
  }
  return { id };
}

/** The pid of the lab's director daemon, if one is recorded and alive. */
export async function daemonPid(id: string): Promise<number | undefined> {
  const p = (await readPids(id)).find((x) => x.name === `director-${DIRECTOR}`);
  return p && pidExists(p.pid) ? p.pid : undefined;
}

/** Resident set size of pid in KiB (VmRSS), or undefined when it is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeTally {
  sent: number;
  ok: number;
  /** answers per real server */
  servers: Map<string, number>;
  errors: string[];
}

/** `lvslab probe` COUNT HTTP requests to the VIP, tallied. */
export async function probe(ctx: SoakContext, id: string, count: number, timeoutMs = 60_000): Promise<ProbeTally> {
  const r = await lvslab(ctx, ['probe', id, '--count', String(count), '--json'], timeoutMs);
  const t: ProbeTally = { sent: count, ok: 0, servers: new Map(), errors: [] };
  let results: Array<{ ok: boolean; server?: string; error?: string }>;
  try {
    results = JSON.parse(r.stdout);
  } catch {
    t.errors.push(`probe exit ${r.exitCode ?? r.signal}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    return t;
  }
  for (const x of results) {
    if (x.ok) {
      t.ok++;
      t.servers.set(x.server ?? '?', (t.servers.get(x.server ?? '?') ?? 0) + 1);
    } else t.errors.push(x.error ?? 'no answer');
  }
  return t;
}
