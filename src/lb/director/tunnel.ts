// LVS-TUN forwarding (IPIP) as the kernel's ip_vs_tunnel_xmit does it, for a packet queued at mangle
// PREROUTING: the returned bytes replace the packet in the NFQUEUE verdict, and the kernel then
// routes it by its new (outer) destination, the real server.
//
// Kernel facts (net/netfilter/ipvs/ip_vs_xmit.c, __ip_vs_get_out_rt / ip_vs_prepare_tunneled_skb /
// ip_vs_tunnel_xmit, ensure_mtu_is_adequate; net/ipv4/icmp.c icmp_send):
//  - the inner TTL is decremented first (decrement_ttl); at TTL <= 1 the client gets ICMP time
//    exceeded instead; the inner header checksum is fixed;
//  - the usable MTU is the route's MTU minus the 20-byte outer header (below 68: drop);
//  - with DF set, a non-ICMP packet longer than that MTU is not sent: the client gets ICMP
//    destination unreachable / fragmentation needed carrying that MTU;
//  - outer header: version 4, IHL 5, TOS = inner TOS, total length = inner + 20, DF = the inner DF
//    (no MF, offset 0), TTL = inner TTL (after the decrement), protocol 4 (IPIP), saddr = the
//    director's source address toward the real server, daddr = RIP, id = 0 with DF (ip_select_ident
//    without a socket) and a fresh id without it.
//
// One difference is forced by where we sit: the kernel sends the tunnel packet with ip_local_out,
// while ours is forwarded by the director's kernel, which takes one off the outer TTL (and off the
// TTL of the ICMP errors we build). So every TTL we write is the kernel's value plus FORWARD_HOP,
// and the wire carries exactly the kernel's value.
import { finish, ipHeaderChecksum, sum16, update16 } from './checksum.js';
import { IPPROTO_ICMP, readU16, readU32, writeU16, writeU32 } from './packet.js';

export const IPPROTO_IPIP = 4;
/** the outer IPv4 header the tunnel adds */
export const IPIP_OVERHEAD = 20;
/** the director's forwarding path decrements every TTL we write once */
export const FORWARD_HOP = 1;
/** ICMP errors are sent with the default TTL (net.ipv4.ip_default_ttl) */
export const ICMP_TTL = 64;
/** icmp_send quotes as much of the offending packet as fits in 576 bytes */
const ICMP_MAX_LEN = 576;
const IP_DF = 0x4000;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;
const ICMP_TIME_EXCEEDED = 11;
/** IPTOS_TOS_MASK and IPTOS_PREC_INTERNETCONTROL: the TOS icmp_send gives errors */
const IPTOS_TOS_MASK = 0x1e;
const IPTOS_PREC_INTERNETCONTROL = 0xc0;

/** Where tunnel packets to one real server leave from: looked up once per destination. */
export interface TunnelEndpoint {
  /** the director's source address on the route to the real server (host order) */
  saddr: number;
  /** the MTU of that route */
  mtu: number;
}

export type TunnelResult =
  | { kind: 'encapsulated'; packet: Buffer }
  /** DF set and too long for the tunnel: `icmp` goes back to the client instead */
  | { kind: 'too-big'; icmp: Buffer; mtu: number }
  /** the inner TTL ran out: `icmp` (time exceeded) goes back to the client instead */
  | { kind: 'ttl-expired'; icmp: Buffer }
  /** the kernel drops it silently: the route leaves < 68 bytes inside the tunnel, or an ICMP error ran out of TTL */
  | { kind: 'drop'; reason: string };

/**
 * Encapsulate the IPv4 packet p[0, len) to `daddr` through `ep`. `ident` is used as the outer IP id
 * when DF is clear (and for ICMP errors); callers pass a running counter. p is not modified.
 */
export function tunnelPacket(p: Uint8Array, len: number, ep: TunnelEndpoint, daddr: number, ident: number): TunnelResult {
  const ttl = p[8];
  if (ttl <= 1) {
    // icmp_send never answers an ICMP error with another
    if (p[9] === IPPROTO_ICMP) return { kind: 'drop', reason: 'ICMP error with TTL exhausted' };
    return { kind: 'ttl-expired', icmp: buildIcmpError(p, len, ICMP_TIME_EXCEEDED, 0, 0, ident) };
  }
  const mtu = ep.mtu - IPIP_OVERHEAD;
  if (mtu < 68) return { kind: 'drop', reason: `the route leaves ${mtu} bytes inside the tunnel (< 68)` };
  const df = readU16(p, 6) & IP_DF;
  if (df && len > mtu && p[9] !== IPPROTO_ICMP) {
    // the kernel decremented the TTL before the MTU check, so the quote shows it decremented
    const seen = Buffer.from(p.subarray(0, len));
    decrementTtl(seen, 0);
    return { kind: 'too-big', icmp: buildIcmpError(seen, len, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu, ident), mtu };
  }
  const out = Buffer.allocUnsafe(len + IPIP_OVERHEAD);
  out.set(p.subarray(0, len), IPIP_OVERHEAD);
  decrementTtl(out, IPIP_OVERHEAD);
  out[0] = 0x45;
  out[1] = p[1];
  writeU16(out, 2, len + IPIP_OVERHEAD);
  writeU16(out, 4, df ? 0 : ident & 0xffff);
  writeU16(out, 6, df);
  out[8] = ttl - 1 + FORWARD_HOP;
  out[9] = IPPROTO_IPIP;
  writeU16(out, 10, 0);
  writeU32(out, 12, ep.saddr);
  writeU32(out, 16, daddr);
  writeU16(out, 10, ipHeaderChecksum(out, 0, 20));
  return { kind: 'encapsulated', packet: out };
}

/** ip_decrease_ttl: TTL - 1 with the header checksum patched (TTL shares a word with the protocol). */
function decrementTtl(b: Uint8Array, off: number): void {
  const before = readU16(b, off + 8);
  b[off + 8]--;
  writeU16(b, off + 10, update16(readU16(b, off + 10), before, readU16(b, off + 8)));
}

/**
 * The ICMP error icmp_send would build about p[0, len) as the director: from the address the packet
 * was sent to (the VIP, local to the director) back to its source, TOS (tos & 0x1e) | 0xc0, DF
 * clear, protocol 1, quoting the packet up to 576 bytes in all. `info` is the 32-bit rest-of-header
 * word (the next-hop MTU for fragmentation needed).
 */
export function buildIcmpError(p: Uint8Array, len: number, type: number, code: number, info: number, ident: number): Buffer {
  const quote = Math.min(len, ICMP_MAX_LEN - 20 - 8);
  const total = 20 + 8 + quote;
  const out = Buffer.alloc(total);
  out[0] = 0x45;
  out[1] = (p[1] & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL;
  writeU16(out, 2, total);
  writeU16(out, 4, ident & 0xffff);
  out[8] = ICMP_TTL + FORWARD_HOP;
  out[9] = IPPROTO_ICMP;
  writeU32(out, 12, readU32(p, 16));
  writeU32(out, 16, readU32(p, 12));
  writeU16(out, 10, ipHeaderChecksum(out, 0, 20));
  out[20] = type;
  out[21] = code;
  writeU32(out, 24, info >>> 0);
  out.set(p.subarray(0, quote), 28);
  writeU16(out, 22, finish(sum16(out, 20, total)));
  return out;
}
