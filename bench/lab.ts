// `npm run bench -- lab [--runs N]`: build + agents ready + teardown of the article lab, N times
// (default 20), side by side in the same run with a plain shell script issuing the same `ip -batch`
// commands (`lvslab script article`). Runs are interleaved so machine load hits every variant alike.
// Goal (issue 2): lvslab at most 1.3x the script's time.
//
// Four variants:
//   lab        buildLab('article') with agents ready, then teardown          (what suites pay)
//   lab-bare   buildLab('article', { agents: false }), then teardown         (the builder alone)
//   sh         sh script up; sh script down                                  (the reference)
//   sh+agents  sh script up; the same agents started by hand and awaited; sh script down
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildLab } from '../src/lab/build.js';
import { agentEntry } from '../src/lab/agent/client.js';
import { loadTopology } from '../src/lab/load.js';
import { namespaceName, planBuild, renderScript } from '../src/lab/plan.js';
import type { Topology } from '../src/lab/topology.js';

type Variant = 'lab' | 'lab-bare' | 'sh' | 'sh+agents';
const VARIANTS: Variant[] = ['lab', 'lab-bare', 'sh', 'sh+agents'];

async function timeLab(agents: boolean): Promise<number> {
  const t0 = performance.now();
  const lab = await buildLab('article', { agents });
  await lab.teardown();
  return performance.now() - t0;
}

/** The shell reference, optionally with the agents started the way the lab starts them. */
async function timeScript(t: Topology, dir: string, n: number, agents: boolean): Promise<number> {
  // A fresh id per run (as the lab gets) so a slow kernel cleanup of the last run cannot collide.
  const id = `bsh${process.pid.toString(36)}${n}`;
  const file = join(dir, `lab-${n}.sh`);
  await writeFile(file, renderScript(planBuild(t, id), 'article'));
  const t0 = performance.now();
  await execa('sh', [file, 'up']);
  try {
    if (agents) {
      const procs = t.hosts.map((h) => {
        const cfg = { host: h.name, identity: h.identity, dataDir: join(dir, id, h.name), serve: h.role === 'real' ? t.services : [] };
        return execa('ip', ['netns', 'exec', namespaceName(id, h.name), process.execPath, agentEntry(), JSON.stringify(cfg), '--standalone'], { reject: false });
      });
      // Ready = serving, as the standalone agent says on stdout.
      await Promise.all(procs.map((p) => new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        void p.then((r) => reject(new Error(`agent exited: ${r.stderr}`)));
      })));
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs);
    }
  } finally {
    await execa('sh', [file, 'down']);
  }
  return performance.now() - t0;
}

function stats(xs: number[]): { median: number; min: number; max: number; p25: number; p75: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { median: q(0.5), min: s[0], max: s[s.length - 1], p25: q(0.25), p75: q(0.75) };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string' } } });
  const runs = Number(values.runs ?? 20);
  if (!Number.isInteger(runs) || runs < 1 || runs > 200) throw new Error(`--runs must be 1-200 (got ${values.runs})`);
  if (process.getuid?.() !== 0) throw new Error('the lab bench needs root (network namespaces)');
  const topology = await loadTopology('article');
  const dir = await mkdtemp(join(tmpdir(), 'lvslab-bench-'));
  const times: Record<Variant, number[]> = { lab: [], 'lab-bare': [], sh: [], 'sh+agents': [] };
  try {
    // One warm-up of each (page cache, first node start) that does not count.
    await timeLab(true);
    await timeScript(topology, dir, 0, true);
    for (let i = 1; i <= runs; i++) {
      // Rotate the order so no variant always runs right after another's teardown.
      const order = VARIANTS.map((_, k) => VARIANTS[(k + i) % VARIANTS.length]);
      for (const v of order) {
        if (v === 'lab') times.lab.push(await timeLab(true));
        else if (v === 'lab-bare') times['lab-bare'].push(await timeLab(false));
        else times[v].push(await timeScript(topology, dir, i, v === 'sh+agents'));
      }
      process.stderr.write(`\rrun ${i}/${runs}`);
    }
    process.stderr.write('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const line = (v: Variant) => {
    const s = stats(times[v]);
    return `${v.padEnd(10)} median ${s.median.toFixed(0).padStart(5)} ms   p25-p75 ${s.p25.toFixed(0)}-${s.p75.toFixed(0)} ms   min-max ${s.min.toFixed(0)}-${s.max.toFixed(0)} ms`;
  };
  const m = (v: Variant) => stats(times[v]).median;
  const verdict = (r: number) => `${r.toFixed(2)}x ${r <= 1.3 ? '(goal <= 1.3x: met)' : '(goal <= 1.3x: NOT met)'}`;
  // On a shared machine load drifts over a run; the ratio within each round (the variants ran
  // back to back) is steadier than the ratio of medians, so both are shown.
  const paired = (a: Variant, b: Variant) => stats(times[a].map((x, i) => x / times[b][i])).median;
  const ratios = (a: Variant, b: Variant) =>
    `${verdict(m(a) / m(b))}; per-round median ${paired(a, b).toFixed(2)}x; best-of ${(stats(times[a]).min / stats(times[b]).min).toFixed(2)}x`;
  process.stdout.write(
    [
      `article lab: build + agents ready + teardown, ${runs} runs each (5 hosts + switch, 6 namespaces)`,
      ...VARIANTS.map(line),
      '',
      `ratio lab / sh+agents (same work: ip batches + 5 agents ready): ${ratios('lab', 'sh+agents')}`,
      `ratio lab-bare / sh  (the builder alone vs the script alone):   ${ratios('lab-bare', 'sh')}`,
      `ratio lab / sh       (agents included on lvslab's side only):   ${(m('lab') / m('sh')).toFixed(2)}x`,
    ].join('\n') + '\n',
  );
}
