// `npm run bench -- dataplane [--seconds N] [--conns N]`: the embedded director's data plane against
// the kernel, on one lab (article-single), in one run: HTTP keep-alive requests/s, new connections/s,
// UDP packets/s without loss, and request latency p50/p99 (added latency = minus the kernel path's).
// Paths: the kernel's nftables DNAT (reference), the embedded director per packet (over the
// `netlink` addon, and over koffi), and the embedded director with offload. Load runs inside the lab's client namespace; servers on the real servers
// are lean (no request log) so the data plane, not the server, is what differs. Ratios are what
// matter: the machine is shared. Goals (issue 6): per-packet >= 0.6x and offload >= 0.9x the
// kernel path's keep-alive requests/s.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLab, type Lab } from '../lab/index.js';
import { openEmbeddedBackend } from '../lb/director/backend.js';
import type { LoadJob } from './dataplane-load.js';

const VIP = '192.168.1.112';
const HTTP_PORT = 8080;
const UDP_PORT = 9000;
const RIPS = ['10.0.0.101', '10.0.0.102'];

type PathName = 'kernel nft DNAT' | 'embedded per-packet' | 'per-packet (koffi)' | 'embedded offload';

interface PathResult {
  path: PathName;
  keepaliveRps: number;
  keepaliveErrors: number;
  newConnPerSec: number;
  newConnErrors: number;
  udpPpsNoLoss: number;
  udpDetail: string[];
  p50us: number;
  p99us: number;
  /** the director daemon's own view: queue drops, CPU seconds (embedded paths) */
  note?: string;
}

const loadJs = fileURLToPath(new URL('./dataplane-load.js', import.meta.url));

async function job<T>(lab: Lab, host: string, j: LoadJob, timeoutMs: number): Promise<T> {
  const r = await lab.host(host).exec([process.execPath, loadJs, JSON.stringify(j)], { timeoutMs, check: false });
  if (r.exitCode !== 0) throw new Error(`load job ${j.kind} on ${host} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

function countDelivered(lab: Lab): number {
  let n = 0;
  for (const rs of ['rs1', 'rs2']) {
    const f = path.join(lab.runDir, `bench-${rs}.count`);
    if (fs.existsSync(f)) n += Number(fs.readFileSync(f, 'utf8')) || 0;
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(lab: Lab, name: PathName, o: { seconds: number; conns: number; rates: number[] }): Promise<PathResult> {
  const ms = o.seconds * 1000;
  // warm-up: ARP, JIT, first connections
  await job(lab, 'client', { kind: 'keepalive', target: VIP, port: HTTP_PORT, conns: 4, durationMs: 300 }, 10_000);
  const lat = await job<{ p50us: number; p99us: number }>(lab, 'client', { kind: 'latency', target: VIP, port: HTTP_PORT, count: 3000, maxMs: Math.min(ms, 3000) }, ms + 10_000);
  const ka = await job<{ requests: number; errors: number; seconds: number }>(lab, 'client', { kind: 'keepalive', target: VIP, port: HTTP_PORT, conns: o.conns, durationMs: ms }, ms + 15_000);
  const nc = await job<{ conns: number; errors: number; seconds: number }>(lab, 'client', { kind: 'newconn', target: VIP, port: HTTP_PORT, concurrency: 16, durationMs: ms }, ms + 15_000);
  let best = 0;
  const udpDetail: string[] = [];
  for (const rate of o.rates) {
    const before = countDelivered(lab);
    const u = await job<{ sent: number; seconds: number }>(lab, 'client', { kind: 'udp', target: VIP, port: UDP_PORT, rate, durationMs: 2000, size: 64 }, 20_000);
    await sleep(300);
    const got = countDelivered(lab) - before;
    const loss = u.sent > 0 ? (u.sent - got) / u.sent : 1;
    const pps = Math.round(u.sent / u.seconds);
    udpDetail.push(`${rate}/s offered: sent ${pps}/s, loss ${(loss * 100).toFixed(2)}%`);
    if (loss <= 0.001) best = Math.max(best, pps);
    else break;
  }
  return {
    path: name,
    keepaliveRps: Math.round(ka.requests / ka.seconds),
    keepaliveErrors: ka.errors,
    newConnPerSec: Math.round(nc.conns / nc.seconds),
    newConnErrors: nc.errors,
    udpPpsNoLoss: best,
    udpDetail,
    p50us: Math.round(lat.p50us),
    p99us: Math.round(lat.p99us),
  };
}

const NFT_REFERENCE = `table ip lvslab_bench {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr ${VIP} tcp dport ${HTTP_PORT} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} }
    ip daddr ${VIP} udp dport ${UDP_PORT} dnat to numgen inc mod 2 map { 0 : ${RIPS[0]}, 1 : ${RIPS[1]} }
  }
  chain post { type nat hook postrouting priority srcnat; policy accept; }
}
`;

const IPVSADM = [
  `-A -t ${VIP}:${HTTP_PORT} -s rr`,
  ...RIPS.map((r) => `-a -t ${VIP}:${HTTP_PORT} -r ${r}:${HTTP_PORT} -m`),
  `-A -u ${VIP}:${UDP_PORT} -s rr`,
  ...RIPS.map((r) => `-a -u ${VIP}:${UDP_PORT} -r ${r}:${UDP_PORT} -m`),
];

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { seconds: { type: 'string', default: '3' }, conns: { type: 'string', default: '32' }, rates: { type: 'string', default: '10000,25000,50000,100000' } },
  });
  const seconds = Number(values.seconds);
  const conns = Number(values.conns);
  const rates = String(values.rates).split(',').map(Number);
  if (!(seconds > 0 && seconds <= 30)) throw new Error(`--seconds: '${values.seconds}' is not between 0 and 30`);
  if (!(conns >= 1 && conns <= 256)) throw new Error(`--conns: '${values.conns}' is not between 1 and 256`);
  if (rates.some((r) => !(r > 0 && r <= 500_000))) throw new Error(`--rates: '${values.rates}' must be rates between 1 and 500000 per second`);
  if (process.getuid?.() !== 0) throw new Error('the dataplane benchmark builds a lab: run it as root');

  process.stderr.write('dataplane bench: building the article-single lab\n');
  const lab = await buildLab('article-single', { agents: false });
  const sessions: ReturnType<typeof openEmbeddedBackend>[] = [];
  const results: PathResult[] = [];
  try {
    for (const [i, rs] of ['rs1', 'rs2'].entries()) {
      await lab.host(rs).spawn([process.execPath, loadJs, JSON.stringify({ kind: 'serve', identity: `RS${i + 1}`, httpPort: HTTP_PORT, udpPort: UDP_PORT, countFile: path.join(lab.runDir, `bench-${rs}.count`), maxSeconds: 600 } satisfies LoadJob)], { logName: `bench-${rs}` });
    }
    await sleep(500);
    const o = { seconds, conns, rates };
    const ds = lab.host('ds1');

    process.stderr.write('dataplane bench: kernel nft DNAT\n');
    await ds.exec(['nft', '-f', '-'], { input: NFT_REFERENCE });
    try {
      results.push(await measure(lab, 'kernel nft DNAT', o));
    } finally {
      await ds.exec(['nft', 'delete', 'table', 'ip', 'lvslab_bench'], { check: false });
      await ds.exec(['conntrack', '-F'], { check: false });
    }

    const runs = [
      { name: 'embedded per-packet', mode: 'per-packet', transport: 'netlink' },
      { name: 'per-packet (koffi)', mode: 'per-packet', transport: 'koffi' },
      { name: 'embedded offload', mode: 'offload', transport: 'netlink' },
    ] as const;
    for (const { name, mode, transport } of runs) {
      process.stderr.write(`dataplane bench: ${name}\n`);
      const session = openEmbeddedBackend(lab, { daemon: { transport } });
      sessions.push(session);
      await session.startDirector('ds1', { ipvsadm: IPVSADM, dataplane: mode });
      try {
        const r = await measure(lab, name, o);
        const st = await session.status('ds1');
        r.note = `queue drops ${st.kernelQueue?.queueDropped ?? '?'}, delivery drops ${st.kernelQueue?.userDropped ?? '?'}, packets ${st.dataplane.packets}`;
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
  print(results, seconds, conns);
}

function print(results: PathResult[], seconds: number, conns: number): void {
  const ref = results.find((r) => r.path === 'kernel nft DNAT')!;
  const out: string[] = [];
  out.push(`dataplane: ${seconds} s per measurement, keep-alive with ${conns} connections, new connections with 16 in flight, UDP 64-byte datagrams over 8 flows`);
  out.push('');
  out.push(`${'path'.padEnd(22)}${'keep-alive req/s'.padStart(18)}${'new conn/s'.padStart(12)}${'UDP pps no loss'.padStart(17)}${'p50 us'.padStart(9)}${'p99 us'.padStart(9)}${'added p50'.padStart(11)}`);
  for (const r of results) {
    out.push(
      `${r.path.padEnd(22)}${String(r.keepaliveRps).padStart(18)}${String(r.newConnPerSec).padStart(12)}${String(r.udpPpsNoLoss).padStart(17)}${String(r.p50us).padStart(9)}${String(r.p99us).padStart(9)}${`${r.p50us - ref.p50us >= 0 ? '+' : ''}${r.p50us - ref.p50us}`.padStart(11)}`,
    );
  }
  out.push('');
  out.push('ratios to the kernel path (keep-alive req/s, new conn/s, UDP pps):');
  for (const r of results.filter((x) => x !== ref)) {
    const goal = r.path === 'embedded offload' ? 0.9 : 0.6;
    const ka = ref.keepaliveRps > 0 ? r.keepaliveRps / ref.keepaliveRps : 0;
    out.push(`  ${r.path.padEnd(20)} ${ratio(r.keepaliveRps, ref.keepaliveRps)}  ${ratio(r.newConnPerSec, ref.newConnPerSec)}  ${ratio(r.udpPpsNoLoss, ref.udpPpsNoLoss)}   goal keep-alive >= ${goal}x: ${ka >= goal ? 'met' : 'NOT met'}`);
  }
  out.push('');
  for (const r of results) {
    out.push(`${r.path}: errors keep-alive ${r.keepaliveErrors}, new-conn ${r.newConnErrors}; UDP ${r.udpDetail.join('; ')}${r.note ? `; ${r.note}` : ''}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}
