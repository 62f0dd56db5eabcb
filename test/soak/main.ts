// `npm run soak`: abuse lvslab the way a careless world would — SIGKILL at random (seeded) points of
// its commands and agents, then gc — and check that the machine is as it was: a census of lab
// namespaces, run directories, the soak's processes and the root namespace's links, rules, routes,
// iptables and nft ruleset, before and after. Not part of `npm test`; needs root.
//
//   npm run soak -- [--cycles N] [--seed S] [--phase NAME]... [--packets N] [--minutes N] [--runs N]
//                   [--cycle-timeout S] [--max-minutes M]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { preset } from '../../src/lab/presets.js';
import { teardownLab } from '../../src/lab/teardown.js';
import { censusSummary, diffCensus, takeCensus, type Census, type CensusDiff } from './census.js';
import { PHASES } from './phases/index.js';
import { seededRandom } from './random.js';
import { lvslab, soakLabs, type SoakContext } from './soak-lab.js';

const usage = `usage: npm run soak -- [--cycles N] [--seed S] [--phase NAME]... [--packets N] [--minutes N] [--runs N]
                      [--cycle-timeout S] [--max-minutes M]

  --cycles N         cycles of kill-cycles and daemon-kills (default 100)
  --seed S           the random seed (default: a fresh one, printed, so a run can be repeated)
  --phase NAME       run this phase (repeatable; default all): ${PHASES.map((p) => p.name).join(', ')}
  --packets N        fuzz: packets generated (default 1000000)
  --minutes N        traffic: minutes of traffic (default 10)
  --runs N           suites: runs of the suites project under the CPU hog (default 5)
  --cycle-timeout S  a cycle's commands are SIGKILLed after S seconds (default 90)
  --max-minutes M    the whole soak stops after M minutes (default 60)

phases:
${PHASES.map((p) => `  ${p.name.padEnd(14)} ${p.summary}`).join('\n')}`;

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n\n${usage}\n`);
  process.exit(2);
}

function whole(name: string, v: string | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be a whole number from 1 to ${max} (got '${v}')`);
  return n;
}

/** The scenario the run cycles use: the soak's lab, an embedded director, HTTP and UDP through the VIP. */
function scenarioText(labFile: string): string {
  return stringify({
    name: 'soak',
    lab: labFile,
    backend: 'embedded',
    directors: {
      ds1: { ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1', '-A -u 192.168.1.112:9999 -s rr', '-a -u 192.168.1.112:9999 -r 10.0.0.101:9999 -m', '-a -u 192.168.1.112:9999 -r 10.0.0.102:9999 -m'] },
    },
    steps: [
      { http: { target: '192.168.1.112', count: 4 }, expect: { allAnswered: true } },
      { udp: { target: '192.168.1.112', port: 9999, count: 4 } },
      { ipvsadm: { on: 'ds1', args: '-Lnc' } },
      { http: { target: '192.168.1.112', count: 20, concurrency: 4 }, expect: { allAnswered: true } },
    ],
  });
}

/** Lab namespaces and run directories of labs that are not the soak's: other users', left out of the verdict. */
function splitForeign(diff: CensusDiff[], ours: Set<string>): { mine: CensusDiff[]; foreign: number } {
  const idOf = (entry: string) => /^lvs-([a-z0-9]+)-/.exec(entry)?.[1] ?? /^(?:\.new\.)?([a-z0-9]+)/.exec(entry)?.[1] ?? entry;
  let foreign = 0;
  const mine: CensusDiff[] = [];
  for (const d of diff) {
    if (d.key !== 'namespaces' && d.key !== 'runDirs') {
      mine.push(d);
      continue;
    }
    const keep = (xs: string[]) => xs.filter((x) => ours.has(idOf(x)));
    foreign += d.added.length + d.removed.length - keep(d.added).length - keep(d.removed).length;
    const m = { ...d, added: keep(d.added), removed: keep(d.removed) };
    if (m.added.length || m.removed.length) mine.push(m);
  }
  return { mine, foreign };
}

function printDiff(diff: CensusDiff[]): void {
  if (diff.length === 0) return void process.stdout.write('census diff: none\n');
  process.stdout.write('census diff:\n');
  for (const d of diff) {
    for (const a of d.added) process.stdout.write(`  + ${d.key}: ${a}\n`);
    for (const r of d.removed) process.stdout.write(`  - ${d.key}: ${r}\n`);
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        cycles: { type: 'string' },
        seed: { type: 'string' },
        phase: { type: 'string', multiple: true },
        packets: { type: 'string' },
        minutes: { type: 'string' },
        runs: { type: 'string' },
        'cycle-timeout': { type: 'string' },
        'max-minutes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (process.getuid?.() !== 0) fail('needs root (it builds labs)');
  const cycles = whole('cycles', values.cycles, 100, 100_000);
  const seed = values.seed === undefined ? randomBytes(4).readUInt32BE() : whole('seed', values.seed, 0, 2 ** 32 - 1);
  const phases = (values.phase ?? PHASES.map((p) => p.name)).map((n) => PHASES.find((p) => p.name === n) ?? fail(`no phase '${n}'`));
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'lvslab-soak-'));
  const labFile = join(dir, 'soak-lab.yaml');
  const scenarioFile = join(dir, 'soak.yaml');
  await writeFile(labFile, stringify({ ...preset('article-single'), name: 'soak' }));
  await writeFile(scenarioFile, scenarioText(labFile));
  const ctx: SoakContext = {
    tag: `LVSLAB_SOAK=${process.pid}-${seed}`,
    labFile,
    scenarioFile,
    random: seededRandom(seed),
    ours: new Set(),
    deadline: started + whole('max-minutes', values['max-minutes'], 60, 24 * 60) * 60_000,
    cycleTimeoutMs: whole('cycle-timeout', values['cycle-timeout'], 90, 3600) * 1000,
    packets: whole('packets', values.packets, 1_000_000, 1_000_000_000),
    minutes: whole('minutes', values.minutes, 10, 24 * 60),
    runs: whole('runs', values.runs, 5, 100),
    log: (line) => process.stdout.write(line + '\n'),
  };
  const given = process.argv.slice(2).filter((a, i, all) => a !== '--seed' && all[i - 1] !== '--seed' && !a.startsWith('--seed='));
  process.stdout.write(`soak: seed ${seed} (repeat with: npm run soak -- --seed ${seed} ${given.join(' ')})\n`);
  let before: Census | undefined;
  let total = { cycles: 0, leftovers: 0, failures: 0 };
  try {
    before = await takeCensus(ctx.tag);
    process.stdout.write(`census before: ${censusSummary(before)}\n`);
    for (const phase of phases) {
      process.stdout.write(`phase ${phase.name}: ${phase.summary}\n`);
      const r = await phase.run(ctx, cycles);
      total = { cycles: total.cycles + r.cycles, leftovers: total.leftovers + r.leftovers, failures: total.failures + (r.failures ?? 0) };
    }
  } finally {
    // Whatever happened, leave nothing: gc, then any soak lab still there.
    await lvslab(ctx, ['gc'], 60_000);
    for (const r of await soakLabs(ctx)) await teardownLab(r.id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  await sleep(500);
  const after = await takeCensus(ctx.tag);
  process.stdout.write(`census after:  ${censusSummary(after)}\n`);
  const { mine, foreign } = splitForeign(diffCensus(before, after), ctx.ours);
  printDiff(mine);
  if (foreign > 0) process.stdout.write(`(${foreign} namespace/run directory changes of other users' labs left out)\n`);
  const leftovers = total.leftovers + mine.reduce((n, d) => n + d.added.length + d.removed.length, 0);
  const took = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`${total.cycles} cycles, ${leftovers} leftovers, ${total.failures} failures (${Math.floor(took / 60)}m${String(took % 60).padStart(2, '0')}s, seed ${seed})\n`);
  return leftovers === 0 && total.failures === 0 ? 0 : 1;
}

process.exitCode = await main();
