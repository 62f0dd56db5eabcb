// VRRP advertisement codec: RFC 3768 (v2, with keepalived's auth_type PASS) and RFC 5798 (v3, whose
// checksum covers an IPv4 pseudo-header). Decoding never throws: a malformed packet comes back as a
// drop reason, so the receiver can count it and carry on.

export const IPPROTO_VRRP = 112;
export const VRRP_GROUP = '224.0.0.18';
export const VRRP_TTL = 255;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
const AUTH_LEN = 8;

export interface VrrpAdvert {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** IPv4 addresses in dotted form */
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

function pseudoHeaderSum(src: string, dst: string, length: number): number {
  const ph = Buffer.alloc(12);
  ipToBytes(src).copy(ph, 0);
  ipToBytes(dst).copy(ph, 4);
  ph[9] = IPPROTO_VRRP;
  ph.writeUInt16BE(length, 10);
  return sum16(ph);
}

/** The 8 authentication bytes keepalived sends for auth_type PASS. */
export function passAuthData(password: string): Buffer {
  const b = Buffer.alloc(AUTH_LEN);
  Buffer.from(password, 'latin1').copy(b, 0, 0, AUTH_LEN);
  return b;
}

/** Encode an advertisement (the VRRP payload only; the kernel adds the IP header). v3 needs src/dst. */
export function encodeAdvert(a: VrrpAdvert, ip?: { src: string; dst: string }): Buffer {
  const n = a.addresses.length;
  const b = Buffer.alloc(a.version === 2 ? 8 + 4 * n + AUTH_LEN : 8 + 4 * n);
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
  a.addresses.forEach((addr, i) => ipToBytes(addr).copy(b, 8 + 4 * i));
  let start = 0;
  if (a.version === 3) {
    if (!ip) throw new Error('encodeAdvert: VRRPv3 needs the source and destination address for its checksum');
    start = pseudoHeaderSum(ip.src, ip.dst, b.length);
  }
  b.writeUInt16BE(~sum16(b, start) & 0xffff, 6);
  return b;
}

export type DropReason =
  | 'short' // shorter than an IP header + VRRP header
  | 'not-vrrp' // IP protocol is not 112
  | 'ttl' // IP TTL is not 255
  | 'version' // not 2 or 3, or not the instance's version
  | 'type' // not an ADVERTISEMENT
  | 'length' // address count does not fit the packet
  | 'checksum'
  | 'vrid' // no instance for this VRID on this interface
  | 'auth' // authentication type or password mismatch
  | 'addr-count' // address count differs from the configured VIPs
  | 'addr-mismatch' // a configured VIP is missing from the advert
  | 'interval'; // v2 advert interval differs from ours

export interface ReceivedAdvert {
  src: string;
  dst: string;
  ttl: number;
  advert: VrrpAdvert;
}

export type DecodeResult = { ok: true; packet: ReceivedAdvert } | { ok: false; reason: DropReason };

/** Decode a raw-socket IPv4 datagram (IP header included) carrying a VRRP advertisement. */
export function decodeIpPacket(p: Buffer): DecodeResult {
  if (p.length < 20) return { ok: false, reason: 'short' };
  const ihl = (p[0] & 0x0f) * 4;
  if (p[9] !== IPPROTO_VRRP) return { ok: false, reason: 'not-vrrp' };
  const totalLength = Math.min(p.readUInt16BE(2) || p.length, p.length);
  const v = p.subarray(ihl, totalLength);
  const src = bytesToIp(p, 12);
  const dst = bytesToIp(p, 16);
  const ttl = p[8];
  if (v.length < 8) return { ok: false, reason: 'short' };
  // RFC 3768 7.1 / 5798 7.1: the TTL check comes first, it guards against off-link senders
  if (ttl !== VRRP_TTL) return { ok: false, reason: 'ttl' };
  const version = v[0] >> 4;
  if (version !== 2 && version !== 3) return { ok: false, reason: 'version' };
  if ((v[0] & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) return { ok: false, reason: 'type' };
  const count = v[3];
  const needed = 8 + 4 * count + (version === 2 ? AUTH_LEN : 0);
  if (v.length < needed) return { ok: false, reason: 'length' };
  const body = v.subarray(0, needed);
  const sum = version === 2 ? sum16(body) : sum16(body, pseudoHeaderSum(src, dst, body.length));
  if (sum !== 0xffff) return { ok: false, reason: 'checksum' };
  const addresses = Array.from({ length: count }, (_, i) => bytesToIp(v, 8 + 4 * i));
  const advert: VrrpAdvert =
    version === 2
      ? { version, vrid: v[1], priority: v[2], addresses, advertInt: v[5], authType: v[4], authData: Buffer.from(v.subarray(8 + 4 * count, needed)) }
      : { version, vrid: v[1], priority: v[2], addresses, advertInt: v.readUInt16BE(4) & 0x0fff };
  return { ok: true, packet: { src, dst, ttl, advert } };
}

/** What an instance expects of the adverts it accepts. */
export interface AdvertExpectations {
  version: 2 | 3;
  /** v2 seconds */
  advertInt: number;
  authPass?: string;
  vips: string[];
}

/**
 * The per-instance receive checks keepalived applies after the VRID has matched: version, auth,
 * address count and addresses (keepalived drops unless skip_check_adv_addr), and for v2 the interval.
 */
export function checkAdvert(a: VrrpAdvert, want: AdvertExpectations): DropReason | undefined {
  if (a.version !== want.version) return 'version';
  if (a.version === 2) {
    const wantType = want.authPass !== undefined ? AUTH_PASS : AUTH_NONE;
    if ((a.authType ?? AUTH_NONE) !== wantType) return 'auth';
    if (wantType === AUTH_PASS && !a.authData?.equals(passAuthData(want.authPass!))) return 'auth';
  }
  // priority 0 adverts still carry the addresses, so the checks apply to them too
  if (a.addresses.length !== want.vips.length) return 'addr-count';
  const have = new Set(a.addresses);
  if (want.vips.some((v) => !have.has(v))) return 'addr-mismatch';
  if (a.version === 2 && a.advertInt !== want.advertInt) return 'interval';
  return undefined;
}
