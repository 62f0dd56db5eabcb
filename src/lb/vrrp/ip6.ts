// IPv6 for VRRPv3 (RFC 5798 5.1.2, 5.2.8) as keepalived 2.2.7 sends it: the advert goes out of a raw
// AF_INET6 socket, so the kernel writes the IPv6 header (no IP_HDRINCL for IPv6): traffic class 0xc0
// (keepalived's IPV6_TCLASS), hop limit 255 (IPV6_MULTICAST_HOPS), the interface's link-local
// address as source (IPV6_PKTINFO), ff02::12 as destination, next header 112, and the flow label the
// kernel's auto flow labels give every socket that does not opt out. The checksum covers the IPv6
// pseudo-header (RFC 8200 8.1); keepalived leaves it to the kernel (IPV6_CHECKSUM offset 6) on
// both send and receive, and so do we, but we compute the same value for our own encoder and tests.
// Here: address text <-> bytes, the pseudo-header sum, and the header itself (for the unsolicited
// neighbour advertisement, which goes out whole over AF_PACKET, and for the tests).
import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv6 } from '../ipvs/addr.js';

export const VRRP_GROUP6 = 'ff02::12';
/** all-nodes: where unsolicited neighbour advertisements go (RFC 4861 7.2.6) */
export const ALL_NODES6 = 'ff02::1';
export const IP6_HEADER_LEN = 40;
/** keepalived's IPV6_TCLASS for VRRP sockets: "192, which translates to DSCP value 48, or cs6" */
export const VRRP_IP6_TCLASS = 0xc0;
export const IPPROTO_ICMPV6 = 58;

export function isIpv6Address(text: string): boolean {
  return isIPv6(text);
}

/** 16 bytes of an IPv6 address (any RFC 4291 text form, a trailing dotted quad included) */
export function ip6ToBytes(text: string): Buffer {
  if (!isIPv6(text)) throw new Error(`'${text}' is not an IPv6 address`);
  let s = text;
  const b = Buffer.alloc(16);
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad && isIPv4(quad[1])) {
    const o = quad[1].split('.').map(Number);
    s = s.slice(0, -quad[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 * i));
  return b;
}

/** inet_ntop's text of 16 network-order bytes, as keepalived logs addresses (src/lb/ipvs/addr.ts formats it). */
export function bytesToIp6(b: Buffer, off = 0): string {
  return formatIPv6([b.readUInt32BE(off), b.readUInt32BE(off + 4), b.readUInt32BE(off + 8), b.readUInt32BE(off + 12)]);
}

/** the canonical text of an IPv6 address (so addresses compare as strings) */
export function canonicalIp6(text: string): string {
  return bytesToIp6(ip6ToBytes(text));
}

/** fe80::/10 */
export function isLinkLocal6(text: string): boolean {
  const b = ip6ToBytes(text);
  return b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
}

export function isMulticast6(b: Buffer, off = 0): boolean {
  return b[off] === 0xff;
}

/** The one's-complement sum of the IPv6 pseudo-header (RFC 8200 8.1): src, dst, 32-bit length, next header. */
export function pseudoHeaderSum6(src: string, dst: string, length: number, nextHeader: number): number {
  const ph = Buffer.alloc(40);
  ip6ToBytes(src).copy(ph, 0);
  ip6ToBytes(dst).copy(ph, 16);
  ph.writeUInt32BE(length, 32);
  ph[39] = nextHeader;
  let s = 0;
  for (let i = 0; i < 40; i += 2) s += ph.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export interface Ip6HeaderFields {
  src: string;
  dst: string;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  trafficClass?: number;
  flowLabel?: number;
}

export function buildIp6Header(f: Ip6HeaderFields): Buffer {
  const h = Buffer.alloc(IP6_HEADER_LEN);
  h.writeUInt32BE(((6 << 28) | ((f.trafficClass ?? 0) << 20) | ((f.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(f.payloadLength, 4);
  h[6] = f.nextHeader;
  h[7] = f.hopLimit;
  ip6ToBytes(f.src).copy(h, 8);
  ip6ToBytes(f.dst).copy(h, 24);
  return h;
}

/** the Ethernet multicast address an IPv6 multicast group maps to (RFC 2464 7): 33:33 + its last 4 bytes */
export function multicastMac6(group: string): Buffer {
  const b = ip6ToBytes(group);
  return Buffer.from([0x33, 0x33, b[12], b[13], b[14], b[15]]);
}
