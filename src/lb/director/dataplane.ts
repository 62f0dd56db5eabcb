// The per-packet path: a queued packet is parsed, handed to the IPVS core (inbound at PREROUTING,
// outbound at POSTROUTING), and the core's verdict is carried out — NAT rewrite, DR mark, reject
// mark, drop — and answered to the kernel. Nothing a packet contains may throw out of here: what we
// cannot handle is accepted untouched and counted.
import { AF_INET6, type In6Addr, type PacketHeaders, type Verdict } from '../ipvs/types.js';
import { formatIPv6 } from '../ipvs/addr.js';
import { HOOK_POST_ROUTING, HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, type QueuedPacket } from './nfqueue-codec.js';
import type { VerdictSink } from './nfqueue.js';
import { parsePacket, numberToIp, type Parsed } from './packet.js';
import { rewriteDestination, rewriteIcmpErrorIn, rewriteIcmpErrorOut, rewriteSource } from './rewrite.js';
import { rewriteDestination6, rewriteIcmp6ErrorIn, rewriteIcmp6ErrorOut, rewriteSource6 } from './rewrite6.js';
import { fold, sum16 } from './checksum.js';
import type { DataplaneMode } from './netfilter.js';
import { tunnelPacket, type TunnelEndpoint } from './tunnel.js';

/** The part of the IPVS core the data plane drives (the embedded IPVS in src/lb/ipvs implements it). */
export interface PacketCore {
  inbound(h: PacketHeaders): Verdict;
  outbound(h: PacketHeaders): Verdict;
}

export interface DataplaneStats {
  packets: number;
  inbound: number;
  outbound: number;
  /** rewritten by NAT (either direction) */
  natted: number;
  /** sent on with a DR mark */
  routed: number;
  dropped: number;
  rejected: number;
  /** accepted untouched: not IPVS traffic, or the core said accept */
  untouched: number;
  malformed: number;
  fragments: number;
  icmpErrors: number;
  icmpNatted: number;
  /** ICMP errors about a NAT or TUN connection dropped for a bad ICMP checksum (the kernel's
   * "failed checksum" in handle_response_icmp / ip_vs_in_icmp) */
  icmpBadChecksum: number;
  /** IPIP-encapsulated to a TUN real server */
  tunneled: number;
  /** answered with an ICMP error instead of tunneling (fragmentation needed, time exceeded) */
  tunnelIcmp: number;
  /** verdicts we could not carry out (no mark or tunnel endpoint for a destination yet) */
  unsupported: number;
  /** the core threw: packet accepted untouched */
  coreErrors: number;
  lastError?: string;
}

/** Marks the kernel side understands: see netfilter.ts. */
export interface MarkTable {
  readonly rejectMark: number;
  /** the mark routing to (DR) or DNATing to (offload NAT) a destination, if the rules know it */
  markFor(forwarding: 'masq' | 'route', addr: number, port: number): number | undefined;
  /** the same for an IPv6 destination (its inet_ntop text) */
  markFor6?(forwarding: 'masq' | 'route', addr: string, port: number): number | undefined;
}

/** Tunnel endpoints of TUN destinations (the daemon looks each up once when the services change). */
export interface TunnelTable {
  endpointFor(daddr: number): TunnelEndpoint | undefined;
}

/** The packet as long as its IP header says (the kernel trims to that already, so usually all of it). */
function upTo(p: Buffer, len: number): Buffer {
  return len === p.length ? p : p.subarray(0, len);
}

const NO_TUNNELS: TunnelTable = { endpointFor: () => undefined };

type Via = 'nat' | 'route' | 'tunnel';

interface Binding {
  vaddr: number;
  vport: number;
  daddr: number;
  dport: number;
  via: Via;
}

/**
 * NAT bindings seen on the way in, keyed by protocol + client address + port, so ICMP errors about
 * a connection can be translated without touching the core's state machine. Bounded: the oldest
 * entries go first.
 */
class Bindings {
  private map = new Map<number, Binding>();
  constructor(private readonly max = 1 << 18) {}
  static key(proto: number, caddr: number, cport: number): number {
    return (proto === 6 ? 0x1000000000000 : 0) + caddr * 0x10000 + cport;
  }
  note(key: number, vaddr: number, vport: number, daddr: number, dport: number, via: Via): void {
    const b = this.map.get(key);
    if (b && b.vaddr === vaddr && b.vport === vport && b.daddr === daddr && b.dport === dport && b.via === via) return;
    if (b) this.map.delete(key);
    else if (this.map.size >= this.max) {
      let n = this.max >> 4;
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--n <= 0) break;
      }
    }
    this.map.set(key, { vaddr, vport, daddr, dport, via });
  }
  get(key: number): Binding | undefined {
    return this.map.get(key);
  }
  get size(): number {
    return this.map.size;
  }
}

interface Binding6 {
  vaddr: In6Addr;
  vport: number;
  daddr: In6Addr;
  dport: number;
  via: 'nat' | 'route';
}

/** Bindings of IPv6 clients, as `Bindings` keeps IPv4 ones (bounded the same way). */
class Bindings6 {
  private map = new Map<string, Binding6>();
  constructor(private readonly max = 1 << 16) {}
  static key(proto: number, caddr: In6Addr, cport: number): string {
    return `${proto}|${caddr[0]}|${caddr[1]}|${caddr[2]}|${caddr[3]}|${cport}`;
  }
  note(key: string, b: Binding6): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) {
      let n = this.max >> 4;
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--n <= 0) break;
      }
    }
    // the core may share verdict arrays between packets: keep copies
    this.map.set(key, { ...b, vaddr: Uint32Array.from(b.vaddr), daddr: Uint32Array.from(b.daddr) });
  }
  get(key: string): Binding6 | undefined {
    return this.map.get(key);
  }
  get size(): number {
    return this.map.size;
  }
}

function same6(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export class Dataplane {
  readonly stats: DataplaneStats = {
    packets: 0, inbound: 0, outbound: 0, natted: 0, routed: 0, dropped: 0, rejected: 0, untouched: 0,
    malformed: 0, fragments: 0, icmpErrors: 0, icmpNatted: 0, icmpBadChecksum: 0, tunneled: 0, tunnelIcmp: 0, unsupported: 0, coreErrors: 0,
  };
  private readonly bindings = new Bindings();
  private readonly bindings6 = new Bindings6();
  /** outer IP ids (and ICMP error ids) of packets we build */
  private ident = (Math.random() * 0x10000) | 0;

  constructor(
    private readonly core: PacketCore,
    private readonly marks: MarkTable,
    private readonly mode: DataplaneMode,
    private readonly tunnels: TunnelTable = NO_TUNNELS,
  ) {}

  get bindingCount(): number {
    return this.bindings.size + this.bindings6.size;
  }

  /** Handle one queued packet; always answers it. */
  handle = (q: QueuedPacket, sink: VerdictSink): void => {
    this.stats.packets++;
    const p = q.payload;
    if (!p) return this.untouched(q, sink);
    let parsed: Parsed;
    try {
      parsed = parsePacket(p, q.mark);
    } catch (err) {
      this.stats.malformed++;
      this.stats.lastError = `parse: ${(err as Error).message}`;
      return this.untouched(q, sink);
    }
    switch (parsed.kind) {
      case 'l4':
        return this.l4(q, parsed.h, parsed.ihl, p, sink);
      case 'icmp-error':
        this.stats.icmpErrors++;
        return this.icmpError(q, parsed, p, sink);
      case 'icmp6-error':
        this.stats.icmpErrors++;
        return this.icmp6Error(q, parsed, p, sink);
      case 'fragment':
        this.stats.fragments++;
        return this.untouched(q, sink);
      case 'malformed':
        this.stats.malformed++;
        return this.untouched(q, sink);
      default:
        return this.untouched(q, sink);
    }
  };

  private untouched(q: QueuedPacket, sink: VerdictSink): void {
    this.stats.untouched++;
    sink.verdict(q.id, NF_ACCEPT, null, null);
  }

  private l4(q: QueuedPacket, h: PacketHeaders, ihl: number, p: Buffer, sink: VerdictSink): void {
    const outbound = q.hook === HOOK_POST_ROUTING;
    if (!outbound && q.hook !== HOOK_PRE_ROUTING) return this.untouched(q, sink);
    let v: Verdict;
    try {
      if (outbound) {
        this.stats.outbound++;
        v = this.core.outbound(h);
      } else {
        this.stats.inbound++;
        v = this.core.inbound(h);
      }
    } catch (err) {
      this.stats.coreErrors++;
      this.stats.lastError = `core: ${(err as Error).message}`;
      return this.untouched(q, sink);
    }
    if (h.af === AF_INET6) return this.l4v6(q, h, ihl, p, v, sink);
    switch (v.action) {
      case 'accept':
        return this.untouched(q, sink);
      case 'drop':
        this.stats.dropped++;
        return sink.verdict(q.id, NF_DROP, null, null);
      case 'reject':
        // filter/INPUT answers marked packets with ICMP port unreachable (the kernel's icmp_send)
        this.stats.rejected++;
        return sink.verdict(q.id, NF_ACCEPT, this.marks.rejectMark, null);
      case 'dnat': {
        const key = Bindings.key(h.proto, h.saddr, h.sport);
        this.bindings.note(key, h.daddr, h.dport, v.daddr, v.dport, 'nat');
        if (this.mode === 'offload') {
          const mark = this.marks.markFor('masq', v.daddr, v.dport);
          if (mark === undefined) return this.unsupported(q, sink, `no DNAT mark for ${numberToIp(v.daddr)}:${v.dport}`);
          this.stats.natted++;
          return sink.verdict(q.id, NF_ACCEPT, mark, null);
        }
        rewriteDestination(p, ihl, h.proto, v.daddr, v.dport);
        this.stats.natted++;
        return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, h.length));
      }
      case 'snat':
        rewriteSource(p, ihl, h.proto, v.saddr, v.sport);
        this.stats.natted++;
        return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, h.length));
      case 'route': {
        const mark = this.marks.markFor('route', v.daddr, h.dport);
        if (mark === undefined) return this.unsupported(q, sink, `no route mark for ${numberToIp(v.daddr)}`);
        this.bindings.note(Bindings.key(h.proto, h.saddr, h.sport), h.daddr, h.dport, v.daddr, h.dport, 'route');
        this.stats.routed++;
        return sink.verdict(q.id, NF_ACCEPT, mark, null);
      }
      case 'tunnel':
        if (q.hook !== HOOK_PRE_ROUTING) return this.unsupported(q, sink, 'tunnel verdict for a packet not queued at PREROUTING');
        this.bindings.note(Bindings.key(h.proto, h.saddr, h.sport), h.daddr, h.dport, v.daddr, h.dport, 'tunnel');
        return this.tunnel(q, p, h.length, v.daddr, sink);
    }
  }

  /**
   * The verdict on an IPv6 packet: as for IPv4 (offload included: the mark selects the kernel's DNAT
   * in the `ip6 lvslab` table), but TUN to an IPv6 destination is not carried out (dropped as
   * unsupported, so it never reaches the wrong place).
   */
  private l4v6(q: QueuedPacket, h: PacketHeaders, l4: number, p: Buffer, v: Verdict, sink: VerdictSink): void {
    switch (v.action) {
      case 'accept':
        return this.untouched(q, sink);
      case 'drop':
        this.stats.dropped++;
        return sink.verdict(q.id, NF_DROP, null, null);
      case 'reject':
        this.stats.rejected++;
        return sink.verdict(q.id, NF_ACCEPT, this.marks.rejectMark, null);
      case 'dnat': {
        if (!v.daddr6) return this.unsupported(q, sink, 'an IPv4 NAT verdict for an IPv6 packet');
        this.bindings6.note(Bindings6.key(h.proto, h.saddr6!, h.sport), { vaddr: h.daddr6!, vport: h.dport, daddr: v.daddr6, dport: v.dport, via: 'nat' });
        if (this.mode === 'offload') {
          const addr = formatIPv6(v.daddr6);
          const mark = this.marks.markFor6?.('masq', addr, v.dport);
          if (mark === undefined) return this.unsupported(q, sink, `no DNAT mark for [${addr}]:${v.dport}`);
          this.stats.natted++;
          return sink.verdict(q.id, NF_ACCEPT, mark, null);
        }
        rewriteDestination6(p, l4, h.proto, v.daddr6, v.dport);
        this.stats.natted++;
        return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, h.length));
      }
      case 'snat':
        if (!v.saddr6) return this.unsupported(q, sink, 'an IPv4 NAT verdict for an IPv6 packet');
        rewriteSource6(p, l4, h.proto, v.saddr6, v.sport);
        this.stats.natted++;
        return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, h.length));
      case 'route': {
        if (!v.daddr6) return this.unsupported(q, sink, 'an IPv4 DR verdict for an IPv6 packet');
        const addr = formatIPv6(v.daddr6);
        const mark = this.marks.markFor6?.('route', addr, h.dport);
        if (mark === undefined) return this.unsupported(q, sink, `no route mark for ${addr}`);
        this.bindings6.note(Bindings6.key(h.proto, h.saddr6!, h.sport), { vaddr: h.daddr6!, vport: h.dport, daddr: v.daddr6, dport: h.dport, via: 'route' });
        this.stats.routed++;
        return sink.verdict(q.id, NF_ACCEPT, mark, null);
      }
      case 'tunnel':
        return this.unsupported(q, sink, `no IPv6 tunnelling (${v.daddr6 ? formatIPv6(v.daddr6) : 'an IPv4 real server'})`);
    }
  }

  /**
   * IPIP to a TUN real server: the longer packet replaces the queued one and the kernel routes it by
   * its new destination (routing comes after mangle PREROUTING). A packet that cannot go gets the
   * ICMP error the kernel would send, in its place (routed back to the client the same way).
   */
  private tunnel(q: QueuedPacket, p: Buffer, len: number, daddr: number, sink: VerdictSink): void {
    const ep = this.tunnels.endpointFor(daddr);
    if (!ep) return this.unsupported(q, sink, `no tunnel endpoint for ${numberToIp(daddr)} (no route to it?)`);
    this.ident = (this.ident + 1) & 0xffff;
    const r = tunnelPacket(p, len, ep, daddr, this.ident);
    switch (r.kind) {
      case 'encapsulated':
        this.stats.tunneled++;
        return sink.verdict(q.id, NF_ACCEPT, null, r.packet);
      case 'too-big':
      case 'ttl-expired':
        this.stats.tunnelIcmp++;
        return sink.verdict(q.id, NF_ACCEPT, null, r.icmp);
      case 'drop':
        this.stats.dropped++;
        this.stats.lastError = `tunnel to ${numberToIp(daddr)}: ${r.reason}`;
        return sink.verdict(q.id, NF_DROP, null, null);
    }
  }

  /** A verdict we cannot carry out: drop, so the client retransmits rather than reach the wrong place. */
  private unsupported(q: QueuedPacket, sink: VerdictSink, why: string): void {
    this.stats.unsupported++;
    this.stats.lastError = why;
    sink.verdict(q.id, NF_DROP, null, null);
  }

  /**
   * ICMPv6 errors about a connection (ip_vs_in_icmp_v6 / ip_vs_out_icmp_v6): "packet too big",
   * "unreachable" and the rest follow the connection's NAT both ways, or its DR route inwards. One
   * leaving the director quotes client -> RIP: a real server's own, or one the director's stack
   * made while forwarding (too big for the internal link), which keeps the director's address.
   */
  private icmp6Error(q: QueuedPacket, e: Extract<Parsed, { kind: 'icmp6-error' }>, p: Buffer, sink: VerdictSink): void {
    const i = e.inner;
    if (q.hook === HOOK_POST_ROUTING) {
      const b = this.bindings6.get(Bindings6.key(i.proto, i.saddr6, i.sport));
      if (!b || b.via !== 'nat' || !same6(b.daddr, i.daddr6) || b.dport !== i.dport) return this.untouched(q, sink);
      rewriteIcmp6ErrorOut(p, e.icmpOff, e.length, i, b.vaddr, b.vport);
      this.stats.icmpNatted++;
      return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, e.length));
    }
    if (q.hook === HOOK_PRE_ROUTING) {
      // for the VIP: it quotes VIP:vport -> client
      const b = this.bindings6.get(Bindings6.key(i.proto, i.daddr6, i.dport));
      if (!b || !same6(b.vaddr, i.saddr6) || b.vport !== i.sport) return this.untouched(q, sink);
      if (b.via === 'route') {
        const mark = this.marks.markFor6?.('route', formatIPv6(b.daddr), b.dport);
        if (mark === undefined) return this.untouched(q, sink);
        this.stats.icmpNatted++;
        return sink.verdict(q.id, NF_ACCEPT, mark, null);
      }
      rewriteIcmp6ErrorIn(p, e.icmpOff, e.length, i, b.daddr, b.dport);
      this.stats.icmpNatted++;
      return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, e.length));
    }
    return this.untouched(q, sink);
  }

  /** An ICMP error about one of our connections whose checksum is wrong: the kernel drops it. */
  private badChecksum(q: QueuedPacket, sink: VerdictSink): void {
    this.stats.icmpBadChecksum++;
    this.stats.dropped++;
    sink.verdict(q.id, NF_DROP, null, null);
  }

  private icmpError(q: QueuedPacket, e: Extract<Parsed, { kind: 'icmp-error' }>, p: Buffer, sink: VerdictSink): void {
    const i = e.inner;
    if (q.hook === HOOK_POST_ROUTING) {
      // from a real server: it quotes client -> RIP:rport
      const b = this.bindings.get(Bindings.key(i.proto, i.saddr, i.sport));
      if (!b || b.via !== 'nat' || b.daddr !== i.daddr || b.dport !== i.dport) return this.untouched(q, sink);
      if (!icmpChecksumOk(p, e.ihl, e.length)) return this.badChecksum(q, sink);
      rewriteIcmpErrorOut(p, e.ihl, i, b.vaddr, b.vport);
      this.stats.icmpNatted++;
      return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, e.length));
    }
    if (q.hook === HOOK_PRE_ROUTING) {
      // for the VIP: it quotes VIP:vport -> client
      const b = this.bindings.get(Bindings.key(i.proto, i.daddr, i.dport));
      if (!b || b.vaddr !== i.saddr || b.vport !== i.sport) return this.untouched(q, sink);
      // ip_vs_in_icmp verifies the checksum for MASQ and tunnel connections only (DR passes as is)
      if (b.via !== 'route' && !icmpChecksumOk(p, e.ihl, e.length)) return this.badChecksum(q, sink);
      if (b.via === 'tunnel') {
        // ip_vs_icmp_xmit hands errors about TUN connections to the tunnel transmitter as they are
        this.stats.icmpNatted++;
        return this.tunnel(q, p, e.length, b.daddr, sink);
      }
      if (b.via === 'route') {
        const mark = this.marks.markFor('route', b.daddr, b.dport);
        if (mark === undefined) return this.untouched(q, sink);
        this.stats.icmpNatted++;
        return sink.verdict(q.id, NF_ACCEPT, mark, null);
      }
      rewriteIcmpErrorIn(p, e.ihl, i, b.daddr, b.dport);
      this.stats.icmpNatted++;
      return sink.verdict(q.id, NF_ACCEPT, null, upTo(p, e.length));
    }
    return this.untouched(q, sink);
  }
}

/** The ICMP message in p[ihl, length) sums to 0xffff with its own checksum field, as RFC 1071 checks. */
function icmpChecksumOk(p: Uint8Array, ihl: number, length: number): boolean {
  return fold(sum16(p, ihl, length)) === 0xffff;
}
