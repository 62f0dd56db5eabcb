// Addresses as the core keeps them. IPv4: unsigned 32-bit numbers in host order on the packet path,
// dotted strings at the edges (commands, snapshots). IPv6: the kernel's union nf_inet_addr ip6[4] —
// four 32-bit words (`In6Addr`, a Uint32Array; word i is bytes 4i..4i+3 read big-endian) on the
// packet path, inet_ntop's text at the edges. Where the kernel hashes an IPv6 address into 32 bits
// (connection table, service and real-server tables, sh/dh/lblc/lblcr) it XORs the four words
// (`fold6`, the kernel's addr_fold); XOR commutes with byte order, so folding host-order words and
// folding big-endian ones then ntohl() give the same number.
import { AF_INET, AF_INET6, type AddressFamily, type In6Addr } from './types.js';

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted IPv4 address; throws an error naming the bad text. */
export function parseIPv4(text: string): number {
  const m = DOTTED.exec(text);
  if (!m) throw new Error(`'${text}' is not an IPv4 address`);
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) throw new Error(`'${text}' is not an IPv4 address (octet ${octet} > 255)`);
    n = n * 256 + octet;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A dotted netmask as a number; ipvsadm accepts masks and the kernel uses them as `saddr & mask`. */
export function parseNetmask(text: string): number {
  return parseIPv4(text);
}

const HEXGROUP = /^[0-9a-fA-F]{1,4}$/;
const V4_TAIL = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * Parses IPv6 text as inet_pton(AF_INET6) does: eight hex groups of 1-4 digits, at most one `::`
 * standing for one or more zero groups, and an optional dotted IPv4 tail in the last 32 bits. No
 * brackets, no zone. Throws an error naming the bad text.
 */
export function parseIPv6(text: string): In6Addr {
  const bad = (why: string): Error => new Error(`'${text}' is not an IPv6 address (${why})`);
  const halves = text.split('::');
  if (halves.length > 2) throw bad("more than one '::'");
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const parts = s.split(':');
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        // inet_pton's dotted tail: four decimal parts 0-255, no leading zeros
        const v4 = V4_TAIL.test(p) ? parseIPv4(p) : NaN;
        if (Number.isNaN(v4)) throw bad(`bad IPv4 tail '${p}'`);
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (HEXGROUP.test(p)) out.push(parseInt(p, 16));
      else throw bad(p === '' ? 'empty group' : `bad group '${p}'`);
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  let g: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) throw bad("'::' stands for no group");
    g = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) throw bad(`${head.length} groups`);
    g = head;
  }
  const a = new Uint32Array(4);
  for (let i = 0; i < 4; i++) a[i] = ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0;
  return a;
}

/**
 * IPv6 text as glibc's inet_ntop prints it (what ipvsadm shows): lower-case groups without leading
 * zeros, the longest run of two or more zero groups (the first of equal runs) as `::`, and the
 * last 32 bits dotted for IPv4-compatible (`::a.b.c.d`, not `::1`/`::`) and IPv4-mapped
 * (`::ffff:a.b.c.d`) addresses.
 */
export function formatIPv6(a: ArrayLike<number>): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push((a[i] >>> 16) & 0xffff, a[i] & 0xffff);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // glibc: an embedded IPv4 address for ::a.b.c.d (six zero groups) and ::ffff:a.b.c.d
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      out += formatIPv4(a[3] >>> 0);
      break;
    }
    out += g[i].toString(16);
  }
  if (best >= 0 && best + bestLen === 8) out += ':';
  return out;
}

/** The kernel's addr_fold: the XOR of the four words, as an unsigned 32-bit number. */
export function fold6(a: ArrayLike<number>): number {
  return (a[0] ^ a[1] ^ a[2] ^ a[3]) >>> 0;
}

/** ipv6_addr_equal */
export function equal6(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Which family an address text is in: IPv6 text always has a colon, dotted IPv4 never. */
export function addrFamily(text: string): AddressFamily {
  return text.includes(':') ? AF_INET6 : AF_INET;
}

/** Canonical text of an address of either family (inet_ntop(inet_pton(text))); throws on bad text. */
export function canonicalAddr(text: string): string {
  return addrFamily(text) === AF_INET6 ? formatIPv6(parseIPv6(text)) : formatIPv4(parseIPv4(text));
}

/**
 * ipv6_addr_prefix: `a` masked to its first `plen` bits (the IPv6 persistence netmask, a prefix
 * length 1..128), into `out`.
 */
export function prefix6(a: ArrayLike<number>, plen: number, out: Uint32Array): Uint32Array {
  for (let i = 0; i < 4; i++) {
    const bits = plen - 32 * i;
    out[i] = bits >= 32 ? a[i] : bits <= 0 ? 0 : (a[i] & (0xffffffff << (32 - bits))) >>> 0;
  }
  return out;
}

/**
 * An address with its family, as the control plane holds one (union nf_inet_addr plus af): `ip` is
 * the IPv4 address, or for IPv6 the fold of `ip6` (fold6) — the number every 32-bit hash
 * and quick comparison uses — and `ip6` the full IPv6 address (null for IPv4).
 */
export interface InetAddr {
  readonly af: AddressFamily;
  readonly ip: number;
  readonly ip6: In6Addr | null;
}

/** ip_vs_addr_equal for two addresses of the same family */
export function sameInetAddr(a: InetAddr, b: InetAddr): boolean {
  if (a.af !== b.af || a.ip !== b.ip) return false;
  if (a.ip6 === null || b.ip6 === null) return true;
  return a.ip6[0] === b.ip6[0] && a.ip6[1] === b.ip6[1] && a.ip6[2] === b.ip6[2] && a.ip6[3] === b.ip6[3];
}

export function formatInetAddr(a: InetAddr): string {
  return a.ip6 !== null ? formatIPv6(a.ip6) : formatIPv4(a.ip);
}

/** An address text of either family as an InetAddr; throws an error naming bad text. */
export function parseInetAddr(text: string): InetAddr {
  if (addrFamily(text) === AF_INET6) {
    const ip6 = parseIPv6(text);
    return { af: AF_INET6, ip: fold6(ip6), ip6 };
  }
  return { af: AF_INET, ip: parseIPv4(text), ip6: null };
}
