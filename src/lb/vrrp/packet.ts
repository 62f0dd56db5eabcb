// VRRP advertisement codec: RFC 3768 (v2, with keepalived's auth_type PASS) and RFC 5798 (v3, whose
// checksum covers an IPv4 or IPv6 pseudo-header; an IPv6 advert carries 16-byte addresses). The IP
// header is ip4.ts's (IPv6: the kernel's, see ip6.ts); what a receiver checks, and in which order, is
// check.ts's (keepalived's vrrp_check_packet).
import { ip6ToBytes, pseudoHeaderSum6 } from './ip6.js';

export const IPPROTO_VRRP = 112;
export const VRRP_GROUP = '224.0.0.18';
export const VRRP_TTL = 255;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_LEN = 8;

export interface VrrpAdvert {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** IPv4 addresses in dotted form, or (v3 only) IPv6 addresses: one family per advert */
  addresses: string[];
  /** v2: whole seconds; v3: Max Adver Int in centiseconds (12 bits) */
  advertInt: number;
  /** v2 only: 0 none, 1 PASS */
  authType?: number;
  /** v2 only: the 8 authentication bytes as written (PASS: the password, NUL padded) */
  authData?: Buffer;
}

export function ipToBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

export function bytesToIp(b: Buffer, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** One's-complement sum folded to 16 bits (the Internet checksum before inversion). */
export function sum16(b: Buffer, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** the IPv4 pseudo-header's sum, which the VRRPv3 checksum covers */
export function pseudoHeaderSum(src: string, dst: string, length: number): number {
  const ph = Buffer.alloc(12);
  ipToBytes(src).copy(ph, 0);
  ipToBytes(dst).copy(ph, 4);
  ph[9] = IPPROTO_VRRP;
  ph.writeUInt16BE(length, 10);
  return sum16(ph);
}

/** 4 or 16 bytes, by the address's family */
export function addrToBytes(ip: string): Buffer {
  return ip.includes(':') ? ip6ToBytes(ip) : ipToBytes(ip);
}

/** compare two addresses of one family as unsigned numbers (keepalived's tie-break: the higher wins) */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(addrToBytes(a), addrToBytes(b));
}

/** The 8 authentication bytes keepalived sends for auth_type PASS. */
export function passAuthData(password: string): Buffer {
  const b = Buffer.alloc(AUTH_LEN);
  Buffer.from(password, 'latin1').copy(b, 0, 0, AUTH_LEN);
  return b;
}

/** Encode an advertisement (the VRRP payload only; ip4.ts adds the IP header). v3 needs src/dst. */
export function encodeAdvert(a: VrrpAdvert, ip?: { src: string; dst: string }): Buffer {
  const n = a.addresses.length;
  const v6 = n > 0 && a.addresses[0].includes(':');
  if (v6 && a.version !== 3) throw new Error('encodeAdvert: IPv6 addresses need VRRPv3 (RFC 5798)');
  const alen = v6 ? 16 : 4;
  const b = Buffer.alloc(a.version === 2 ? 8 + alen * n + AUTH_LEN : 8 + alen * n);
  b[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  b[1] = a.vrid;
  b[2] = a.priority;
  b[3] = n;
  if (a.version === 2) {
    b[4] = a.authType ?? AUTH_NONE;
    b[5] = a.advertInt;
    a.authData?.copy(b, 8 + 4 * n, 0, AUTH_LEN);
  } else {
    b.writeUInt16BE(a.advertInt & 0x0fff, 4);
  }
  a.addresses.forEach((addr, i) => {
    if (addr.includes(':') !== v6) throw new Error(`encodeAdvert: ${addr} is not of the advert's address family`);
    addrToBytes(addr).copy(b, 8 + alen * i);
  });
  let start = 0;
  if (a.version === 3) {
    if (!ip) throw new Error('encodeAdvert: VRRPv3 needs the source and destination address for its checksum');
    start = v6 ? pseudoHeaderSum6(ip.src, ip.dst, b.length, IPPROTO_VRRP) : pseudoHeaderSum(ip.src, ip.dst, b.length);
  }
  b.writeUInt16BE(~sum16(b, start) & 0xffff, 6);
  return b;
}

export interface ReceivedAdvert {
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit */
  ttl: number;
  advert: VrrpAdvert;
}
