// `npm run bench -- failover [--runs N] [--version 2|3] [--advert S] [--scenarios kill,graceful,link-cut]`:
// client-visible outage when the article's master director fails, for the embedded VRRP and real
// keepalived side by side on the same lab (runs interleaved so machine load hits both alike).
//   kill      take the master's links down and SIGKILL its VRRP process(es) (the host dies)
//   graceful  SIGTERM: the master resigns with priority 0
//   link-cut  the master's external link goes down (track_interface; the sync group follows)
// The client probes http://VIP/ every 20 ms (each director's agent answers on :80), so the number is
// VRRP + gratuitous ARP alone. Faults land 200 ms after one of DS1's adverts (seen by tcpdump on
// DS2), so the advert phase is the same for both. Goal: embedded median within 0.1 s of keepalived's.
import { parseArgs } from 'node:util';
import { buildLab } from '../src/lab/build.js';
import type { Lab } from '../src/lab/index.js';
import { directorConf, type ConfKnobs } from '../test/vrrp/harness/confs.js';
import { DIP, DirectorVrrp, keepalivedAvailable, setLink, sleep, VIP, waitHolder, type Impl } from '../test/vrrp/harness/directors.js';
import { probeVip, serveOnDirectors, summarize } from '../test/vrrp/harness/probes.js';
import { failoverTimeline } from '../test/vrrp/harness/timeline.js';
import { AdvertWatch } from '../test/vrrp/harness/advert-watch.js';

type Scenario = 'kill' | 'graceful' | 'link-cut';
const SCENARIOS: Scenario[] = ['kill', 'graceful', 'link-cut'];
const PROBE_MS: Record<Scenario, number> = { kill: 7000, graceful: 3500, 'link-cut': 7000 };

interface RunResult {
  impl: Impl;
  scenario: Scenario;
  run: number;
  /** client-visible outage after the fault, ms (0: no probe lost) */
  outageMs: number;
  lostProbes: number;
  problem?: string;
}

async function reset(lab: Lab): Promise<void> {
  for (const d of ['ds1', 'ds2']) {
    for (const i of ['eth0', 'eth1']) await setLink(lab, d, i, true);
    for (const [a, dev] of [[VIP, 'eth0'], [DIP, 'eth1']]) await lab.host(d).exec(['ip', 'addr', 'del', `${a}/24`, 'dev', dev], { check: false });
  }
}

async function once(lab: Lab, watch: AdvertWatch, impl: Impl, scenario: Scenario, run: number, knobs: ConfKnobs, verbose: boolean): Promise<RunResult> {
  const k = { ...knobs, ...(scenario === 'link-cut' ? { trackInterface: ['eth0'] } : {}) };
  const ds1 = new DirectorVrrp(lab, 'ds1', impl, directorConf('ds1', k), `-b${run}`);
  const ds2 = new DirectorVrrp(lab, 'ds2', impl, directorConf('ds2', k), `-b${run}`);
  try {
    await Promise.all([ds1.start(), ds2.start()]);
    await waitHolder(lab, 'ds1', 20_000);
    const probing = probeVip(lab, PROBE_MS[scenario], 20);
    await sleep(1500);
    // a fixed phase: 200 ms after DS1's advert, as DS2 sees it, for every implementation
    await watch.next(3000);
    await sleep(200);
    const faultAt = Date.now();
    if (scenario === 'kill') {
      // the host dies: links first (from then on nothing it sends arrives), then the process
      await setLink(lab, 'ds1', 'eth0', false);
      await setLink(lab, 'ds1', 'eth1', false);
      await ds1.kill();
    } else if (scenario === 'graceful') {
      await ds1.stop();
    } else {
      await setLink(lab, 'ds1', 'eth0', false);
    }
    const timeline = await probing;
    const s = summarize(timeline);
    const after = s.windows.filter((w) => (w.firstRecovered ?? Infinity) > faultAt);
    const w = after[0];
    const r: RunResult = { impl, scenario, run, outageMs: w ? Math.round(w.durationMs) : 0, lostProbes: w?.lostProbes ?? 0 };
    if (!s.recovered) r.problem = 'service did not come back';
    else if (after.length > 1) r.problem = `${after.length} outage windows after the fault`;
    if (verbose || r.problem) process.stderr.write(failoverTimeline(`${impl} ${scenario} run ${run + 1}`, faultAt, timeline, [ds2]) + '\n');
    return r;
  } catch (e) {
    return { impl, scenario, run, outageMs: NaN, lostProbes: 0, problem: (e as Error).message };
  } finally {
    await ds1.kill();
    await ds2.kill();
    await reset(lab);
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string', default: '5' }, version: { type: 'string', default: '2' }, advert: { type: 'string' }, scenarios: { type: 'string' }, verbose: { type: 'boolean' } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs: '${values.runs}' is not 1..50`);
  const version = Number(values.version);
  if (version !== 2 && version !== 3) throw new Error(`--version: '${values.version}' is not 2 or 3`);
  const advert = values.advert === undefined ? (version === 3 ? 0.1 : 1) : Number(values.advert);
  if (!(advert > 0)) throw new Error(`--advert: '${values.advert}' is not a positive number of seconds`);
  const scenarios = (values.scenarios?.split(',') ?? SCENARIOS) as Scenario[];
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`--scenarios: unknown '${s}' (${SCENARIOS.join(', ')})`);
  if (process.getuid?.() !== 0) throw new Error('the failover bench builds a lab: run it as root');
  const impls: Impl[] = keepalivedAvailable() ? ['embedded', 'keepalived'] : ['embedded'];
  if (impls.length === 1) process.stderr.write('keepalived not installed: embedded only, no comparison\n');
  const knobs: ConfKnobs = { version: version as 2 | 3, advertInt: advert };

  const lab = await buildLab('article');
  const results: RunResult[] = [];
  const watch = new AdvertWatch(lab, 'ds2', 'eth0', '192.168.1.110');
  try {
    await serveOnDirectors(lab);
    await watch.start();
    for (const scenario of scenarios) {
      for (let i = 0; i < runs; i++) {
        // alternate which implementation goes first, so drift in machine load is shared
        const order = i % 2 ? [...impls].reverse() : impls;
        for (const impl of order) {
          const r = await once(lab, watch, impl, scenario, i, knobs, values.verbose ?? false);
          results.push(r);
          process.stderr.write(`${scenario.padEnd(9)} run ${i + 1}/${runs} ${impl.padEnd(10)} outage ${String(r.outageMs).padStart(5)} ms${r.problem ? `  (${r.problem})` : ''}\n`);
        }
      }
    }
  } finally {
    await watch.stop();
    await lab.teardown();
  }

  console.log(`\nfailover outage, VRRPv${version} advert ${advert} s, priorities 150/100, ${runs} runs each (median [min-max] ms)`);
  console.log(`${'scenario'.padEnd(10)}${impls.map((i) => i.padEnd(26)).join('')}goal (embedded within 100 ms of keepalived)`);
  let failed = false;
  const summary: Record<string, Record<string, { median: number; runs: number[] }>> = {};
  for (const scenario of scenarios) {
    const cells: string[] = [];
    const med: Record<string, number> = {};
    for (const impl of impls) {
      const xs = results.filter((r) => r.impl === impl && r.scenario === scenario).map((r) => r.outageMs);
      med[impl] = median(xs);
      (summary[scenario] ??= {})[impl] = { median: med[impl], runs: xs };
      const fin = xs.filter(Number.isFinite);
      cells.push(`${Math.round(med[impl])} [${Math.min(...fin)}-${Math.max(...fin)}]`.padEnd(26));
    }
    let goal = 'n/a';
    if (impls.length === 2) {
      const diff = med.embedded - med.keepalived;
      const ok = Math.abs(diff) <= 100;
      failed ||= !ok;
      goal = `${ok ? 'PASS' : 'FAIL'} (${diff >= 0 ? '+' : ''}${Math.round(diff)} ms)`;
    }
    console.log(`${scenario.padEnd(10)}${cells.join('')}${goal}`);
  }
  console.log(JSON.stringify({ bench: 'failover', version, advert, runs, summary, problems: results.filter((r) => r.problem) }));
  if (failed) process.exitCode = 1;
}
