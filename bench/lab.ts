// `npm run bench -- lab [--runs N]`: build + agents ready + teardown of the article lab, N rounds
// (default 20), side by side in the same run with the builder alone and with a plain shell script
// issuing the same `ip -batch` commands (`lvslab script article`). Variants run back to back in each
// round, in a rotating order, so machine load hits every variant alike; ratios are per-round medians.
//
//   lab        buildLab('article') with every agent ready, then teardown     (what suites pay)
//   lab-bare   buildLab('article', { agents: false }), then teardown         (the builder alone)
//   sh         sh script up; sh script down                                  (the reference)
//   agents     lab.startAgents() on a built lab: the agents alone
//
// Goals: lab <= 1.5x lab-bare; lab-bare <= 1.3x sh; the article's five agents ready in <= 40 ms.
//
// `npm run bench -- lab --scale [--runs N]`: article-scale with 2, 8, 32, 64 and 128 real servers
// (N rounds each, default 3): build, agents ready and teardown, against the script's up and down at
// the same size. Goals: growth linear in the number of hosts, 128 real servers up with agents in
// <= 2 s, 64 hosts' agents ready in <= 150 ms, teardown leaves nothing.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildLab } from '../src/lab/build.js';
import { resolveTopology, type LabSource } from '../src/lab/load.js';
import { planBuild, renderScript } from '../src/lab/plan.js';
import { runDirOf } from '../src/lab/rundir.js';
import type { Topology } from '../src/lab/topology.js';

interface Stats {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { median: q(0.5), min: s[0], max: s[s.length - 1], p25: q(0.25), p75: q(0.75) };
}

const median = (xs: number[]) => stats(xs).median;
/** Per-round ratio a[i]/b[i], median: steadier than a ratio of medians while load drifts. */
const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]));
const ms = (x: number) => `${x.toFixed(0)} ms`;
const goal = (ok: boolean, text: string) => `(goal ${text}: ${ok ? 'met' : 'NOT met'})`;

/** Lab namespaces and run directory left after a teardown (must be none). */
function leftovers(id: string): number {
  let n = existsSync(runDirOf(id)) ? 1 : 0;
  try {
    n += readdirSync('/run/netns').filter((x) => x.startsWith(`lvs-${id}-`)).length;
  } catch {
    // no namespaces at all
  }
  return n;
}

interface LabTimes {
  build: number;
  agents: number;
  teardown: number;
  leftovers: number;
}

/** Build (agents or not), optionally start the agents afterwards, tear down; each phase timed. */
async function timeLab(source: LabSource, mode: 'with-agents' | 'bare' | 'agents-after'): Promise<LabTimes> {
  const t0 = performance.now();
  const lab = await buildLab(source, { agents: mode === 'with-agents' });
  const t1 = performance.now();
  if (mode === 'agents-after') await lab.startAgents();
  const t2 = performance.now();
  await lab.teardown();
  const t3 = performance.now();
  return { build: t1 - t0, agents: t2 - t1, teardown: t3 - t2, leftovers: leftovers(lab.id) };
}

/** The shell reference: `sh script up`, `sh script down`, each timed. */
async function timeScript(t: Topology, dir: string, tag: string): Promise<{ up: number; down: number }> {
  // A fresh id per run (as the lab gets) so a slow kernel cleanup of the last run cannot collide.
  const id = `bsh${process.pid.toString(36)}${tag}`;
  const file = join(dir, `lab-${tag}.sh`);
  await writeFile(file, renderScript(planBuild(t, id), t.name));
  const t0 = performance.now();
  const up = await execa('sh', [file, 'up'], { reject: false });
  const t1 = performance.now();
  await execa('sh', [file, 'down']);
  if (up.exitCode !== 0) throw new Error(`script up failed: ${up.stderr}`);
  return { up: t1 - t0, down: performance.now() - t1 };
}

function rotate<T>(xs: T[], k: number): T[] {
  return xs.map((_, i) => xs[(i + k) % xs.length]);
}

async function article(runs: number, dir: string): Promise<void> {
  const t = await resolveTopology('article');
  type Variant = 'lab' | 'lab-bare' | 'sh' | 'agents';
  const variants: Variant[] = ['lab', 'lab-bare', 'sh', 'agents'];
  const times: Record<Variant, number[]> = { lab: [], 'lab-bare': [], sh: [], agents: [] };
  let left = 0;
  // Warm-up that does not count: page cache, and the agent threads' boot (once per process).
  const first = await timeLab('article', 'agents-after');
  await timeScript(t, dir, 'w');
  for (let i = 1; i <= runs; i++) {
    for (const v of rotate(variants, i)) {
      if (v === 'sh') {
        const s = await timeScript(t, dir, String(i));
        times.sh.push(s.up + s.down);
        continue;
      }
      const r = await timeLab('article', v === 'lab' ? 'with-agents' : v === 'lab-bare' ? 'bare' : 'agents-after');
      left += r.leftovers;
      if (v === 'agents') times.agents.push(r.agents);
      else times[v].push(r.build + r.agents + r.teardown);
    }
    process.stderr.write(`\rround ${i}/${runs}`);
  }
  process.stderr.write('\n');
  const line = (v: Variant) => {
    const s = stats(times[v]);
    return `${v.padEnd(9)} median ${s.median.toFixed(0).padStart(5)} ms   p25-p75 ${s.p25.toFixed(0)}-${s.p75.toFixed(0)} ms   min-max ${s.min.toFixed(0)}-${s.max.toFixed(0)} ms`;
  };
  const labBare = paired(times.lab, times['lab-bare']);
  const bareSh = paired(times['lab-bare'], times.sh);
  const agents = median(times.agents);
  process.stdout.write(
    [
      `article lab (5 hosts + switch): build + agents ready + teardown, ${runs} rounds (medians; ratios are per-round medians)`,
      ...variants.map(line),
      '',
      `lab / lab-bare (agents' whole cost):   ${labBare.toFixed(2)}x ${goal(labBare <= 1.5, '<= 1.5x')}`,
      `lab-bare / sh (the builder vs script):  ${bareSh.toFixed(2)}x ${goal(bareSh <= 1.3, '<= 1.3x')}`,
      `lab / sh:                               ${paired(times.lab, times.sh).toFixed(2)}x`,
      `agents ready (5 hosts):                 ${ms(agents)} ${goal(agents <= 40, '<= 40 ms')}`,
      `first agents in this process:           ${ms(first.agents)} (the agent threads' boot included; once per process)`,
      `left behind by ${runs * 3 + 1} teardowns:          ${left} namespaces or run directories`,
    ].join('\n') + '\n',
  );
}

async function scale(runs: number, dir: string): Promise<void> {
  const sizes = [2, 8, 32, 64, 128];
  const rows = new Map<number, { lab: LabTimes[]; sh: Array<{ up: number; down: number }>; hosts: number }>();
  for (const n of sizes) rows.set(n, { lab: [], sh: [], hosts: (await resolveTopology({ preset: 'article-scale', rs: n })).hosts.length });
  await timeLab({ preset: 'article-scale', rs: 2 }, 'agents-after'); // warm-up: the agent threads boot
  for (let i = 1; i <= runs; i++) {
    for (const n of rotate(sizes, i)) {
      const source = { preset: 'article-scale', rs: n };
      const row = rows.get(n)!;
      // Lab and script back to back, alternating which goes first.
      if (i % 2) row.lab.push(await timeLab(source, 'agents-after'));
      row.sh.push(await timeScript(await resolveTopology(source), dir, `${n}r${i}`));
      if (!(i % 2)) row.lab.push(await timeLab(source, 'agents-after'));
      process.stderr.write(`\rround ${i}/${runs}: ${n} real servers `);
    }
  }
  process.stderr.write('\n');
  const out = [
    `article-scale: one director, N real servers, one client; ${runs} rounds per size (medians; ratios are per-round medians)`,
    `${'rs'.padStart(4)} ${'hosts'.padStart(5)}  ${'build'.padStart(7)} ${'agents'.padStart(7)} ${'up'.padStart(7)} ${'teardown'.padStart(8)}  ${'sh up'.padStart(7)} ${'sh down'.padStart(7)}  ${'build/sh'.padStart(8)} ${'down/sh'.padStart(7)}  ${'up/host'.padStart(8)}`,
  ];
  const up = (n: number) => median(rows.get(n)!.lab.map((r) => r.build + r.agents));
  let left = 0;
  for (const n of sizes) {
    const { lab, sh, hosts } = rows.get(n)!;
    left += lab.reduce((a, r) => a + r.leftovers, 0);
    const f = (x: number) => x.toFixed(0).padStart(7);
    out.push(
      `${String(n).padStart(4)} ${String(hosts).padStart(5)}  ${f(median(lab.map((r) => r.build)))} ${f(median(lab.map((r) => r.agents)))} ${f(up(n))} ${f(median(lab.map((r) => r.teardown))).padStart(8)}  ${f(median(sh.map((s) => s.up)))} ${f(median(sh.map((s) => s.down)))}  ${`${paired(lab.map((r) => r.build), sh.map((s) => s.up)).toFixed(2)}x`.padStart(8)} ${`${paired(lab.map((r) => r.teardown), sh.map((s) => s.down)).toFixed(2)}x`.padStart(7)}  ${(up(n) / hosts).toFixed(1).padStart(6)} ms`,
    );
  }
  const agents64 = median(rows.get(64)!.lab.map((r) => r.agents));
  const growth = up(128) / up(32);
  const hostsGrowth = rows.get(128)!.hosts / rows.get(32)!.hosts;
  out.push(
    '',
    `up (build + agents), 32 -> 128 real servers: ${growth.toFixed(2)}x for ${hostsGrowth.toFixed(2)}x the hosts ${goal(growth <= hostsGrowth * 1.25, 'linear: <= 1.25 x the hosts\' growth')}`,
    `128 real servers up with agents: ${ms(up(128))} ${goal(up(128) <= 2000, '<= 2 s')}`,
    `agents ready, 64 real servers (${rows.get(64)!.hosts} hosts): ${ms(agents64)} ${goal(agents64 <= 150, '<= 150 ms')}`,
    `left behind by ${sizes.length * runs + 1} teardowns: ${left} namespaces or run directories ${goal(left === 0, 'none')}`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string' }, scale: { type: 'boolean' } } });
  const runs = Number(values.runs ?? (values.scale ? 3 : 20));
  if (!Number.isInteger(runs) || runs < 1 || runs > 200) throw new Error(`--runs must be 1-200 (got ${values.runs})`);
  if (process.getuid?.() !== 0) throw new Error('the lab bench needs root (network namespaces)');
  const dir = await mkdtemp(join(tmpdir(), 'lvslab-bench-'));
  try {
    if (values.scale) await scale(runs, dir);
    else await article(runs, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
