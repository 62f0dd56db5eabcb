// A seeded packet fuzzer for the director's data plane: generated IPv4 packets of many classes
// (valid TCP/UDP with every flag byte and random IP options, replies, truncations, bad lengths,
// fragments, ICMP errors quoting known and random connections, bad checksums, garbage) go through
// the real parser, NAT rewriting and checksum code (src/lb/director/dataplane.ts driving the embedded
// IPVS core), and each class is held to what the kernel would do with it. Checksums of rewritten
// packets are verified by a full computation written here, independent of src/lb/director/checksum.ts.
// Used by test/director/fuzz.test.ts (a seeded count) and the soak's `fuzz` phase (1M and more).
import { createCore } from '../../src/lb/director/core.js';
import { Dataplane } from '../../src/lb/director/dataplane.js';
import { DestMarks } from '../../src/lb/director/marks.js';
import { HOOK_POST_ROUTING, HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, type QueuedPacket } from '../../src/lb/director/nfqueue-codec.js';
import type { PacketHeaders } from '../../src/lb/ipvs/types.js';

const VIP = 0xc0a80170; // 192.168.1.112
const RIPS = [0x0a000065, 0x0a000066]; // 10.0.0.101, 10.0.0.102
const CLIENT_NET = 0xc0a80100; // clients 192.168.1.1..64
const TCP_PORT = 80;
const UDP_PORT = 9999;

/** The classes of generated packets, and what the kernel does with each (see expectations below). */
export const FUZZ_CLASSES = [
  'tcp-in', 'tcp-reply', 'udp-in', 'udp-reply', 'udp-no-checksum', 'bad-l4-checksum', 'bad-ip-checksum',
  'trailing-bytes', 'first-fragment', 'later-fragment', 'icmp-error-known', 'icmp-error-bad-checksum', 'icmp-error-random',
  'icmp-error-short-quote', 'icmp-other', 'icmp-short', 'other-proto', 'ipv6', 'bad-version', 'empty',
  'short-ip-header', 'bad-ihl', 'total-below-ihl', 'truncated', 'short-tcp', 'short-udp', 'tcp-doff',
  'garbage',
] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

/** mulberry32: fast enough for millions of draws; the seed repeats a run exactly. */
export class FuzzRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.u32() < p * 0x100000000;
  }
}

// ---- an independent checksum, for verification only -------------------------------------------

function ocSum(b: Uint8Array, start: number, end: number, acc: number): number {
  let s = acc;
  for (let i = start; i < end; i += 2) s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The folded one's-complement sum of a region including its checksum field: 0xffff when it verifies. */
function residualIp(p: Uint8Array, off: number): number {
  return ocSum(p, off, off + (p[off] & 15) * 4, 0);
}

/** Folded sum of pseudo-header + L4 segment (checksum included); 0xffff when it verifies. */
function residualL4(p: Uint8Array): number {
  const ihl = (p[0] & 15) * 4;
  const total = (p[2] << 8) | p[3];
  const pseudo = ocSum(p, 12, 20, p[9] + (total - ihl));
  return ocSum(p, ihl, total, pseudo);
}

/** 0 and 0xffff are both one's-complement zero. */
const norm = (x: number) => (x === 0 ? 0xffff : x);

// ---- packet building ----------------------------------------------------------------------------

function put16(p: Uint8Array, o: number, v: number): void {
  p[o] = (v >>> 8) & 0xff;
  p[o + 1] = v & 0xff;
}
function put32(p: Uint8Array, o: number, v: number): void {
  put16(p, o, v >>> 16);
  put16(p, o + 2, v & 0xffff);
}
const get16 = (p: Uint8Array, o: number) => (p[o] << 8) | p[o + 1];
const get32 = (p: Uint8Array, o: number) => ((get16(p, o) << 16) | get16(p, o + 2)) >>> 0;

function setIpChecksum(p: Uint8Array, off: number): void {
  put16(p, off + 10, 0);
  put16(p, off + 10, ~ocSum(p, off, off + (p[off] & 15) * 4, 0) & 0xffff);
}

interface L4Spec {
  proto: 6 | 17;
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  flags: number;
  optWords: number;
  payload: number;
  noUdpChecksum?: boolean;
  fragField?: number;
}

/** A TCP/UDP packet with valid checksums and random IP options (NOP/EOL/random bytes, like a real stack's). */
function buildL4(r: FuzzRandom, s: L4Spec): Buffer {
  const ihl = 20 + s.optWords * 4;
  const l4h = s.proto === 6 ? 20 : 8;
  const total = ihl + l4h + s.payload;
  const p = Buffer.alloc(total);
  p[0] = 0x40 | (ihl / 4);
  put16(p, 2, total);
  put16(p, 4, r.u32() & 0xffff);
  put16(p, 6, s.fragField ?? 0x4000);
  p[8] = r.int(1, 255);
  p[9] = s.proto;
  put32(p, 12, s.saddr);
  put32(p, 16, s.daddr);
  for (let i = 20; i < ihl; i++) p[i] = r.chance(0.5) ? 1 : r.u32() & 0xff;
  put16(p, ihl, s.sport);
  put16(p, ihl + 2, s.dport);
  if (s.proto === 6) {
    put32(p, ihl + 4, r.u32());
    put32(p, ihl + 8, r.u32());
    p[ihl + 12] = 5 << 4;
    p[ihl + 13] = s.flags;
    put16(p, ihl + 14, r.u32() & 0xffff);
  } else put16(p, ihl + 4, l4h + s.payload);
  for (let i = ihl + l4h; i < total; i++) p[i] = r.u32() & 0xff;
  setIpChecksum(p, 0);
  if (!(s.proto === 17 && s.noUdpChecksum)) {
    const at = ihl + (s.proto === 6 ? 16 : 6);
    put16(p, at, 0);
    let c = ~residualL4(p) & 0xffff;
    if (s.proto === 17 && c === 0) c = 0xffff;
    put16(p, at, c);
  }
  return p;
}

/** An ICMP error (type 3/11/4/12/5) quoting the first ihl+8 bytes of `offending`. */
function buildIcmpError(r: FuzzRandom, saddr: number, daddr: number, offending: Uint8Array, quoteLen?: number): Buffer {
  const qihl = (offending[0] & 15) * 4;
  const quoted = offending.subarray(0, quoteLen ?? Math.min(offending.length, qihl + 8));
  const total = 28 + quoted.length;
  const p = Buffer.alloc(total);
  p[0] = 0x45;
  put16(p, 2, total);
  p[8] = 64;
  p[9] = 1;
  put32(p, 12, saddr);
  put32(p, 16, daddr);
  p[20] = [3, 11, 4, 12, 5][r.int(0, 4)];
  p[21] = r.int(0, 15);
  p.set(quoted, 28);
  setIpChecksum(p, 0);
  put16(p, 22, ~ocSum(p, 20, total, 0) & 0xffff);
  return p;
}

// ---- the run ------------------------------------------------------------------------------------

interface Conn {
  proto: 6 | 17;
  caddr: number;
  cport: number;
  raddr: number;
  rport: number;
  vport: number;
}

export interface FuzzReport {
  seed: number;
  count: number;
  /** packets generated per class */
  perClass: Record<FuzzClass, number>;
  /** packets the data plane rewrote (and the test verified) per class */
  rewritten: Record<FuzzClass, number>;
  /** the first few broken expectations (class, seed, packet index, what) */
  failures: string[];
  failureCount: number;
  stats: Dataplane['stats'];
  ms: number;
}

/** Run `count` packets generated from `seed` through a data plane and check every one. */
export function runFuzz(seed: number, count: number): FuzzReport {
  const r = new FuzzRandom(seed);
  const { core } = createCore();
  for (const line of [`-A -t 192.168.1.112:${TCP_PORT} -s rr`, `-A -u 192.168.1.112:${UDP_PORT} -s rr`]) core.ipvsadm(line.split(' '));
  // one real server on the service's port, one on another: ports get rewritten too
  for (const [rip, tport, uport] of [['10.0.0.101', TCP_PORT, UDP_PORT], ['10.0.0.102', 8080, 9000]]) {
    core.ipvsadm(`-a -t 192.168.1.112:${TCP_PORT} -r ${rip}:${tport} -m`.split(' '));
    core.ipvsadm(`-a -u 192.168.1.112:${UDP_PORT} -r ${rip}:${uport} -m`.split(' '));
  }
  let scheduled = 0;
  const counted = {
    inbound: (h: PacketHeaders) => (scheduled++, core.inbound(h)),
    outbound: (h: PacketHeaders) => (scheduled++, core.outbound(h)),
  };
  const dp = new Dataplane(counted, new DestMarks(0x100), 'per-packet');
  let answers = 0;
  let verdict = -1;
  let out: Uint8Array | null = null;
  const sink = {
    verdict(_id: number, v: number, _mark: number | null, payload: Uint8Array | null) {
      answers++;
      verdict = v;
      out = payload;
    },
  };
  const perClass = Object.fromEntries(FUZZ_CLASSES.map((c) => [c, 0])) as Record<FuzzClass, number>;
  const rewritten = { ...perClass };
  const failures: string[] = [];
  let failureCount = 0;
  /** connections the data plane NATed, latest per client address and port (as its ICMP bindings are) */
  const byClient = new Map<number, Conn>();
  const conns: Conn[] = [];
  const started = Date.now();

  for (let n = 0; n < count; n++) {
    const cls = FUZZ_CLASSES[r.int(0, FUZZ_CLASSES.length - 1)];
    perClass[cls]++;
    const g = generate(r, cls, conns);
    const before = Buffer.from(g.packet);
    const q: QueuedPacket = { id: n, hook: g.hook, mark: 0, indev: 0, outdev: 0, payload: g.packet };
    answers = 0;
    out = null;
    verdict = -1;
    const sched0 = scheduled;
    const fail = (what: string) => {
      failureCount++;
      if (failures.length < 20) failures.push(`${cls} #${n} (seed ${seed}): ${what}; packet ${before.toString('hex').slice(0, 160)}`);
    };
    try {
      dp.handle(q, sink);
    } catch (err) {
      fail(`threw ${(err as Error).stack}`);
      continue;
    }
    if (answers !== 1) fail(`${answers} verdicts`);
    const didSchedule = scheduled > sched0;
    if (g.expect === 'untouched') {
      // not IPVS's: the kernel's ip_vs_in/ip_vs_out return NF_ACCEPT without looking further (or
      // ip_rcv dropped it before any hook: we must at least not schedule or alter it)
      if (didSchedule) fail('was handed to the scheduler');
      if (verdict !== NF_ACCEPT || out !== null) fail(`verdict ${verdict}, payload ${out === null ? 'none' : 'replaced'}`);
      if (!g.packet.equals(before)) fail('was modified');
      continue;
    }
    if (g.expect === 'dropped') {
      // an ICMP error about a NAT connection with a bad ICMP checksum: handle_response_icmp and
      // ip_vs_in_icmp drop it ("failed checksum") instead of translating it
      if (didSchedule) fail('was handed to the scheduler');
      if (verdict !== NF_DROP || out !== null) fail(`verdict ${verdict}, payload ${out === null ? 'none' : 'replaced'}`);
      if (!g.packet.equals(before)) fail('was modified');
      continue;
    }
    if (g.expect === 'scheduled' && !didSchedule) fail('was not handed to the scheduler');
    if (out === null) {
      if (verdict !== NF_ACCEPT && verdict !== NF_DROP) fail(`verdict ${verdict}`);
      if (!g.packet.equals(before)) fail('modified without being sent on');
      if (g.mustRewrite) fail('a known connection was not translated');
      continue;
    }
    rewritten[cls]++;
    const o = out as Uint8Array;
    checkRewrite(cls, before, o, g, fail);
    if (!g.icmp && cls !== 'garbage' && get32(o, 16) !== get32(before, 16)) {
      const ihl = (o[0] & 15) * 4;
      const c: Conn = { proto: o[9] as 6 | 17, caddr: get32(o, 12), cport: get16(o, ihl), raddr: get32(o, 16), rport: get16(o, ihl + 2), vport: get16(before, ihl + 2) };
      const key = c.proto * 0x1000000000000 + c.caddr * 0x10000 + c.cport;
      const old = byClient.get(key);
      if (old) Object.assign(old, c);
      else {
        byClient.set(key, c);
        conns.push(c);
      }
    }
  }
  return { seed, count, perClass, rewritten, failures, failureCount, stats: dp.stats, ms: Date.now() - started };
}

/**
 * Odd packets to send into a lab (the article's addresses: VIP 192.168.1.112, clients in
 * 192.168.1.0/24): `perClass` packets of each class above, then a TCP segment to VIP:80 with each
 * of the 256 possible flag bytes. Each packet's kind is its class (or `tcp-flags-0xNN`).
 */
export function oddPackets(seed: number, perClass: number): Array<{ kind: string; packet: Buffer }> {
  const r = new FuzzRandom(seed);
  const out: Array<{ kind: string; packet: Buffer }> = [];
  for (const cls of FUZZ_CLASSES) for (let i = 0; i < perClass; i++) out.push({ kind: cls, packet: generate(r, cls, []).packet });
  for (let f = 0; f < 256; f++) out.push({ kind: `tcp-flags-0x${f.toString(16).padStart(2, '0')}`, packet: inbound(r, 6, { flags: f }) });
  return out;
}

interface Generated {
  packet: Buffer;
  hook: number;
  /** untouched: never scheduled, accepted as is; scheduled: the core must see it; either: the core
   * decides; dropped: the data plane itself drops it */
  expect: 'untouched' | 'scheduled' | 'either' | 'dropped';
  /** the checksums were valid before (so they must be after) */
  validIp: boolean;
  validL4: boolean;
  /** an ICMP error about a connection the data plane NATed: it must be translated to `icmp` */
  icmp?: { addr: number; port: number; dir: 'out' | 'in' };
  mustRewrite?: boolean;
}

const client = (r: FuzzRandom) => (CLIENT_NET | r.int(1, 64)) >>> 0;
const cport = (r: FuzzRandom) => r.int(1024, 1024 + 511);

function inbound(r: FuzzRandom, proto: 6 | 17, extra: Partial<L4Spec> = {}): Buffer {
  return buildL4(r, {
    proto, saddr: client(r), daddr: VIP, sport: cport(r), dport: proto === 6 ? TCP_PORT : UDP_PORT,
    // every TCP flag byte; SYN half the time so connections get made
    flags: r.chance(0.5) ? 0x02 : r.u32() & 0xff,
    optWords: r.chance(0.3) ? r.int(1, 10) : 0, payload: r.chance(0.5) ? 0 : r.int(1, 1400), ...extra,
  });
}

function reply(r: FuzzRandom, conns: Conn[], proto: 6 | 17): Buffer {
  const c = conns.length && r.chance(0.8) ? conns[r.int(0, conns.length - 1)] : undefined;
  if (c && c.proto === proto) {
    return buildL4(r, { proto, saddr: c.raddr, daddr: c.caddr, sport: c.rport, dport: c.cport, flags: r.chance(0.5) ? 0x12 : r.u32() & 0xff, optWords: 0, payload: r.int(0, 600) });
  }
  return buildL4(r, { proto, saddr: RIPS[r.int(0, 1)], daddr: client(r), sport: r.chance(0.5) ? [TCP_PORT, 8080, UDP_PORT, 9000][r.int(0, 3)] : r.int(1, 65535), dport: cport(r), flags: r.u32() & 0xff, optWords: 0, payload: r.int(0, 100) });
}

function generate(r: FuzzRandom, cls: FuzzClass, conns: Conn[]): Generated {
  const pre = HOOK_PRE_ROUTING;
  const post = HOOK_POST_ROUTING;
  const proto: 6 | 17 = r.chance(0.5) ? 6 : 17;
  const ok = (packet: Buffer, hook: number, expect: Generated['expect']): Generated => ({ packet, hook, expect, validIp: true, validL4: true });
  switch (cls) {
    case 'tcp-in':
      return ok(inbound(r, 6), pre, 'scheduled');
    case 'udp-in':
      return ok(inbound(r, 17), pre, 'scheduled');
    case 'udp-no-checksum':
      return ok(inbound(r, 17, { noUdpChecksum: true }), pre, 'scheduled');
    case 'tcp-reply':
      return ok(reply(r, conns, 6), post, 'scheduled');
    case 'udp-reply':
      return ok(reply(r, conns, 17), post, 'scheduled');
    case 'bad-l4-checksum': {
      // the kernel's NAT patches checksums incrementally without verifying them (ip_vs_nat_xmit via
      // tcp_dnat_handler/udp_dnat_handler): a bad checksum stays exactly as bad, and the real server drops it
      const p = inbound(r, proto);
      const ihl = (p[0] & 15) * 4;
      const at = ihl + (proto === 6 ? 16 : 6);
      put16(p, at, get16(p, at) ^ (r.int(1, 0xfffe) | 1));
      if (proto === 17 && get16(p, at) === 0) put16(p, at, 1);
      return { packet: p, hook: pre, expect: 'scheduled', validIp: true, validL4: false };
    }
    case 'bad-ip-checksum': {
      // ip_rcv drops these before PREROUTING; should one reach us, it leaves as bad as it came
      const p = inbound(r, proto);
      put16(p, 10, get16(p, 10) ^ (r.int(1, 0xfffe) | 1));
      return { packet: p, hook: pre, expect: 'scheduled', validIp: false, validL4: true };
    }
    case 'trailing-bytes': {
      // link-layer padding after the IP datagram: the datagram is handled, the padding cut off
      const p = inbound(r, proto);
      return ok(Buffer.concat([p, Buffer.alloc(r.int(1, 40), 0xee)]), pre, 'scheduled');
    }
    case 'first-fragment': {
      // the ports are there: scheduled and translated; its checksum covers the whole datagram, so
      // only the incremental invariant can be checked (the error stays the same)
      const p = inbound(r, proto, { fragField: 0x2000, payload: r.int(8, 600) & ~7 });
      return { packet: p, hook: pre, expect: 'scheduled', validIp: true, validL4: false };
    }
    case 'later-fragment':
      // no transport header: ip_vs_in cannot see ports and lets it pass (the kernel defragments first)
      return ok(inbound(r, proto, { fragField: (r.chance(0.5) ? 0x2000 : 0) | r.int(1, 0x1fff) }), pre, 'untouched');
    case 'icmp-error-known':
    case 'icmp-error-random': {
      const c = cls === 'icmp-error-known' && conns.length ? conns[r.int(0, conns.length - 1)] : undefined;
      if (c && r.chance(0.5)) {
        // from the real server, quoting client -> RIP: leaves as VIP, quoting client -> VIP (ip_vs_out_icmp)
        const q = buildL4(r, { proto: c.proto, saddr: c.caddr, daddr: c.raddr, sport: c.cport, dport: c.rport, flags: 0x10, optWords: 0, payload: 0 });
        return { ...ok(buildIcmpError(r, c.raddr, c.caddr, q), post, 'either'), icmp: { addr: VIP, port: c.vport, dir: 'out' }, mustRewrite: true };
      }
      if (c) {
        // for the VIP, quoting VIP -> client: on to the real server, quoting RIP -> client (ip_vs_in_icmp)
        const q = buildL4(r, { proto: c.proto, saddr: VIP, daddr: c.caddr, sport: c.vport, dport: c.cport, flags: 0x12, optWords: 0, payload: 0 });
        return { ...ok(buildIcmpError(r, 0x0a0a0a01, VIP, q), pre, 'either'), icmp: { addr: c.raddr, port: c.rport, dir: 'in' }, mustRewrite: true };
      }
      // quoting a connection nobody made: not ours, passed as is
      const q = buildL4(r, { proto, saddr: r.u32(), daddr: r.u32(), sport: r.int(1, 65535), dport: r.int(1, 65535), flags: 0, optWords: r.int(0, 2), payload: 0 });
      return ok(buildIcmpError(r, r.u32(), r.chance(0.5) ? VIP : r.u32(), q), r.chance(0.5) ? pre : post, 'untouched');
    }
    case 'icmp-error-bad-checksum': {
      const c = conns.length ? conns[r.int(0, conns.length - 1)] : undefined;
      if (!c) return ok(buildIcmpError(r, r.u32(), VIP, inbound(r, proto)), pre, 'either');
      const out = r.chance(0.5);
      const q = out
        ? buildL4(r, { proto: c.proto, saddr: c.caddr, daddr: c.raddr, sport: c.cport, dport: c.rport, flags: 0x10, optWords: 0, payload: 0 })
        : buildL4(r, { proto: c.proto, saddr: VIP, daddr: c.caddr, sport: c.vport, dport: c.cport, flags: 0x12, optWords: 0, payload: 0 });
      const p = out ? buildIcmpError(r, c.raddr, c.caddr, q) : buildIcmpError(r, 0x0a0a0a01, VIP, q);
      const ihl = (p[0] & 15) * 4;
      p[ihl + 2 + r.int(0, 1)] ^= 1 << r.int(0, 7); // one bit of the ICMP checksum
      return { ...ok(p, out ? post : pre, 'dropped') };
    }
    case 'icmp-error-short-quote': {
      // too little of the offending packet to find its connection: not ours
      const q = inbound(r, proto);
      return ok(buildIcmpError(r, r.u32(), VIP, q, r.int(0, 27)), pre, 'untouched');
    }
    case 'icmp-other': {
      const p = buildIcmpError(r, client(r), VIP, inbound(r, proto));
      p[20] = [0, 8, 13, 14, 9, 10][r.int(0, 5)]; // echo, timestamp, router adverts: not errors
      return ok(p, pre, 'untouched');
    }
    case 'icmp-short': {
      const p = buildIcmpError(r, client(r), VIP, inbound(r, proto));
      const cut = 20 + r.int(0, 7);
      put16(p, 2, cut);
      return ok(p.subarray(0, cut), pre, 'untouched');
    }
    case 'other-proto': {
      const p = inbound(r, 6);
      p[9] = [47, 50, 51, 132, 4, 41, 89, 112, 255][r.int(0, 8)];
      return ok(p, pre, 'untouched');
    }
    case 'ipv6': {
      const p = Buffer.alloc(r.int(1, 80), 0);
      p[0] = 0x60;
      return ok(p, pre, 'untouched');
    }
    case 'bad-version': {
      const p = inbound(r, proto);
      p[0] = (([0, 1, 2, 3, 5, 7, 15][r.int(0, 6)] << 4) | (p[0] & 15)) & 0xff;
      return ok(p, pre, 'untouched');
    }
    case 'empty':
      return ok(Buffer.alloc(0), pre, 'untouched');
    case 'short-ip-header': {
      // ip_rcv drops anything shorter than an IPv4 header
      const p = inbound(r, proto);
      return ok(p.subarray(0, r.int(1, 19)), r.chance(0.5) ? pre : post, 'untouched');
    }
    case 'bad-ihl': {
      const p = inbound(r, proto);
      p[0] = 0x40 | r.int(0, 4);
      return ok(p, pre, 'untouched');
    }
    case 'total-below-ihl': {
      const p = inbound(r, proto);
      put16(p, 2, r.int(0, (p[0] & 15) * 4 - 1));
      return ok(p, pre, 'untouched');
    }
    case 'truncated': {
      // the buffer ends before the total length says: ip_rcv drops it (pskb_trim_rcsum needs the bytes)
      const p = inbound(r, proto, { payload: r.int(1, 600) });
      return ok(p.subarray(0, r.int(20, p.length - 1)), r.chance(0.5) ? pre : post, 'untouched');
    }
    case 'short-tcp':
    case 'short-udp': {
      // a transport header cut short by the total length: tcp_conn_schedule/udp_conn_schedule cannot
      // read it and never schedule it (the local stack discards it: it never reaches a real server)
      const pr: 6 | 17 = cls === 'short-tcp' ? 6 : 17;
      const p = inbound(r, pr, { payload: 0 });
      const ihl = (p[0] & 15) * 4;
      const total = ihl + r.int(0, pr === 6 ? 19 : 7);
      put16(p, 2, total);
      setIpChecksum(p, 0);
      return ok(r.chance(0.5) ? p.subarray(0, total) : p, r.chance(0.5) ? pre : post, 'untouched');
    }
    case 'tcp-doff': {
      const p = inbound(r, 6);
      const ihl = (p[0] & 15) * 4;
      p[ihl + 12] = (r.int(0, 4) << 4) | (p[ihl + 12] & 15);
      return ok(p, pre, 'untouched');
    }
    case 'garbage': {
      const p = Buffer.alloc(r.int(0, 120));
      for (let i = 0; i < p.length; i++) p[i] = r.u32() & 0xff;
      return { packet: p, hook: [pre, post, 1, 2, 3][r.int(0, 4)], expect: 'either', validIp: false, validL4: false };
    }
  }
}

/** A rewritten packet: the datagram (padding cut), right addresses, checksums valid or as bad as before. */
function checkRewrite(cls: FuzzClass, before: Buffer, o: Uint8Array, g: Generated, fail: (what: string) => void): void {
  const total = get16(before, 2);
  if (o.length !== total) return fail(`sent on ${o.length} bytes of a ${total}-byte datagram`);
  if (cls === 'garbage') return; // whatever it parsed as, it did not throw and answered once
  const ihl = (o[0] & 15) * 4;
  const ipOk = residualIp(o, 0) === 0xffff;
  if (g.validIp && !ipOk) fail('IP header checksum broken by the rewrite');
  if (!g.validIp && residualIp(o, 0) !== residualIp(before, 0)) fail('bad IP header checksum not kept as bad as it was');
  if (g.icmp) {
    const inner = 28;
    const qihl = (o[inner] & 15) * 4;
    if (ocSum(o, 20, total, 0) !== 0xffff) fail('ICMP checksum invalid after translation');
    if (residualIp(o, inner) !== 0xffff) fail('quoted IP header checksum invalid after translation');
    const [addrAt, portAt] = g.icmp.dir === 'out' ? [inner + 16, inner + qihl + 2] : [inner + 12, inner + qihl];
    if (get32(o, addrAt) !== g.icmp.addr || get16(o, portAt) !== g.icmp.port) fail('quoted connection not translated');
    if (g.icmp.dir === 'out' && get32(o, 12) !== VIP) fail('ICMP error does not come from the VIP');
    if (g.icmp.dir === 'in' && get32(o, 16) !== g.icmp.addr) fail('ICMP error not sent on to the real server');
    return;
  }
  if (o[9] !== 6 && o[9] !== 17) return fail(`protocol ${o[9]} rewritten`);
  const csAt = ihl + (o[9] === 6 ? 16 : 6);
  const noSum = o[9] === 17 && get16(before, csAt) === 0;
  if (noSum) {
    if (get16(o, csAt) !== 0) fail('UDP without a checksum got one');
  } else if (g.validL4) {
    if (residualL4(o) !== 0xffff) fail('transport checksum broken by the rewrite');
  } else if (norm(residualL4(o)) !== norm(residualL4(before))) fail('bad transport checksum not kept as bad as it was');
  // only the addresses, ports and checksums may change
  const allowed = new Set([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ihl, ihl + 1, ihl + 2, ihl + 3, csAt, csAt + 1]);
  for (let i = 0; i < total; i++) if (o[i] !== before[i] && !allowed.has(i)) return fail(`byte ${i} changed`);
  const post = get32(o, 12) !== get32(before, 12);
  if (post && (get32(o, 12) !== VIP)) fail('reply source not the VIP');
  if (!post && get32(o, 16) !== get32(before, 16) && !RIPS.includes(get32(o, 16))) fail('destination not a real server');
}
