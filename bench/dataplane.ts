// `npm run bench -- dataplane [--seconds N] [--conns N] [--rounds N] [--rates R,R,...]`: the embedded
// director's data plane against the kernel, on one lab (article-single), in one run: HTTP keep-alive
// requests/s, new connections/s, UDP packets/s without loss, and request latency p50/p99 (added
// latency = minus the kernel path's).
//
// Paths: the kernel's nftables DNAT (the reference, on its own ports, installed for the whole run),
// the embedded director per packet (over the `netlink` addon, and over koffi), and the embedded
// director with offload. The machine is shared, so load moves under us: every embedded measurement
// is paired with a kernel measurement taken right before it, rounds alternate, and a path's ratio
// is the median of its per-round ratios. Load runs inside the lab's client namespace; the real
// servers run lean HTTP/UDP sinks (no request log) so the data plane, not the server, is what
// differs. Goals (issue 6): per-packet >= 0.6x and offload >= 0.9x the kernel's keep-alive req/s.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLab, type Lab } from '../src/lab/index.js';
import { openEmbeddedBackend, type EmbeddedSession } from '../src/lb/director/backend.js';
import type { LoadJob } from './dataplane-load.js';
import { nodeWithTsx } from '../test/tsx.js';

const VIP = '192.168.1.112';
const RIPS = ['10.0.0.101', '10.0.0.102'];
/**
 * VIP ports and the real servers' ports behind them, separate for each side: the per-packet rules
 * take real-server replies by source port out of conntrack, which the kernel path's DNAT needs.
 */
const PORTS = { embedded: { http: 8080, udp: 9000, rsHttp: 8080, rsUdp: 9000 }, kernel: { http: 8081, udp: 9001, rsHttp: 8082, rsUdp: 9002 } } as const;

type Side = keyof typeof PORTS;

interface Sample {
  keepaliveRps: number;
  newConnPerSec: number;
  p50us: number;
  p99us: number;
  errors: number;
}

interface PathResult {
  path: string;
  rounds: Array<{ kernel: Sample; embedded: Sample }>;
  udp: { kernel: number; embedded: number; detail: string[] };
  note: string;
}

const loadTs = fileURLToPath(new URL('./dataplane-load.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function job<T>(lab: Lab, j: LoadJob, timeoutMs: number): Promise<T> {
  const r = await lab.host('client').exec(nodeWithTsx(loadTs, JSON.stringify(j)), { timeoutMs, check: false });
  if (r.exitCode !== 0) throw new Error(`load job ${j.kind} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

function delivered(lab: Lab): number {
  let n = 0;
  for (const rs of ['rs1', 'rs2']) {
    const f = path.join(lab.runDir, `bench-${rs}.count`);
    if (fs.existsSync(f)) n += Number(fs.readFileSync(f, 'utf8')) || 0;
  }
  return n;
}

async function tcpSample(lab: Lab, side: Side, seconds: number, conns: number): Promise<Sample> {
  const port = PORTS[side].http;
  const ms = seconds * 1000;
  await job(lab, { kind: 'keepalive', target: VIP, port, conns: 4, durationMs: 200 }, 10_000); // warm-up
  const lat = await job<{ p50us: number; p99us: number }>(lab, { kind: 'latency', target: VIP, port, count: 2000, maxMs: Math.min(ms, 1500) }, ms + 10_000);
  const ka = await job<{ requests: number; errors: number; seconds: number }>(lab, { kind: 'keepalive', target: VIP, port, conns, durationMs: ms }, ms + 15_000);
  const nc = await job<{ conns: number; errors: number; seconds: number }>(lab, { kind: 'newconn', target: VIP, port, concurrency: 16, durationMs: ms }, ms + 15_000);
  return {
    keepaliveRps: Math.round(ka.requests / ka.seconds),
    newConnPerSec: Math.round(nc.conns / nc.seconds),
    p50us: Math.round(lat.p50us),
    p99us: Math.round(lat.p99us),
    errors: ka.errors + nc.errors,
  };
}

/** Offer `rate` datagrams/s for 2 s; returns [achieved send rate, loss fraction]. */
async function udpStep(lab: Lab, side: Side, rate: number): Promise<[number, number]> {
  const before = delivered(lab);
  const u = await job<{ sent: number; seconds: number }>(lab, { kind: 'udp', target: VIP, port: PORTS[side].udp, rate, durationMs: 2000, size: 64 }, 20_000);
  await sleep(300);
  const got = delivered(lab) - before;
  return [Math.round(u.sent / u.seconds), u.sent > 0 ? Math.max(0, (u.sent - got) / u.sent) : 1];
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

const IPVSADM = [
  `-A -t ${VIP}:${PORTS.embedded.http} -s rr`,
  ...RIPS.map((r) => `-a -t ${VIP}:${PORTS.embedded.http} -r ${r}:${PORTS.embedded.rsHttp} -m`),
  `-A -u ${VIP}:${PORTS.embedded.udp} -s rr`,
  ...RIPS.map((r) => `-a -u ${VIP}:${PORTS.embedded.udp} -r ${r}:${PORTS.embedded.rsUdp} -m`),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function avg(xs: number[]): number {
  return xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : NaN;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '2' },
      conns: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '2' },
      rates: { type: 'string', default: '10000,25000,50000,100000' },
    },
  });
  const seconds = Number(values.seconds);
  const conns = Number(values.conns);
  const rounds = Number(values.rounds);
  const rates = String(values.rates).split(',').map(Number);
  if (!(seconds > 0 && seconds <= 30)) throw new Error(`--seconds: '${values.seconds}' is not between 0 and 30`);
  if (!(conns >= 1 && conns <= 256)) throw new Error(`--conns: '${values.conns}' is not between 1 and 256`);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 10)) throw new Error(`--rounds: '${values.rounds}' is not between 1 and 10`);
  if (rates.some((r) => !(r > 0 && r <= 500_000))) throw new Error(`--rates: '${values.rates}' must be rates between 1 and 500000 per second`);
  if (process.getuid?.() !== 0) throw new Error('the dataplane benchmark builds a lab: run it as root');

  process.stderr.write('dataplane bench: building the article-single lab\n');
  const lab = await buildLab('article-single', { agents: false });
  const sessions: EmbeddedSession[] = [];
  const results: PathResult[] = [];
  try {
    for (const [i, rs] of ['rs1', 'rs2'].entries()) {
      const serve: LoadJob = { kind: 'serve', identity: `RS${i + 1}`, httpPorts: [PORTS.embedded.rsHttp, PORTS.kernel.rsHttp], udpPorts: [PORTS.embedded.rsUdp, PORTS.kernel.rsUdp], countFile: path.join(lab.runDir, `bench-${rs}.count`), maxSeconds: 900 };
      await lab.host(rs).spawn(nodeWithTsx(loadTs, JSON.stringify(serve)), { logName: `bench-${rs}` });
    }
    await sleep(500);
    const ds = lab.host('ds1');
    await ds.exec(['nft', '-f', '-'], { input: NFT_REFERENCE });

    const configs = [
      { name: 'per-packet (netlink)', mode: 'per-packet', transport: 'netlink' },
      { name: 'per-packet (koffi)', mode: 'per-packet', transport: 'koffi' },
      { name: 'offload', mode: 'offload', transport: 'netlink' },
    ] as const;
    for (const c of configs) {
      process.stderr.write(`dataplane bench: ${c.name} against the kernel path, ${rounds} round(s)\n`);
      const session = openEmbeddedBackend(lab, { daemon: { transport: c.transport } });
      sessions.push(session);
      await session.startDirector('ds1', { ipvsadm: IPVSADM, dataplane: c.mode });
      try {
        const r: PathResult = { path: c.name, rounds: [], udp: { kernel: 0, embedded: 0, detail: [] }, note: '' };
        for (let k = 0; k < rounds; k++) {
          const kernel = await tcpSample(lab, 'kernel', seconds, conns);
          const embedded = await tcpSample(lab, 'embedded', seconds, conns);
          r.rounds.push({ kernel, embedded });
        }
        // UDP: step the offered rate, each step on both paths back to back, until a path loses
        let kernelUp = true;
        let embUp = true;
        for (const rate of rates) {
          if (!kernelUp && !embUp) break;
          if (kernelUp) {
            const [pps, loss] = await udpStep(lab, 'kernel', rate);
            r.udp.detail.push(`kernel ${pps}/s loss ${(loss * 100).toFixed(2)}%`);
            if (loss <= 0.001) r.udp.kernel = Math.max(r.udp.kernel, pps);
            else kernelUp = false;
          }
          if (embUp) {
            const [pps, loss] = await udpStep(lab, 'embedded', rate);
            r.udp.detail.push(`embedded ${pps}/s loss ${(loss * 100).toFixed(2)}%`);
            if (loss <= 0.001) r.udp.embedded = Math.max(r.udp.embedded, pps);
            else embUp = false;
          }
        }
        const st = await session.status('ds1');
        r.note = `director: ${st.dataplane.packets} packets, queue-full drops ${st.kernelQueue?.queueDropped ?? '?'}, delivery drops ${st.kernelQueue?.userDropped ?? '?'}`;
        results.push(r);
      } finally {
        await session.stopDirector('ds1');
        await ds.exec(['conntrack', '-F'], { check: false });
      }
    }
  } finally {
    for (const s of sessions) await s.close();
    await lab.teardown();
  }
  print(results, { seconds, conns, rounds });
}

function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';
}

function print(results: PathResult[], o: { seconds: number; conns: number; rounds: number }): void {
  const out: string[] = [];
  out.push(`dataplane: ${o.rounds} round(s) per path, ${o.seconds} s per measurement; keep-alive over ${o.conns} connections, new connections 16 in flight, UDP 64-byte datagrams over 8 flows`);
  out.push('each embedded measurement is paired with a kernel nft DNAT one taken just before it; ratios are medians of the pairs');
  out.push('');
  out.push(`${'path'.padEnd(22)}${'keep-alive req/s'.padStart(18)}${'new conn/s'.padStart(12)}${'UDP pps no loss'.padStart(17)}${'p50 us'.padStart(9)}${'p99 us'.padStart(9)}${'added p50'.padStart(11)}`);
  const row = (name: string, s: Sample[], udp: number, addedP50?: number) =>
    `${name.padEnd(22)}${String(avg(s.map((x) => x.keepaliveRps))).padStart(18)}${String(avg(s.map((x) => x.newConnPerSec))).padStart(12)}${String(udp).padStart(17)}${String(avg(s.map((x) => x.p50us))).padStart(9)}${String(avg(s.map((x) => x.p99us))).padStart(9)}${(addedP50 === undefined ? '' : `${addedP50 >= 0 ? '+' : ''}${addedP50}`).padStart(11)}`;
  for (const r of results) {
    const k = r.rounds.map((x) => x.kernel);
    const e = r.rounds.map((x) => x.embedded);
    out.push(row(`  kernel (paired)`, k, r.udp.kernel));
    out.push(row(r.path, e, r.udp.embedded, Math.round(median(r.rounds.map((x) => x.embedded.p50us - x.kernel.p50us)))));
  }
  out.push('');
  out.push('ratios to the kernel path (median of pairs): keep-alive req/s, new conn/s, UDP pps');
  for (const r of results) {
    const ka = median(r.rounds.map((x) => x.embedded.keepaliveRps / Math.max(1, x.kernel.keepaliveRps)));
    const nc = median(r.rounds.map((x) => x.embedded.newConnPerSec / Math.max(1, x.kernel.newConnPerSec)));
    const udp = r.udp.kernel > 0 ? r.udp.embedded / r.udp.kernel : NaN;
    const goal = r.path === 'offload' ? 0.9 : 0.6;
    out.push(`  ${r.path.padEnd(22)} ${fmtRatio(ka).padStart(6)} ${fmtRatio(nc).padStart(6)} ${fmtRatio(udp).padStart(6)}   goal keep-alive >= ${goal}x: ${ka >= goal ? 'met' : 'NOT met'}`);
  }
  out.push('');
  for (const r of results) {
    const errors = r.rounds.reduce((a, x) => a + x.kernel.errors + x.embedded.errors, 0);
    out.push(`${r.path}: ${errors} load errors; UDP steps: ${r.udp.detail.join(', ')}; ${r.note}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}
