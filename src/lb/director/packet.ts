// IPv4 packet parsing for the data plane (IPv6 in packet6.ts, reached through parsePacket): what the IPVS core needs from a queued packet
// (`PacketHeaders`), where the rewritable fields sit, and the inner header of ICMP errors. Every
// length is checked against the buffer so a truncated or malformed packet is classified, never
// read out of bounds; anything we cannot or need not handle is reported as such and accepted
// untouched by the caller.
import { IPPROTO_TCP, IPPROTO_UDP, type PacketHeaders } from '../ipvs/types.js';
import { parsePacket6, type Parsed6 } from './packet6.js';

export const IPPROTO_ICMP = 1;

/** ICMP types that carry the header of the packet they are about (RFC 792). */
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
export const ICMP_DEST_UNREACH = 3;

/** The transport header of the offending packet quoted inside an ICMP error. */
export interface IcmpInner {
  proto: number;
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  /** offset of the inner IP header in the packet */
  ipOff: number;
  ihl: number;
}

export type Parsed =
  /** `ihl`: where the transport header starts (IPv6: past the extension headers, ip_vs_iphdr's len) */
  | { kind: 'l4'; h: PacketHeaders; ihl: number; /** first fragment of a fragmented datagram */ fragment: boolean }
  | { kind: 'icmp-error'; saddr: number; daddr: number; ihl: number; icmpType: number; icmpCode: number; inner: IcmpInner; length: number }
  /** an ICMPv6 error quoting a TCP/UDP packet (packet6.ts) */
  | Extract<Parsed6, { kind: 'icmp6-error' }>
  /** a later fragment: no transport header to look at */
  | { kind: 'fragment' }
  /** valid IP we have no business with (other protocols, ICMP that is not an error) */
  | { kind: 'other' }
  | { kind: 'malformed'; reason: string };

const MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/**
 * Parse a queued packet (starting at the IP header, as NFQUEUE delivers it). `fwmark` is the skb
 * mark it carried when queued.
 */
export function parsePacket(p: Uint8Array, fwmark = 0): Parsed {
  if (p.length < 1) return { kind: 'malformed', reason: 'empty packet' };
  const version = p[0] >> 4;
  if (version !== 4) return version === 6 ? parsePacket6(p, fwmark) : { kind: 'malformed', reason: `IP version ${version}` };
  if (p.length < 20) return { kind: 'malformed', reason: `truncated IPv4 header (${p.length} bytes)` };
  const ihl = (p[0] & 0x0f) * 4;
  if (ihl < 20) return { kind: 'malformed', reason: `IPv4 header length ${ihl}` };
  const total = (p[2] << 8) | p[3];
  if (total < ihl) return { kind: 'malformed', reason: `IPv4 total length ${total} below header length ${ihl}` };
  if (total > p.length) return { kind: 'malformed', reason: `truncated: total length ${total}, have ${p.length}` };
  const frag = (p[6] << 8) | p[7];
  if ((frag & OFFSET_MASK) !== 0) return { kind: 'fragment' };
  const proto = p[9];
  const saddr = readU32(p, 12);
  const daddr = readU32(p, 16);
  const l4len = total - ihl;

  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    const need = proto === IPPROTO_TCP ? 20 : 8;
    if (l4len < need) return { kind: 'malformed', reason: `truncated ${proto === IPPROTO_TCP ? 'TCP' : 'UDP'} header (${l4len} bytes)` };
    if (proto === IPPROTO_TCP && (p[ihl + 12] >> 4) * 4 < 20) return { kind: 'malformed', reason: 'TCP data offset below 5' };
    return {
      kind: 'l4',
      ihl,
      fragment: (frag & MF) !== 0,
      h: {
        proto,
        saddr,
        daddr,
        sport: (p[ihl] << 8) | p[ihl + 1],
        dport: (p[ihl + 2] << 8) | p[ihl + 3],
        tcpFlags: proto === IPPROTO_TCP ? p[ihl + 13] : 0,
        length: total,
        fwmark,
      },
    };
  }
  if (proto === IPPROTO_ICMP) {
    if (l4len < 8) return { kind: 'malformed', reason: `truncated ICMP header (${l4len} bytes)` };
    const icmpType = p[ihl];
    if (!ICMP_ERROR_TYPES.has(icmpType)) return { kind: 'other' };
    const inner = parseIcmpInner(p, ihl + 8, total);
    if (typeof inner === 'string') return { kind: 'malformed', reason: inner };
    if (inner === null) return { kind: 'other' };
    return { kind: 'icmp-error', saddr, daddr, ihl, icmpType, icmpCode: p[ihl + 1], inner, length: total };
  }
  return { kind: 'other' };
}

/** The quoted header inside an ICMP error; null when it is not TCP/UDP, a string when malformed. */
function parseIcmpInner(p: Uint8Array, off: number, end: number): IcmpInner | null | string {
  if (end - off < 20) return `ICMP error quotes a truncated IPv4 header (${end - off} bytes)`;
  if (p[off] >> 4 !== 4) return 'ICMP error quotes a non-IPv4 header';
  const ihl = (p[off] & 0x0f) * 4;
  if (ihl < 20 || end - off < ihl + 8) return 'ICMP error quotes too little of the offending packet';
  const proto = p[off + 9];
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return null;
  if ((((p[off + 6] << 8) | p[off + 7]) & OFFSET_MASK) !== 0) return null; // quotes a later fragment
  const l4 = off + ihl;
  return {
    proto,
    saddr: readU32(p, off + 12),
    daddr: readU32(p, off + 16),
    sport: (p[l4] << 8) | p[l4 + 1],
    dport: (p[l4 + 2] << 8) | p[l4 + 3],
    ipOff: off,
    ihl,
  };
}

export function readU32(p: Uint8Array, off: number): number {
  return ((p[off] << 24) | (p[off + 1] << 16) | (p[off + 2] << 8) | p[off + 3]) >>> 0;
}

export function writeU32(p: Uint8Array, off: number, v: number): void {
  p[off] = (v >>> 24) & 0xff;
  p[off + 1] = (v >>> 16) & 0xff;
  p[off + 2] = (v >>> 8) & 0xff;
  p[off + 3] = v & 0xff;
}

export function readU16(p: Uint8Array, off: number): number {
  return (p[off] << 8) | p[off + 1];
}

export function writeU16(p: Uint8Array, off: number, v: number): void {
  p[off] = (v >>> 8) & 0xff;
  p[off + 1] = v & 0xff;
}

/** a.b.c.d -> host-order unsigned 32-bit number, with a clear error for anything else. */
export function ipToNumber(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) {
    throw new Error(`'${s}' is not an IPv4 address`);
  }
  return parts.reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
}

export function numberToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
