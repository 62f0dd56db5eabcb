// IPv6 packet parsing for the data plane, as packet.ts does IPv4: the upper-layer header found past
// the extension headers (the kernel's ipv6_find_hdr), the ports, and the quoted packet of ICMPv6
// errors. Every length is checked against the buffer, so a truncated or malformed packet is
// classified, never read out of bounds.
import { AF_INET6, IPPROTO_TCP, IPPROTO_UDP, type In6Addr, type PacketHeaders } from '../ipvs/types.js';

export const IPPROTO_ICMPV6 = 58;
const NEXTHDR_HOP = 0;
const NEXTHDR_ROUTING = 43;
const NEXTHDR_FRAGMENT = 44;
const NEXTHDR_AUTH = 51;
const NEXTHDR_DEST = 60;
export const IPV6_HEADER = 40;

/** ICMPv6 error types (RFC 4443: types below 128): unreachable, packet too big, time exceeded, parameter problem. */
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;

/** The transport header of the offending packet quoted inside an ICMPv6 error. */
export interface IcmpInner6 {
  proto: number;
  saddr6: In6Addr;
  daddr6: In6Addr;
  sport: number;
  dport: number;
  /** offset of the quoted IPv6 header in the packet */
  ipOff: number;
  /** offset of the quoted transport header */
  l4Off: number;
}

/** What parsePacket6 makes of a packet: packet.ts's `Parsed`, with ICMPv6 errors of their own kind. */
export type Parsed6 =
  /** `ihl`: where the transport header starts, past the extension headers (ip_vs_iphdr's len) */
  | { kind: 'l4'; h: PacketHeaders; ihl: number; /** first fragment of a fragmented datagram */ fragment: boolean }
  /** an ICMPv6 error (RFC 4443 types 1-4) quoting a TCP/UDP packet; `icmpOff` is its ICMPv6 header */
  | { kind: 'icmp6-error'; saddr6: In6Addr; daddr6: In6Addr; icmpOff: number; icmpType: number; icmpCode: number; inner: IcmpInner6; length: number }
  | { kind: 'fragment' }
  | { kind: 'other' }
  | { kind: 'malformed'; reason: string };

export function readIn6(p: Uint8Array, off: number): In6Addr {
  const a = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    a[i] = ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
  }
  return a;
}

export function writeIn6(p: Uint8Array, off: number, a: ArrayLike<number>): void {
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    const v = a[i];
    p[o] = (v >>> 24) & 0xff;
    p[o + 1] = (v >>> 16) & 0xff;
    p[o + 2] = (v >>> 8) & 0xff;
    p[o + 3] = v & 0xff;
  }
}

type Upper =
  | { proto: number; off: number; fragment: boolean }
  /** a later fragment: no upper-layer header in it */
  | { later: true }
  | string;

/**
 * Walk the extension headers from the IPv6 header at `ipOff` to the upper-layer one, within `end`.
 * Returns its protocol and offset, { later } for a non-first fragment, or a reason it is malformed.
 */
function upperLayer(p: Uint8Array, ipOff: number, end: number): Upper {
  let next = p[ipOff + 6];
  let off = ipOff + IPV6_HEADER;
  let fragment = false;
  // every extension header is at least 8 bytes, so the walk ends within (end - off) / 8 steps
  for (;;) {
    switch (next) {
      case NEXTHDR_HOP:
      case NEXTHDR_ROUTING:
      case NEXTHDR_DEST: {
        if (end - off < 8) return `truncated IPv6 extension header ${next}`;
        const len = (p[off + 1] + 1) * 8;
        if (end - off < len) return `truncated IPv6 extension header ${next}`;
        next = p[off];
        off += len;
        continue;
      }
      case NEXTHDR_AUTH: {
        if (end - off < 8) return 'truncated IPv6 authentication header';
        const len = (p[off + 1] + 2) * 4;
        if (end - off < len) return 'truncated IPv6 authentication header';
        next = p[off];
        off += len;
        continue;
      }
      case NEXTHDR_FRAGMENT: {
        if (end - off < 8) return 'truncated IPv6 fragment header';
        const fo = (p[off + 2] << 8) | p[off + 3];
        if ((fo & 0xfff8) !== 0) return { later: true };
        fragment = fragment || (fo & 1) !== 0;
        next = p[off];
        off += 8;
        continue;
      }
      default:
        return { proto: next, off, fragment };
    }
  }
}

/** Parse a queued IPv6 packet (NFQUEUE delivers it from the IPv6 header on). */
export function parsePacket6(p: Uint8Array, fwmark = 0): Parsed6 {
  if (p.length < IPV6_HEADER) return { kind: 'malformed', reason: `truncated IPv6 header (${p.length} bytes)` };
  const total = IPV6_HEADER + ((p[4] << 8) | p[5]);
  // a payload length of 0 means a jumbogram (RFC 2675), which no lab link carries
  if (total === IPV6_HEADER && p[6] === NEXTHDR_HOP) return { kind: 'malformed', reason: 'IPv6 jumbogram' };
  if (total > p.length) return { kind: 'malformed', reason: `truncated: IPv6 length ${total}, have ${p.length}` };
  const u = upperLayer(p, 0, total);
  if (typeof u === 'string') return { kind: 'malformed', reason: u };
  if ('later' in u) return { kind: 'fragment' };
  const l4len = total - u.off;
  if (u.proto === IPPROTO_TCP || u.proto === IPPROTO_UDP) {
    const need = u.proto === IPPROTO_TCP ? 20 : 8;
    if (l4len < need) return { kind: 'malformed', reason: `truncated ${u.proto === IPPROTO_TCP ? 'TCP' : 'UDP'} header (${l4len} bytes)` };
    if (u.proto === IPPROTO_TCP && (p[u.off + 12] >> 4) * 4 < 20) return { kind: 'malformed', reason: 'TCP data offset below 5' };
    return {
      kind: 'l4',
      ihl: u.off,
      fragment: u.fragment,
      h: {
        proto: u.proto,
        saddr: 0,
        daddr: 0,
        af: AF_INET6,
        saddr6: readIn6(p, 8),
        daddr6: readIn6(p, 24),
        sport: (p[u.off] << 8) | p[u.off + 1],
        dport: (p[u.off + 2] << 8) | p[u.off + 3],
        tcpFlags: u.proto === IPPROTO_TCP ? p[u.off + 13] : 0,
        length: total,
        fwmark,
      },
    };
  }
  if (u.proto === IPPROTO_ICMPV6) {
    if (l4len < 8) return { kind: 'malformed', reason: `truncated ICMPv6 header (${l4len} bytes)` };
    const icmpType = p[u.off];
    if (icmpType >= 128 || u.fragment) return { kind: 'other' };
    const inner = parseIcmpInner6(p, u.off + 8, total);
    if (typeof inner === 'string') return { kind: 'malformed', reason: inner };
    if (inner === null) return { kind: 'other' };
    return { kind: 'icmp6-error', saddr6: readIn6(p, 8), daddr6: readIn6(p, 24), icmpOff: u.off, icmpType, icmpCode: p[u.off + 1], inner, length: total };
  }
  return { kind: 'other' };
}

/** The quoted packet inside an ICMPv6 error; null when it is not TCP/UDP, a string when malformed. */
function parseIcmpInner6(p: Uint8Array, off: number, end: number): IcmpInner6 | null | string {
  if (end - off < IPV6_HEADER) return `ICMPv6 error quotes a truncated IPv6 header (${end - off} bytes)`;
  if (p[off] >> 4 !== 6) return 'ICMPv6 error quotes a non-IPv6 header';
  const u = upperLayer(p, off, end);
  if (typeof u === 'string') return `ICMPv6 error quotes a packet with a ${u}`;
  if ('later' in u) return null; // quotes a later fragment
  if (u.proto !== IPPROTO_TCP && u.proto !== IPPROTO_UDP) return null;
  if (end - u.off < 8) return 'ICMPv6 error quotes too little of the offending packet';
  return {
    proto: u.proto,
    saddr6: readIn6(p, off + 8),
    daddr6: readIn6(p, off + 24),
    sport: (p[u.off] << 8) | p[u.off + 1],
    dport: (p[u.off + 2] << 8) | p[u.off + 3],
    ipOff: off,
    l4Off: u.off,
  };
}
