// IPv6 on the data plane: parsing past extension headers, NAT rewriting with the IPv6 pseudo-header,
// ICMPv6 errors of a connection both ways, and a fuzz-like round of malformed IPv6 packets.
import { describe, expect, it } from 'vitest';
import { formatIPv6, parseIPv6 } from '../ipvs/addr.js';
import { AF_INET6, type PacketHeaders, type Verdict } from '../ipvs/types.js';
import { l4Checksum6, update128 } from './checksum.js';
import { Dataplane, type PacketCore } from './dataplane.js';
import { DestMarks } from './marks.js';
import { HOOK_POST_ROUTING, HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, type QueuedPacket } from './nfqueue-codec.js';
import type { VerdictSink } from './nfqueue.js';
import { parsePacket, readU16 } from './packet.js';
import { ICMPV6_DEST_UNREACH, ICMPV6_PKT_TOOBIG, parsePacket6 } from './packet6.js';
import { rewriteDestination6, rewriteSource6 } from './rewrite6.js';
import { craft6, craftIcmp6Error, l4Offset6 } from '../../../test/director/craft6.js';
import { FuzzRandom } from '../../../test/director/fuzz.js';

const CLIENT = '2001:db8::100';
const VIP = '2001:db8::112';
const RIP = 'fd00::101';

/** The transport checksum of a packet is what a receiver computes. */
function l4Valid(p: Buffer, l4: number): boolean {
  const proto = p[l4 === 40 ? 6 : 40]; // crafted packets here have at most one extension header
  const csAt = proto === 6 ? 16 : proto === 17 ? 6 : 2;
  return readU16(p, l4 + csAt) === l4Checksum6(p, 0, l4, p.length - l4, proto, csAt);
}

describe('parsePacket (IPv6)', () => {
  it('reads addresses, ports, flags and length of TCP and UDP', () => {
    const r = parsePacket(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40000, dport: 80, flags: 0x02, payload: Buffer.from('hello') }), 7);
    expect(r.kind).toBe('l4');
    if (r.kind !== 'l4') return;
    expect([r.h.af, formatIPv6(r.h.saddr6!), formatIPv6(r.h.daddr6!), r.h.sport, r.h.dport, r.h.tcpFlags, r.h.length, r.h.fwmark, r.ihl]).toEqual([AF_INET6, CLIENT, VIP, 40000, 80, 0x02, 40 + 20 + 5, 7, 40]);
    const u = parsePacket(craft6({ proto: 17, src: CLIENT, dst: VIP, sport: 5, dport: 9999 }));
    expect(u.kind === 'l4' && [u.h.proto, u.h.dport, u.h.tcpFlags]).toEqual([17, 9999, 0]);
  });

  it('walks hop-by-hop, destination options and routing headers to the transport header', () => {
    const ext = [{ type: 0 as const }, { type: 60 as const }, { type: 43 as const }];
    const r = parsePacket6(craft6({ proto: 17, src: CLIENT, dst: VIP, sport: 5, dport: 9999, ext }));
    expect(r.kind === 'l4' && [r.ihl, r.h.dport]).toEqual([l4Offset6({ ext }), 9999]);
  });

  it('a first fragment is parsed (and says so), a later one is a fragment', () => {
    const first = parsePacket6(craft6({ proto: 17, src: CLIENT, dst: VIP, sport: 5, dport: 9999, ext: [{ type: 44, more: true }] }));
    expect(first.kind === 'l4' && first.fragment).toBe(true);
    expect(parsePacket6(craft6({ proto: 17, src: CLIENT, dst: VIP, sport: 5, dport: 9999, ext: [{ type: 44, offset: 100 }] })).kind).toBe('fragment');
  });

  it('classifies truncated headers, bad offsets and other protocols', () => {
    const p = craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 1, dport: 80 });
    expect(parsePacket6(p.subarray(0, 39))).toEqual({ kind: 'malformed', reason: 'truncated IPv6 header (39 bytes)' });
    expect(parsePacket6(p.subarray(0, 50))).toEqual({ kind: 'malformed', reason: 'truncated: IPv6 length 60, have 50' });
    const short = Buffer.from(p);
    short.writeUInt16BE(10, 4);
    expect(parsePacket6(short)).toEqual({ kind: 'malformed', reason: 'truncated TCP header (10 bytes)' });
    const doff = Buffer.from(p);
    doff[52] = 4 << 4;
    expect(parsePacket6(doff)).toEqual({ kind: 'malformed', reason: 'TCP data offset below 5' });
    const ext = craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 1, dport: 80, ext: [{ type: 60 }] });
    ext[41] = 200; // claims 1608 bytes of options
    expect(parsePacket6(ext)).toEqual({ kind: 'malformed', reason: 'truncated IPv6 extension header 60' });
    const other = Buffer.from(p);
    other[6] = 132; // SCTP
    expect(parsePacket6(other).kind).toBe('other');
    const echo = Buffer.from(p);
    echo[6] = 58;
    echo[40] = 128; // echo request: no error
    expect(parsePacket6(echo).kind).toBe('other');
  });

  it('finds the quoted connection inside ICMPv6 errors', () => {
    const offending = craft6({ proto: 6, src: CLIENT, dst: RIP, sport: 40000, dport: 80, payload: Buffer.alloc(1400) });
    const e = parsePacket6(craftIcmp6Error('fd00::103', CLIENT, ICMPV6_PKT_TOOBIG, 0, offending, 1280));
    expect(e.kind).toBe('icmp6-error');
    if (e.kind !== 'icmp6-error') return;
    expect([e.icmpType, e.icmpOff, formatIPv6(e.inner.saddr6), formatIPv6(e.inner.daddr6), e.inner.sport, e.inner.dport, e.inner.ipOff, e.inner.l4Off]).toEqual([2, 40, CLIENT, RIP, 40000, 80, 48, 88]);
    expect(parsePacket6(craftIcmp6Error(RIP, CLIENT, ICMPV6_DEST_UNREACH, 4, offending.subarray(0, 30)))).toEqual({ kind: 'malformed', reason: 'ICMPv6 error quotes a truncated IPv6 header (30 bytes)' });
    expect(parsePacket6(craftIcmp6Error(RIP, CLIENT, ICMPV6_DEST_UNREACH, 4, offending.subarray(0, 44)))).toEqual({ kind: 'malformed', reason: 'ICMPv6 error quotes too little of the offending packet' });
  });
});

describe('IPv6 checksums and NAT rewrite', () => {
  it('update128 patches a checksum as recomputing it would', () => {
    const p = craft6({ proto: 17, src: CLIENT, dst: VIP, sport: 5, dport: 9999, payload: Buffer.from('abc') });
    const before = readU16(p, 46);
    const to = parseIPv6(RIP);
    const patched = update128(before, p, 24, to);
    p.set(Buffer.from(to.buffer.slice(0)).swap32(), 24);
    expect(patched).toBe(l4Checksum6(p, 0, 40, p.length - 40, 17, 6));
  });

  for (const proto of [6, 17] as const) {
    it(`${proto === 6 ? 'TCP' : 'UDP'}: destination in, source out, ports too, checksums valid (behind an extension header)`, () => {
      const ext = [{ type: 60 as const }];
      const p = craft6({ proto, src: CLIENT, dst: VIP, sport: 40000, dport: 80, ext, payload: Buffer.from('GET / HTTP/1.1\r\n') });
      rewriteDestination6(p, 48, proto, parseIPv6(RIP), 8080);
      const a = parsePacket6(p);
      expect(a.kind === 'l4' && [formatIPv6(a.h.saddr6!), formatIPv6(a.h.daddr6!), a.h.dport]).toEqual([CLIENT, RIP, 8080]);
      expect(l4Valid(p, 48)).toBe(true);
      const r = craft6({ proto, src: RIP, dst: CLIENT, sport: 8080, dport: 40000, flags: 0x12 });
      rewriteSource6(r, 40, proto, parseIPv6(VIP), 80);
      const b = parsePacket6(r);
      expect(b.kind === 'l4' && [formatIPv6(b.h.saddr6!), b.h.sport]).toEqual([VIP, 80]);
      expect(l4Valid(r, 40)).toBe(true);
    });
  }
});

interface Answer { id: number; verdict: number; mark: number | null; payload: Buffer | null }

function sink(): VerdictSink & { answers: Answer[] } {
  const answers: Answer[] = [];
  return { answers, verdict: (id, verdict, mark, payload) => answers.push({ id, verdict, mark, payload: payload ? Buffer.from(payload) : null }) };
}

function scripted(fn: (h: PacketHeaders, dir: 'in' | 'out') => Verdict): PacketCore {
  return { inbound: (h) => fn(h, 'in'), outbound: (h) => fn(h, 'out') };
}

function marks6(): DestMarks {
  const m = new DestMarks(0x100);
  m.sync([{ key: { kind: 'tcp', addr: VIP, port: 80 }, dests: [{ addr: RIP, port: 80, forwarding: 'masq' }, { addr: 'fd00::102', port: 80, forwarding: 'route' }] }]);
  return m;
}

const q = (payload: Buffer | null, hook = HOOK_PRE_ROUTING, id = 1): QueuedPacket => ({ id, hook, mark: 0, indev: 0, outdev: 0, payload });

describe('Dataplane (IPv6)', () => {
  const nat = scripted((_h, dir) => (dir === 'in' ? { action: 'dnat', daddr: 0, daddr6: parseIPv6(RIP), dport: 80 } : { action: 'snat', saddr: 0, saddr6: parseIPv6(VIP), sport: 80 }));

  it('NAT both ways with valid checksums', () => {
    const dp = new Dataplane(nat, marks6(), 'per-packet');
    const s = sink();
    dp.handle(q(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40000, dport: 80 }), HOOK_PRE_ROUTING, 1), s);
    dp.handle(q(craft6({ proto: 6, src: RIP, dst: CLIENT, sport: 80, dport: 40000, flags: 0x12 }), HOOK_POST_ROUTING, 2), s);
    expect(s.answers.map((a) => [a.id, a.verdict, a.mark])).toEqual([[1, NF_ACCEPT, null], [2, NF_ACCEPT, null]]);
    const [a, b] = s.answers.map((x) => parsePacket6(x.payload!));
    expect(a.kind === 'l4' && formatIPv6(a.h.daddr6!)).toBe(RIP);
    expect(b.kind === 'l4' && formatIPv6(b.h.saddr6!)).toBe(VIP);
    expect(l4Valid(s.answers[0].payload!, 40) && l4Valid(s.answers[1].payload!, 40)).toBe(true);
    expect(dp.stats.natted).toBe(2);
  });

  it('offload: NAT becomes the destination\'s DNAT mark, packet untouched; an unknown destination is dropped, not misrouted', () => {
    const verdicts: Verdict[] = [
      { action: 'dnat', daddr: 0, daddr6: parseIPv6(RIP), dport: 80 },
      { action: 'dnat', daddr: 0, daddr6: parseIPv6('fd00::199'), dport: 80 },
    ];
    const dp = new Dataplane(scripted(() => verdicts.shift()!), marks6(), 'offload');
    const s = sink();
    dp.handle(q(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40000, dport: 80 }), HOOK_PRE_ROUTING, 1), s);
    dp.handle(q(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40001, dport: 80 }), HOOK_PRE_ROUTING, 2), s);
    expect(s.answers.map((a) => [a.id, a.verdict, a.mark, a.payload])).toEqual([[1, NF_ACCEPT, 0x101, null], [2, NF_DROP, null, null]]);
    expect(dp.stats.natted).toBe(1);
    expect(dp.stats.unsupported).toBe(1);
    expect(dp.stats.lastError).toBe('no DNAT mark for [fd00::199]:80');
  });

  it('ICMPv6 packet too big from the director about a NATed packet quotes client -> VIP again; an unreachable for the VIP reaches the real server', () => {
    const dp = new Dataplane(nat, marks6(), 'per-packet');
    const s = sink();
    dp.handle(q(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40000, dport: 80 })), s);
    // the director could not forward the rewritten packet (client -> RIP) and says so from its own address
    const big = craftIcmp6Error('2001:db8::110', CLIENT, ICMPV6_PKT_TOOBIG, 0, craft6({ proto: 6, src: CLIENT, dst: RIP, sport: 40000, dport: 80, payload: Buffer.alloc(1300) }), 1280);
    dp.handle(q(big, HOOK_POST_ROUTING, 2), s);
    const out = parsePacket6(s.answers[1].payload!);
    expect(out.kind).toBe('icmp6-error');
    if (out.kind !== 'icmp6-error') return;
    expect([formatIPv6(out.saddr6), formatIPv6(out.inner.saddr6), formatIPv6(out.inner.daddr6), out.inner.dport]).toEqual(['2001:db8::110', CLIENT, VIP, 80]);
    expect(readU16(s.answers[1].payload!, 42)).toBe(l4Checksum6(s.answers[1].payload!, 0, 40, s.answers[1].payload!.length - 40, 58, 2));
    // the real server's own unreachable comes from the VIP
    dp.handle(q(craftIcmp6Error(RIP, CLIENT, ICMPV6_DEST_UNREACH, 4, craft6({ proto: 6, src: CLIENT, dst: RIP, sport: 40000, dport: 80 })), HOOK_POST_ROUTING, 3), s);
    const un = parsePacket6(s.answers[2].payload!);
    expect(un.kind === 'icmp6-error' && [formatIPv6(un.saddr6), formatIPv6(un.inner.daddr6)]).toEqual([VIP, VIP]);
    // the client's unreachable about a reply (VIP:80 -> client) goes on to the real server
    dp.handle(q(craftIcmp6Error(CLIENT, VIP, ICMPV6_DEST_UNREACH, 4, craft6({ proto: 6, src: VIP, dst: CLIENT, sport: 80, dport: 40000 })), HOOK_PRE_ROUTING, 4), s);
    const inb = parsePacket6(s.answers[3].payload!);
    expect(inb.kind === 'icmp6-error' && [formatIPv6(inb.daddr6), formatIPv6(inb.inner.saddr6), inb.inner.sport]).toEqual([RIP, RIP, 80]);
    expect(dp.stats.icmpNatted).toBe(3);
    // about a connection we never saw: untouched
    dp.handle(q(craftIcmp6Error(RIP, CLIENT, ICMPV6_DEST_UNREACH, 4, craft6({ proto: 6, src: CLIENT, dst: RIP, sport: 1, dport: 80 })), HOOK_POST_ROUTING, 5), s);
    expect(s.answers[4]).toMatchObject({ verdict: NF_ACCEPT, payload: null });
  });

  it('DR marks by the IPv6 real server; TUN to IPv6 and a family mismatch are dropped as unsupported', () => {
    const verdicts: Verdict[] = [
      { action: 'route', daddr: 0, daddr6: parseIPv6('fd00::102') },
      { action: 'tunnel', daddr: 0, daddr6: parseIPv6('fd00::102') },
      { action: 'dnat', daddr: 1, dport: 80 },
    ];
    const dp = new Dataplane(scripted(() => verdicts.shift()!), marks6(), 'per-packet');
    const s = sink();
    for (let i = 0; i < 3; i++) dp.handle(q(craft6({ proto: 6, src: CLIENT, dst: VIP, sport: 40000 + i, dport: 80 }), HOOK_PRE_ROUTING, i), s);
    expect(s.answers.map((a) => [a.verdict, a.mark])).toEqual([[NF_ACCEPT, marks6().markFor6('route', 'fd00::102', 80)], [NF_DROP, null], [NF_DROP, null]]);
    expect(dp.stats.unsupported).toBe(2);
  });
});

describe('malformed IPv6 packets, fuzz-like', () => {
  // Valid packets of every shape, then cut, bit-flipped and length-lied: the parser classifies each
  // without throwing or reading past the end, and the data plane answers each exactly once.
  const SEED = Number(process.env.LVSLAB_FUZZ_SEED ?? 6);
  const COUNT = Number(process.env.LVSLAB_FUZZ_COUNT ?? 5_000);
  const shapes = (r: FuzzRandom): Buffer => {
    const proto = r.int(0, 1) ? 6 : 17;
    const inner = craft6({ proto, src: CLIENT, dst: RIP, sport: 40000, dport: 80, payload: Buffer.alloc(r.int(0, 64)) });
    switch (r.int(0, 3)) {
      case 0:
        return craft6({ proto, src: CLIENT, dst: VIP, sport: r.int(1, 65535), dport: 80, payload: Buffer.alloc(r.int(0, 100)) });
      case 1:
        return craft6({ proto, src: CLIENT, dst: VIP, sport: 1, dport: 80, ext: [{ type: 0 }, { type: 44, more: r.int(0, 1) === 1, offset: r.int(0, 1) * r.int(1, 100) }, { type: 60 }] });
      case 2:
        return craftIcmp6Error(RIP, CLIENT, r.int(1, 4), 0, inner.subarray(0, r.int(0, inner.length)));
      default:
        return craftIcmp6Error(CLIENT, VIP, ICMPV6_PKT_TOOBIG, 0, craft6({ proto, src: VIP, dst: CLIENT, sport: 80, dport: 40000, ext: [{ type: 43 }] }), 1280);
    }
  };

  it(`${COUNT} packets (seed ${SEED}): classified, in bounds, answered once`, () => {
    const r = new FuzzRandom(SEED);
    const dp = new Dataplane(nat6(), marks6(), 'per-packet');
    const kinds: Record<string, number> = {};
    const failures: string[] = [];
    let answers = 0;
    const s: VerdictSink = { verdict: () => void answers++ };
    for (let i = 0; i < COUNT; i++) {
      const p = shapes(r);
      switch (r.int(0, 4)) {
        case 0: break; // intact
        case 1: p.writeUInt16BE(r.int(0, 0xffff), 4); break; // payload length lies
        case 2: for (let k = r.int(1, 4); k > 0; k--) p[r.int(0, p.length - 1)] ^= 1 << r.int(0, 7); break;
        case 3: p[r.int(6, Math.min(p.length - 1, 60))] = [0, 43, 44, 51, 60, 58, 59][r.int(0, 6)]; break; // a next header anywhere
        default: break;
      }
      const cut = r.int(0, 3) === 0 ? p.subarray(0, r.int(0, p.length)) : p;
      const bad = (why: string) => failures.length < 10 && failures.push(`#${i} ${why}: ${cut.toString('hex')}`);
      let x: ReturnType<typeof parsePacket>;
      try {
        x = parsePacket(cut);
      } catch (err) {
        bad(`threw ${(err as Error).message}`);
        continue;
      }
      kinds[x.kind] = (kinds[x.kind] ?? 0) + 1;
      if (x.kind === 'l4') {
        if (![x.h.sport, x.h.dport, x.h.tcpFlags, x.ihl].every(Number.isInteger)) bad('a field read past the end');
        if (x.ihl + (x.h.proto === 6 ? 20 : 8) > cut.length || x.h.length > cut.length) bad('transport header beyond the packet');
      }
      if (x.kind === 'icmp6-error') {
        if (x.inner.l4Off + 8 > cut.length) bad('quoted header beyond the packet');
        if (![...x.inner.saddr6, ...x.inner.daddr6, x.inner.sport, x.inner.dport].every(Number.isInteger)) bad('a quoted field read past the end');
      }
      const before = answers;
      dp.handle(q(Buffer.from(cut), r.int(0, 1) ? HOOK_PRE_ROUTING : HOOK_POST_ROUTING, i), s);
      if (answers !== before + 1) bad(`answered ${answers - before} times`);
    }
    expect(failures).toEqual([]);
    for (const k of ['l4', 'icmp6-error', 'fragment', 'malformed', 'other']) expect(kinds[k], k).toBeGreaterThan(0);
    expect(dp.stats.coreErrors).toBe(0);
  });
});

function nat6(): PacketCore {
  return scripted((_h, dir) => (dir === 'in' ? { action: 'dnat', daddr: 0, daddr6: parseIPv6(RIP), dport: 80 } : { action: 'snat', saddr: 0, saddr6: parseIPv6(VIP), sport: 80 }));
}
