// `npm run bench -- dataplane [--seconds N] [--conns N] [--rounds N] [--rates R,R,...] [--udp-rate R]
// [--only per-packet,offload,floor]`: the embedded director's data plane against the kernel, on one lab
// (article-single), in one run: HTTP keep-alive requests/s, new connections/s, UDP datagrams/s
// without loss, the loss at a high UDP rate, request latency p50/p99, and CPU per request.
//
// Paths: the kernel's nftables DNAT (the reference, on its own ports, installed for the whole run),
// the embedded director per packet (over koffi, the default transport, and over the `netlink`
// addon), the embedded director with offload, and two floors: the kernel forwarding while every
// packet, or a connection's first, crosses to a consumer that answers NF_ACCEPT untouched
// (nfqueue-null.ts, no core at all) — what the queue alone costs here, the ceiling of any core,
// printed beside the goals it bounds. The machine is shared, so load moves under us:
// one load process in the client namespace measures the kernel path and the embedded one in
// alternating windows (`pairs` in dataplane-load.ts), and a figure's ratio is the median of its
// pairs' ratios. The real servers run lean HTTP/UDP sinks (no request log) so the data plane, not
// the server, is what differs.
//
// CPU per request sums what the load generator, both real servers and the director daemon used in
// a window (every thread; the kernel's forwarding work lands in whichever of them was running).
// Where the lab's processes fill the CPU they get, throughput follows it, so the CPU cost ratio is
// what the throughput ratio tends to, and a busy machine disturbs it less than throughput itself.
//
// Goals: per packet (default transport) >= 0.8x the kernel's keep-alive req/s and new conn/s, and
// UDP at 90k datagrams/s with <= 0.1% loss; offload >= 0.9x on both keep-alive and new conn/s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLab, type Lab } from '../src/lab/index.js';
import { openEmbeddedBackend, type EmbeddedSession } from '../src/lb/director/backend.js';
import type { NfQueueStats } from '../src/lb/director/nfqueue.js';
import type { SpawnedProcess } from '../src/lab/host.js';
import type { LoadJob, PairsJob, PairWindow } from './dataplane-load.js';
import { nodeWithTsx } from '../test/tsx.js';

const VIP = '192.168.1.112';
const RIPS = ['10.0.0.101', '10.0.0.102'];
/**
 * VIP ports and the real servers' ports behind them, separate for each side: the per-packet rules
 * take real-server replies by source port out of conntrack, which the kernel path's DNAT needs.
 */
const PORTS = { embedded: { http: 8080, udp: 9000, rsHttp: 8080, rsUdp: 9000 }, kernel: { http: 8081, udp: 9001, rsHttp: 8082, rsUdp: 9002 } } as const;

type Side = keyof typeof PORTS;

/** The loss a UDP step may show and still count as "without loss". */
const LOSS_OK = 0.001;

const GOALS = {
  perPacket: { keepalive: 0.8, newconn: 0.8, udpRate: 90_000 },
  offload: { keepalive: 0.9, newconn: 0.9 },
} as const;

/** One pair of windows: the kernel path and the embedded one, back to back. */
interface Pair {
  kernel: PairWindow;
  embedded: PairWindow;
}

interface PathResult {
  path: string;
  /** goals apply: the default per-packet transport, or offload */
  goals: 'per-packet' | 'offload' | null;
  /** a floor (the null consumer, no core): the path whose goal it bounds */
  floor?: 'per-packet' | 'first-packet';
  keepalive: Pair[];
  newconn: Pair[];
  /** UDP at the high rate (the goal's 90k/s) */
  udpHigh: Pair[];
  latency: { kernel: { p50us: number; p99us: number }; embedded: { p50us: number; p99us: number } };
  /** highest stepped rate without loss */
  udp: { kernel: number; embedded: number; detail: string[] };
  note: string;
}

const loadTs = fileURLToPath(new URL('./dataplane-load.ts', import.meta.url));

const rate = (w: PairWindow): number => w.ops / w.seconds;
const loss = (w: PairWindow): number => (w.ops > 0 ? Math.max(0, (w.ops - (w.delivered ?? 0)) / w.ops) : 1);
/** CPU µs per operation (request, connection, datagram): load generator + real servers + director. */
const cpuPerOp = (w: PairWindow): number => (w.cpuMs * 1000) / Math.max(1, w.ops);

class Bench {
  /** pids whose CPU counts towards a window: the real servers, the director daemon */
  readonly pids: number[] = [];
  constructor(readonly lab: Lab) {}

  async job<T>(j: LoadJob, timeoutMs: number): Promise<T> {
    const r = await this.lab.host('client').exec(nodeWithTsx(loadTs, JSON.stringify(j)), { timeoutMs, check: false });
    if (r.exitCode !== 0) throw new Error(`load job ${j.kind} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
  }

  /** `n` pairs of windows of `test`, kernel path (port 0) against embedded (port 1). */
  async pairs(test: PairsJob['test'], n: number, windowMs: number, o: { conns?: number; rate?: number } = {}): Promise<Pair[]> {
    process.stderr.write(`  ${n} pair(s) of ${test}${o.rate ? ` at ${o.rate}/s` : ''} windows\n`);
    const port = test === 'udp' ? 'udp' : 'http';
    const j: PairsJob = {
      kind: 'pairs', test, target: VIP, ports: [PORTS.kernel[port], PORTS.embedded[port]], pairs: n, windowMs,
      conns: o.conns ?? 0, rate: o.rate ?? 0, size: 64, pids: this.pids,
      countFiles: ['rs1', 'rs2'].map((rs) => path.join(this.lab.runDir, `bench-${rs}.count`)),
    };
    const perWindow = test === 'udp' ? windowMs + 1500 : windowMs + 4000;
    const { windows } = await this.job<{ windows: PairWindow[] }>(j, n * 2 * perWindow + 15_000);
    const out: Pair[] = [];
    for (let i = 0; i < n; i++) {
      const two = windows.slice(2 * i, 2 * i + 2);
      out.push({ kernel: two.find((w) => w.side === 0)!, embedded: two.find((w) => w.side === 1)! });
    }
    return out;
  }

  async latency(side: Side, maxMs: number): Promise<{ p50us: number; p99us: number }> {
    const r = await this.job<{ p50us: number; p99us: number }>({ kind: 'latency', target: VIP, port: PORTS[side].http, count: 2000, maxMs }, maxMs + 10_000);
    return { p50us: Math.round(r.p50us), p99us: Math.round(r.p99us) };
  }
}

const NFT_REFERENCE = `table ip lvslab_bench {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr ${VIP} tcp dport ${PORTS.kernel.http} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} } : ${PORTS.kernel.rsHttp}
    ip daddr ${VIP} udp dport ${PORTS.kernel.udp} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} } : ${PORTS.kernel.rsUdp}
  }
  chain post { type nat hook postrouting priority srcnat; policy accept; }
}
`;

/** The queue the floors' null consumer (nfqueue-null.ts) binds: apart from the director's 0. */
const FLOOR_QUEUE = 4242;

/**
 * The floors: the embedded side's ports, forwarded by the kernel, with packets crossing to a
 * consumer that answers NF_ACCEPT untouched (nfqueue-null.ts), queued by iptables' NFQUEUE in the
 * same hooks as the director's own rules (netfilter.ts). `per-packet`: notrack in raw, every packet
 * queued (mangle PREROUTING; replies in POSTROUTING), the NAT done statelessly by nft (the
 * destination by a hash of the client's address and port, the reply's source back to the VIP) —
 * the per-packet path with a core that costs nothing. `first-packet`: as offload, conntrack on and
 * the kernel's DNAT, only a connection's first packet (ctstate NEW) queued.
 */
export function floorRules(kind: 'per-packet' | 'first-packet'): { iptables: string; nft: string } {
  const { http, udp } = PORTS.embedded;
  const q = `-j NFQUEUE --queue-num ${FLOOR_QUEUE} --queue-bypass`;
  const pre = [`-d ${VIP}/32 -p tcp --dport ${http}`, `-d ${VIP}/32 -p udp --dport ${udp}`];
  const post = RIPS.flatMap((r) => [`-s ${r}/32 -p tcp --sport ${http}`, `-s ${r}/32 -p udp --sport ${udp}`]);
  const chains = (table: string, rules: Array<[string, string[]]>) => [
    `*${table}`,
    ...rules.map(([builtin]) => `:FLOOR_${builtin} - [0:0]`),
    ...rules.flatMap(([builtin, rs]) => [...rs.map((r) => `-A FLOOR_${builtin} ${r}`), `-I ${builtin} 1 -j FLOOR_${builtin}`]),
    'COMMIT',
  ];
  if (kind === 'first-packet') {
    return {
      iptables: chains('mangle', [['PREROUTING', pre.map((m) => `${m} -m conntrack --ctstate NEW ${q}`)]]).join('\n') + '\n',
      nft: `table ip lvslab_floor {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr ${VIP} tcp dport ${http} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} }
    ip daddr ${VIP} udp dport ${udp} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} }
  }
  chain post { type nat hook postrouting priority srcnat; policy accept; }
}
`,
    };
  }
  const pick = (l4: string) => `jhash ip saddr . ${l4} sport mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} }`;
  return {
    iptables: [
      ...chains('raw', [['PREROUTING', [...pre, ...post].map((m) => `${m} -j CT --notrack`)]]),
      ...chains('mangle', [['PREROUTING', pre.map((m) => `${m} ${q}`)], ['POSTROUTING', post.map((m) => `${m} ${q}`)]]),
    ].join('\n') + '\n',
    nft: `table ip lvslab_floor {
  chain to_rs {
    type filter hook prerouting priority -90; policy accept;
    ip daddr ${VIP} tcp dport ${http} ip daddr set ${pick('tcp')}
    ip daddr ${VIP} udp dport ${udp} ip daddr set ${pick('udp')}
  }
  chain from_rs {
    type filter hook postrouting priority 0; policy accept;
    ip saddr { ${RIPS.join(', ')} } tcp sport ${http} ip saddr set ${VIP}
    ip saddr { ${RIPS.join(', ')} } udp sport ${udp} ip saddr set ${VIP}
  }
}
`,
  };
}

/** iptables commands that take the floor's chains out again (those that are not there fail, unchecked). */
const FLOOR_REMOVE = [['raw', 'PREROUTING'], ['mangle', 'PREROUTING'], ['mangle', 'POSTROUTING']].flatMap(([t, b]) => [
  ['iptables', '-t', t, '-D', b, '-j', `FLOOR_${b}`],
  ['iptables', '-t', t, '-F', `FLOOR_${b}`],
  ['iptables', '-t', t, '-X', `FLOOR_${b}`],
]);

const IPVSADM = [
  `-A -t ${VIP}:${PORTS.embedded.http} -s rr`,
  ...RIPS.map((r) => `-a -t ${VIP}:${PORTS.embedded.http} -r ${r}:${PORTS.embedded.rsHttp} -m`),
  `-A -u ${VIP}:${PORTS.embedded.udp} -s rr`,
  ...RIPS.map((r) => `-a -u ${VIP}:${PORTS.embedded.udp} -r ${r}:${PORTS.embedded.rsUdp} -m`),
];

const nullTs = fileURLToPath(new URL('./nfqueue-null.ts', import.meta.url));

const queueNote = (q: NfQueueStats): string => `${(q.verdicts / Math.max(1, q.sends)).toFixed(1)} verdicts per send${q.wakeups ? `, ${(q.received / q.wakeups).toFixed(1)} packets per wake-up` : ''}`;

/** The null consumer on ds1, bound, and the floor's rules in place. */
async function startFloor(lab: Lab, kind: 'per-packet' | 'first-packet'): Promise<SpawnedProcess> {
  const ds = lab.host('ds1');
  const p = await ds.spawn(nodeWithTsx(nullTs, String(FLOOR_QUEUE), '1800'), { logName: 'bench-nfqueue-null' });
  for (let waited = 0; !fs.readFileSync(p.logFile, 'utf8').includes('ready'); waited += 50) {
    if (waited > 20_000) throw new Error(`the null NFQUEUE consumer did not bind queue ${FLOOR_QUEUE} in 20 s: ${fs.readFileSync(p.logFile, 'utf8').trim()}`);
    await sleep(50);
  }
  const rules = floorRules(kind);
  await ds.exec(['nft', '-f', '-'], { input: rules.nft });
  await ds.exec(['iptables-restore', '--noflush'], { input: rules.iptables });
  return p;
}

/** Stop the null consumer (it prints its counters), remove the floor's rules; the counters as a note. */
async function stopFloor(lab: Lab, p: SpawnedProcess): Promise<string> {
  const ds = lab.host('ds1');
  for (const argv of FLOOR_REMOVE) await ds.exec(argv, { check: false });
  await ds.exec(['nft', 'delete', 'table', 'ip', 'lvslab_floor'], { check: false });
  p.kill('SIGTERM');
  await p.exited;
  const last = fs.readFileSync(p.logFile, 'utf8').trim().split('\n').pop() ?? '';
  try {
    const q = JSON.parse(last) as NfQueueStats;
    return `null consumer: ${q.received} packets, ${queueNote(q)}, socket overruns ${q.enobufs}`;
  } catch {
    return `null consumer: no counters (${last})`;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const load1 = (): string => os.loadavg()[0].toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '2' },
      conns: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '5' },
      rates: { type: 'string', default: '10000,25000,50000' },
      'udp-rate': { type: 'string', default: String(GOALS.perPacket.udpRate) },
      only: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const conns = Number(values.conns);
  const rounds = Number(values.rounds);
  const rates = String(values.rates).split(',').map(Number);
  const udpRate = Number(values['udp-rate']);
  if (!(seconds > 0 && seconds <= 30)) throw new Error(`--seconds: '${values.seconds}' is not between 0 and 30`);
  if (!(conns >= 1 && conns <= 256)) throw new Error(`--conns: '${values.conns}' is not between 1 and 256`);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 10)) throw new Error(`--rounds: '${values.rounds}' is not between 1 and 10`);
  if (rates.some((r) => !(r > 0 && r <= 500_000))) throw new Error(`--rates: '${values.rates}' must be rates between 1 and 500000 per second`);
  if (!(udpRate > 0 && udpRate <= 500_000)) throw new Error(`--udp-rate: '${values['udp-rate']}' is not between 1 and 500000`);
  if (process.getuid?.() !== 0) throw new Error('the dataplane benchmark builds a lab: run it as root');

  const configs: Array<{ name: string; mode: 'per-packet' | 'offload'; transport: 'koffi' | 'netlink'; goals: PathResult['goals']; floor?: 'per-packet' | 'first-packet' }> = [
    { name: 'per-packet (koffi)', mode: 'per-packet', transport: 'koffi', goals: 'per-packet' },
    { name: 'per-packet (netlink)', mode: 'per-packet', transport: 'netlink', goals: null },
    { name: 'offload', mode: 'offload', transport: 'koffi', goals: 'offload' },
    { name: 'floor: per packet', mode: 'per-packet', transport: 'koffi', goals: null, floor: 'per-packet' },
    { name: 'floor: first packet', mode: 'offload', transport: 'koffi', goals: null, floor: 'first-packet' },
  ];
  const only = values.only?.split(',');
  if (only?.some((o) => !configs.some((c) => c.name.startsWith(o)))) throw new Error(`--only: '${values.only}' names no path (per-packet, per-packet (netlink), offload, floor)`);
  const chosen = configs.filter((c) => !only || only.some((o) => c.name.startsWith(o)));

  const loadBefore = load1();
  process.stderr.write(`dataplane bench: building the article-single lab (load average ${loadBefore})\n`);
  const lab = await buildLab('article-single', { agents: false });
  const bench = new Bench(lab);
  const sessions: EmbeddedSession[] = [];
  const results: PathResult[] = [];
  try {
    for (const [i, rs] of ['rs1', 'rs2'].entries()) {
      const serve: LoadJob = { kind: 'serve', identity: `RS${i + 1}`, httpPorts: [PORTS.embedded.rsHttp, PORTS.kernel.rsHttp], udpPorts: [PORTS.embedded.rsUdp, PORTS.kernel.rsUdp], countFile: path.join(lab.runDir, `bench-${rs}.count`), maxSeconds: 1800 };
      const p = await lab.host(rs).spawn(nodeWithTsx(loadTs, JSON.stringify(serve)), { logName: `bench-${rs}` });
      bench.pids.push(p.pid);
    }
    await sleep(500);
    const ds = lab.host('ds1');
    await ds.exec(['nft', '-f', '-'], { input: NFT_REFERENCE });

    for (const c of chosen) {
      process.stderr.write(`dataplane bench: ${c.name} against the kernel path, ${rounds} pair(s) of windows per figure\n`);
      let daemonPid: number;
      let floor: SpawnedProcess | null = null;
      let session: EmbeddedSession | null = null;
      if (c.floor) {
        floor = await startFloor(lab, c.floor);
        daemonPid = floor.pid;
      } else {
        session = openEmbeddedBackend(lab, { daemon: { transport: c.transport } });
        sessions.push(session);
        await session.startDirector('ds1', { ipvsadm: IPVSADM, dataplane: c.mode });
        daemonPid = session.pidOf('ds1')!;
      }
      bench.pids.push(daemonPid);
      try {
        const ms = seconds * 1000;
        // warm-up, both paths: JIT in the servers and the daemon, ARP, the first connections
        await bench.pairs('keepalive', 1, 1000, { conns });
        await bench.pairs('newconn', 1, 1000, { conns: 16 });
        const latency = { kernel: await bench.latency('kernel', Math.min(ms, 1500)), embedded: await bench.latency('embedded', Math.min(ms, 1500)) };
        const r: PathResult = {
          path: c.name,
          goals: c.goals,
          floor: c.floor,
          latency,
          keepalive: await bench.pairs('keepalive', rounds, ms, { conns }),
          newconn: await bench.pairs('newconn', rounds, ms, { conns: 16 }),
          udpHigh: await bench.pairs('udp', rounds, ms, { rate: udpRate }),
          udp: { kernel: 0, embedded: 0, detail: [] },
          note: '',
        };
        // the highest rate without loss: step the offered rate, one pair per step, until a path
        // loses; the high-rate pairs above count as the last step
        const up = { kernel: true, embedded: true };
        for (const step of rates) {
          if (!up.kernel && !up.embedded) break;
          const [pair] = await bench.pairs('udp', 1, ms, { rate: step });
          for (const side of ['kernel', 'embedded'] as const) {
            if (!up[side]) continue;
            const w = pair[side];
            r.udp.detail.push(`${side} ${Math.round(rate(w))}/s loss ${pct(loss(w))}`);
            if (loss(w) <= LOSS_OK) r.udp[side] = Math.max(r.udp[side], Math.round(rate(w)));
            else up[side] = false;
          }
        }
        for (const side of ['kernel', 'embedded'] as const) {
          if (up[side] && median(r.udpHigh.map((x) => loss(x[side]))) <= LOSS_OK) r.udp[side] = Math.max(r.udp[side], Math.round(median(r.udpHigh.map((x) => rate(x[side])))));
        }
        if (session) {
          const st = await session.status('ds1');
          const q = st.nfqueue;
          r.note = `director: ${st.dataplane.packets} packets, ${queueNote(q)}, queue-full drops ${st.kernelQueue?.queueDropped ?? '?'}, delivery drops ${st.kernelQueue?.userDropped ?? '?'}`;
        }
        if (floor) {
          r.note = await stopFloor(lab, floor);
          floor = null;
        }
        results.push(r);
      } catch (err) {
        const log = path.join(lab.runDir, 'logs', 'director-ds1.log');
        const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no log)';
        throw new Error(`${c.name}: ${(err as Error).message}\ndirector log:\n${tail}`);
      } finally {
        if (session) await session.stopDirector('ds1');
        if (floor) await stopFloor(lab, floor);
        bench.pids.splice(bench.pids.indexOf(daemonPid), 1);
        await ds.exec(['conntrack', '-F'], { check: false });
      }
    }
  } finally {
    for (const s of sessions) await s.close();
    await lab.teardown();
  }
  print(results, { seconds, conns, rounds, udpRate, load: `${loadBefore} at the start, ${load1()} at the end`, cpus: os.cpus().length });
}

function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function print(results: PathResult[], o: { seconds: number; conns: number; rounds: number; udpRate: number; load: string; cpus: number }): void {
  const out: string[] = [];
  out.push(`dataplane: ${o.rounds} pair(s) of ${o.seconds} s windows per figure; keep-alive over ${o.conns} connections, new connections 16 in flight, UDP 64-byte datagrams over 8 flows`);
  out.push(`load average ${o.load} on ${o.cpus} CPUs. Each embedded window is paired with a kernel nft DNAT window next to it (alternating order); ratios are medians of the pairs`);
  out.push('');
  const k = `loss @${o.udpRate / 1000}k`;
  out.push(`${'path'.padEnd(22)}${'keep-alive req/s'.padStart(18)}${'new conn/s'.padStart(12)}${'UDP pps no loss'.padStart(17)}${k.padStart(12)}${'p50 us'.padStart(9)}${'p99 us'.padStart(9)}${'CPU us/req'.padStart(12)}${'CPU us/conn'.padStart(13)}`);
  const row = (name: string, r: PathResult, side: Side) =>
    `${name.padEnd(22)}${String(Math.round(median(r.keepalive.map((x) => rate(x[side]))))).padStart(18)}${String(Math.round(median(r.newconn.map((x) => rate(x[side]))))).padStart(12)}${String(r.udp[side]).padStart(17)}${pct(median(r.udpHigh.map((x) => loss(x[side])))).padStart(12)}${String(r.latency[side].p50us).padStart(9)}${String(r.latency[side].p99us).padStart(9)}${median(r.keepalive.map((x) => cpuPerOp(x[side]))).toFixed(1).padStart(12)}${median(r.newconn.map((x) => cpuPerOp(x[side]))).toFixed(0).padStart(13)}`;
  for (const r of results) {
    out.push(row('  kernel (paired)', r, 'kernel'));
    out.push(row(r.path, r, 'embedded'));
  }
  out.push('');
  out.push('ratios to the kernel path (median of pairs): keep-alive req/s, new conn/s, UDP pps without loss; added p50 latency;');
  out.push('CPU cost ratio (kernel CPU per request / embedded), keep-alive and new conn: the lab\'s processes share the CPU, so this is what throughput tends to where they fill it');
  const goals: string[] = [];
  const ratio = (pairs: Pair[], f: (w: PairWindow) => number, inverse = false) => median(pairs.map((x) => (inverse ? f(x.kernel) / f(x.embedded) : f(x.embedded) / Math.max(1e-9, f(x.kernel)))));
  // what the queue alone allows here, where a floor ran: the ceiling of any core on this machine
  const floorOf = (kind: 'per-packet' | 'first-packet', f: (r: PathResult) => number): string => {
    const fl = results.find((x) => x.floor === kind);
    return fl ? `; the queue's floor here ${fmtRatio(f(fl))}` : '';
  };
  for (const r of results) {
    const ka = ratio(r.keepalive, rate);
    const nc = ratio(r.newconn, rate);
    const udp = r.udp.kernel > 0 ? r.udp.embedded / r.udp.kernel : NaN;
    const added = r.latency.embedded.p50us - r.latency.kernel.p50us;
    out.push(`  ${r.path.padEnd(22)} ${fmtRatio(ka).padStart(6)} ${fmtRatio(nc).padStart(6)} ${fmtRatio(udp).padStart(6)}  ${`${added >= 0 ? '+' : ''}${added} us`.padStart(9)}   CPU cost ${fmtRatio(ratio(r.keepalive, cpuPerOp, true)).padStart(6)} ${fmtRatio(ratio(r.newconn, cpuPerOp, true)).padStart(6)}`);
    const verdict = (what: string, ok: boolean) => goals.push(`  ${r.path.padEnd(22)} ${what}: ${ok ? 'met' : 'NOT met'}`);
    const g = r.goals === 'per-packet' ? GOALS.perPacket : r.goals === 'offload' ? GOALS.offload : null;
    if (!g) continue;
    const floorKind = r.goals === 'per-packet' ? 'per-packet' : 'first-packet';
    verdict(`keep-alive req/s >= ${g.keepalive}x the kernel (${fmtRatio(ka)}${floorOf(floorKind, (x) => ratio(x.keepalive, rate))})`, ka >= g.keepalive);
    verdict(`new conn/s >= ${g.newconn}x the kernel (${fmtRatio(nc)}${floorOf(floorKind, (x) => ratio(x.newconn, rate))})`, nc >= g.newconn);
    if (r.goals === 'per-packet') {
      const sent = median(r.udpHigh.map((x) => rate(x.embedded)));
      const l = median(r.udpHigh.map((x) => loss(x.embedded)));
      // the generator has to reach the rate for the loss to say anything
      const reached = sent >= o.udpRate * 0.95;
      verdict(`UDP at ${o.udpRate / 1000}k datagrams/s with <= ${pct(LOSS_OK)} loss (sent ${Math.round(sent)}/s, loss ${pct(l)}${reached ? '' : ': the generator fell short of the rate'})`, reached && l <= LOSS_OK);
    }
  }
  out.push('');
  if (results.some((r) => r.floor)) {
    out.push('floors: every packet (per packet) or only a connection\'s first (first packet) crosses to a consumer that answers NF_ACCEPT untouched,');
    out.push('no core at all, the kernel forwarding (nfqueue-null.ts): what crossing to user space and back costs on this machine, the ceiling of any core');
  }
  out.push('');
  out.push('goals (per packet: the default transport, every segment through the core; offload: first packets only):');
  out.push(...goals);
  out.push('');
  for (const r of results) {
    const errors = [...r.keepalive, ...r.newconn].reduce((a, x) => a + x.kernel.errors + x.embedded.errors, 0);
    const high = r.udpHigh.map((x) => `kernel ${Math.round(rate(x.kernel))}/s loss ${pct(loss(x.kernel))}, embedded ${Math.round(rate(x.embedded))}/s loss ${pct(loss(x.embedded))}`).join('; ');
    const pairs = (ps: Pair[]) => ps.map((x) => `${Math.round(rate(x.kernel))}/${Math.round(rate(x.embedded))}`).join(' ');
    out.push(`${r.path}: kernel/embedded pairs: keep-alive ${pairs(r.keepalive)}; new conn ${pairs(r.newconn)}`);
    out.push(`${r.path}: ${errors} load errors; UDP steps: ${r.udp.detail.join(', ')}; at ${o.udpRate / 1000}k: ${high}; ${r.note}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}
