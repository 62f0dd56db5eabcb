// `npm run bench -- ipvs`: the embedded IPVS's scheduling decisions per second for every scheduler at
// 2, 16 and 256 real servers, the full new-connection path, and the connection table with 1 million
// entries: lookups per second and bytes per connection. Goals: >= 2M rr/wrr/wlc decisions/s,
// >= 2M lookups/s, <= 300 bytes/conn. Every loop is bounded in time.
import v8 from 'node:v8';
import vm from 'node:vm';
import { ManualClock, seededRandom } from '../src/lb/ipvs/clock.js';
import { Ipvs } from '../src/lb/ipvs/ipvs.js';
import { PINNED_KERNEL, kernelProfile } from '../src/lb/ipvs/kernel.js';
import { SCHEDULER_NAMES } from '../src/lb/ipvs/sched/index.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PacketHeaders } from '../src/lb/ipvs/types.js';
import { runIpvsadm } from '../src/lb/ipvsadm/run.js';

const VIP = 0xc0a80170; // 192.168.1.112

function gcFn(): (() => void) | undefined {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  return typeof gc === 'function' ? gc : undefined;
}

function service(sched: string, dests: number, proto: 't' | 'u' = 't'): Ipvs {
  // the pinned kernel has no twos module: that row runs on mainline 6.7, which has it
  const kernel = PINNED_KERNEL.schedulers.includes(sched) ? PINNED_KERNEL : kernelProfile('6.7');
  const ipvs = new Ipvs({ clock: new ManualClock(0), random: seededRandom(7), kernel });
  const run = (line: string): void => {
    const r = runIpvsadm(ipvs, line.split(' '));
    if (r.status !== 0) throw new Error(`ipvsadm ${line}: ${r.stderr}`);
  };
  run(`-A -${proto} 192.168.1.112:80 -s ${sched}`);
  for (let i = 0; i < dests; i++) run(`-a -${proto} 192.168.1.112:80 -r 10.${1 + (i >> 8)}.${i & 255}.1:80 -m -w ${1 + (i % 5)}`);
  return ipvs;
}

/** Runs `fn(i)` in batches until `ms` elapsed; returns operations per second. */
function rate(ms: number, fn: (i: number) => void): number {
  const batch = 4096;
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < batch; i++) fn(n + i);
    n += batch;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);

/** What the goals are judged on, filled in by the sections that ran. */
interface Figures {
  /** scheduler -> decisions/s at 2, 16, 256 dests */
  decisions: Map<string, number[]>;
  table?: { count: number; bytesPerConn: number | null; lookups: number };
}

const DEST_COUNTS = [2, 16, 256];

const GOALS = { decisionsPerSec: 2e6, schedulers: ['rr', 'wrr', 'wlc'], bytesPerConn: 300, lookupsPerSec: 2e6, conns: 1_000_000 } as const;

function decisions(ms: number, fig: Figures): void {
  console.log('scheduling decisions per second (schedule() alone; clients vary by address and port)');
  console.log(`${'scheduler'.padEnd(10)} ${'2 dests'.padStart(10)} ${'16 dests'.padStart(10)} ${'256 dests'.padStart(10)}`);
  const h: PacketHeaders = { proto: IPPROTO_TCP, saddr: 0, sport: 0, daddr: VIP, dport: 80, tcpFlags: 2, length: 60, fwmark: 0 };
  for (const name of SCHEDULER_NAMES) {
    const cells: string[] = [];
    for (const n of DEST_COUNTS) {
      const ipvs = service(name, n);
      const svc = ipvs.services[0];
      const sched = svc.scheduler;
      let sink = 0;
      const decide = (i: number): void => {
        h.saddr = (0x0a800000 + i) >>> 0;
        h.sport = 1024 + (i & 0x7fff);
        // lblc/lblcr key on the destination: vary it too so their tables fill as with many VIPs
        if (name === 'lblc' || name === 'lblcr') h.daddr = (VIP + (i & 0x3fff)) >>> 0;
        if (sched.schedule(svc, h) !== null) sink++;
      };
      rate(ms / 4, decide); // warm-up: let the JIT settle on this scheduler first
      const r = rate(ms, decide);
      h.daddr = VIP;
      if (sink === 0) throw new Error(`${name}: never picked a dest`);
      cells.push(fmt(r).padStart(10));
      fig.decisions.set(name, [...(fig.decisions.get(name) ?? []), r]);
    }
    console.log(`${name.padEnd(10)} ${cells.join(' ')}`);
  }
}

function newConns(ms: number): void {
  console.log('\nnew connections per second through inbound() (lookup miss, schedule, conn created), 16 dests');
  for (const name of ['rr', 'wrr', 'wlc', 'mh']) {
    const ipvs = service(name, 16, 'u');
    const h: PacketHeaders = { proto: IPPROTO_UDP, saddr: 0, sport: 0, daddr: VIP, dport: 80, tcpFlags: 0, length: 60, fwmark: 0 };
    let base = 0;
    const fresh = (i: number): void => {
      const n = base + i;
      h.saddr = (0x0b000000 + (n >>> 14)) >>> 0;
      h.sport = 1024 + (n & 0x3fff);
      ipvs.inbound(h);
    };
    // best of three runs on fresh client addresses (a busy machine and GC pauses hit single runs)
    let r = 0;
    for (let round = 0; round < 3; round++) {
      r = Math.max(r, rate(ms, fresh));
      base += 1 << 24;
    }
    console.log(`${name.padEnd(10)} ${fmt(r).padStart(10)} conns/s`);
  }
}

function table(count: number, ms: number, fig: Figures): void {
  const gc = gcFn();
  gc?.();
  const ipvs = service('rr', 16, 'u');
  const h: PacketHeaders = { proto: IPPROTO_UDP, saddr: 0, sport: 0, daddr: VIP, dport: 80, tcpFlags: 0, length: 60, fwmark: 0 };
  const client = (i: number): void => {
    h.saddr = (0x0b000000 + (i >>> 14)) >>> 0;
    h.sport = 1024 + (i & 0x3fff);
  };
  gc?.();
  // typed arrays keep their contents outside the JS heap: count both, or an index over typed
  // arrays would look free
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    client(i);
    ipvs.inbound(h);
  }
  const t1 = performance.now();
  gc?.();
  const after = used();
  if (ipvs.conns.size !== count) throw new Error(`expected ${count} conns, have ${ipvs.conns.size}`);
  console.log(`\nconnection table with ${count.toLocaleString('en')} entries (UDP, distinct client address/port)`);
  console.log(`  filled at ${fmt((count * 1000) / (t1 - t0))} conns/s`);
  console.log(`  memory: ${gc ? ((after - before) / count).toFixed(0) : '?'} bytes per connection (JS heap + array buffers)${gc ? '' : ' (no gc available: not measured)'}`);
  // lookups: the raw table, and the whole per-packet path for an existing conn
  const caddr = new Int32Array(65536);
  const cport = new Uint16Array(65536);
  const rnd = seededRandom(3);
  for (let k = 0; k < 65536; k++) {
    const i = Math.floor(rnd() * count);
    caddr[k] = (0x0b000000 + (i >>> 14)) | 0;
    cport[k] = 1024 + (i & 0x3fff);
  }
  let hits = 0;
  const lookup = (i: number): void => {
    const k = i & 0xffff;
    if (ipvs.conns.inGet(IPPROTO_UDP, caddr[k], cport[k], VIP | 0, 80) !== null) hits++;
  };
  // the machine's own speed for the same access pattern: a bare Map of as many numbers, random keys
  const bare = new Map<number, number>();
  for (let i = 0; i < count; i++) bare.set(Math.imul(i, 0x9e3779b1) >> 1, i);
  const bareKeys = new Int32Array(65536);
  for (let k = 0; k < 65536; k++) bareKeys[k] = Math.imul(Math.floor(rnd() * count), 0x9e3779b1) >> 1;
  let bareHits = 0;
  const bareLookup = (i: number): void => {
    if (bare.get(bareKeys[i & 0xffff]) !== undefined) bareHits++;
  };
  // alternate the two and keep the best of three, so a busy machine hurts both alike
  let lk = 0;
  let bm = 0;
  for (let round = 0; round < 3; round++) {
    lk = Math.max(lk, rate(ms, lookup));
    bm = Math.max(bm, rate(ms, bareLookup));
  }
  if (hits === 0 || bareHits === 0) throw new Error('lookups found nothing');
  console.log(`  lookups (ConnTable.inGet, random keys): ${fmt(lk)}/s`);
  console.log(`  for scale, a bare Map<number, number> of the same size with random keys: ${fmt(bm)}/s (inGet at ${((lk / bm) * 100).toFixed(0)}%)`);
  const packet = (i: number): void => {
    const k = i & 0xffff;
    h.saddr = caddr[k] >>> 0;
    h.sport = cport[k];
    ipvs.inbound(h);
  };
  let pk = 0;
  for (let round = 0; round < 3; round++) pk = Math.max(pk, rate(ms, packet));
  console.log(`  packets of existing conns (inbound(): lookup, counters, timer): ${fmt(pk)}/s`);
  fig.table = { count, bytesPerConn: gc ? (after - before) / count : null, lookups: lk };
}

function printGoals(fig: Figures): void {
  const lines: string[] = [];
  const verdict = (what: string, ok: boolean | null) => lines.push(`  ${what}: ${ok === null ? 'not measured' : ok ? 'met' : 'NOT met'}`);
  for (const name of GOALS.schedulers) {
    const rs = fig.decisions.get(name);
    DEST_COUNTS.forEach((n, i) => verdict(`${name} >= ${fmt(GOALS.decisionsPerSec)} decisions/s with ${n} dests (${rs ? fmt(rs[i]) : '-'})`, rs ? rs[i] >= GOALS.decisionsPerSec : null));
  }
  const t = fig.table;
  const full = t !== undefined && t.count >= GOALS.conns;
  const of = full ? '' : t ? ` (table of ${t.count.toLocaleString('en')}, not ${GOALS.conns.toLocaleString('en')})` : '';
  verdict(`${GOALS.conns.toLocaleString('en')} connections at <= ${GOALS.bytesPerConn} bytes each (${t?.bytesPerConn != null ? t.bytesPerConn.toFixed(0) : '-'})${of}`, t && full && t.bytesPerConn !== null ? t.bytesPerConn <= GOALS.bytesPerConn : null);
  verdict(`>= ${fmt(GOALS.lookupsPerSec)} lookups/s in that table (${t ? fmt(t.lookups) : '-'})${of}`, t && full ? t.lookups >= GOALS.lookupsPerSec : null);
  console.log(`\ngoals:\n${lines.join('\n')}`);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const load = (await import('node:os')).loadavg()[0];
  console.log(`load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs: figures scale down with a busy machine\n`);
  const ms = quick ? 100 : 300;
  // optional section names run only those: decisions, conns, table
  const only = args.filter((a) => !a.startsWith('--'));
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const fig: Figures = { decisions: new Map() };
  if (want('decisions')) decisions(ms, fig);
  if (want('conns')) newConns(ms);
  if (want('table')) table(quick ? 100_000 : 1_000_000, ms, fig);
  printGoals(fig);
}
