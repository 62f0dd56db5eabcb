// Addresses and prefixes of either family, as the lab description writes them: "10.0.0.101/24" or
// "fd00::101/64". Validation and the builder work on this; the family-specific arithmetic lives in
// ipv4.ts and ipv6.ts.
import { ipToNumber, numberToIp } from './ipv4.js';
import { bigIntToIpv6, canonicalIpv6, ipv6ToBigInt, mask6 } from './ipv6.js';

export type Family = 4 | 6;

export interface Cidr {
  /** the address without the prefix, IPv6 in its canonical (RFC 5952) spelling */
  address: string;
  prefix: number;
  family: Family;
}

/** 4, 6, or undefined when the text is no address. */
export function familyOf(text: string): Family | undefined {
  if (ipToNumber(text) !== undefined) return 4;
  if (ipv6ToBigInt(text) !== undefined) return 6;
  return undefined;
}

export function isAddress(text: string): boolean {
  return familyOf(text) !== undefined;
}

/** The one spelling of an address (IPv6 canonical; IPv4 as written); undefined when it is none. */
export function canonicalAddress(text: string): string | undefined {
  if (ipToNumber(text) !== undefined) return text;
  return canonicalIpv6(text);
}

export function maxPrefix(f: Family): number {
  return f === 4 ? 32 : 128;
}

/**
 * Parse "address/len" (or a bare address when `defaultPrefix` gives its length; a function picks the
 * length by the address's family). Returns an error text on failure.
 */
export function parseCidr(text: string, defaultPrefix?: number | ((f: Family) => number | undefined)): Cidr | string {
  const [addr, len, ...rest] = text.split('/');
  const f = familyOf(addr);
  if (rest.length > 0) return `'${text}' is not an address with prefix (a.b.c.d/len or x:x::x/len)`;
  if (f === undefined) {
    if (addr.includes(':')) return `'${text}' is not an IPv6 address`;
    return `'${text}' is not an IPv4 address`;
  }
  const address = canonicalAddress(addr)!;
  if (len === undefined) {
    const d = typeof defaultPrefix === 'function' ? defaultPrefix(f) : defaultPrefix;
    if (d === undefined) return `'${text}' needs a prefix length (${f === 4 ? 'a.b.c.d/len' : 'x:x::x/len'})`;
    return { address, prefix: Math.min(d, maxPrefix(f)), family: f };
  }
  if (!/^\d{1,3}$/.test(len) || Number(len) > maxPrefix(f)) return `'${text}' has an invalid prefix length '/${len}'`;
  return { address, prefix: Number(len), family: f };
}

function mask4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of a prefix ("10.0.0.101/24" -> "10.0.0.0", "fd00::101/64" -> "fd00::"). */
export function networkOf(c: Cidr): string {
  if (c.family === 4) return numberToIp((ipToNumber(c.address)! & mask4(c.prefix)) >>> 0);
  return bigIntToIpv6(ipv6ToBigInt(c.address)! & mask6(c.prefix));
}

/** True when addr (of the subnet's family) lies inside the subnet. */
export function inSubnet(addr: string, subnet: Cidr): boolean {
  if (subnet.family === 4) {
    const a = ipToNumber(addr);
    const s = ipToNumber(subnet.address);
    if (a === undefined || s === undefined) return false;
    const m = mask4(subnet.prefix);
    return ((a & m) >>> 0) === ((s & m) >>> 0);
  }
  const a = ipv6ToBigInt(addr);
  const s = ipv6ToBigInt(subnet.address);
  if (a === undefined || s === undefined) return false;
  const m = mask6(subnet.prefix);
  return (a & m) === (s & m);
}

export function cidrText(c: Cidr): string {
  return `${c.address}/${c.prefix}`;
}

/** "a.b.c.d:port" or "[x:x::x]:port", as ipvsadm, curl and the kernel print an endpoint. */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** A URL host: IPv6 literals in brackets (RFC 3986). */
export function urlHost(addr: string): string {
  return addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr;
}
