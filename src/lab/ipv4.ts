// IPv4 addresses and prefixes as the lab description writes them ("10.0.0.101/24"). Only what
// validation and the builder need: parse, subnet membership, and canonical text.

export interface Cidr {
  /** the address as written, without the prefix ("10.0.0.101") */
  address: string;
  prefix: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a 32-bit unsigned number, or undefined when it is not dotted-quad IPv4. */
export function ipToNumber(text: string): number | undefined {
  const m = OCTETS.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    // "010" is ambiguous (octal in some tools); refuse it rather than guess.
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(text: string): boolean {
  return ipToNumber(text) !== undefined;
}

/** Parse "a.b.c.d/len" (or "a.b.c.d" when defaultPrefix is given). Returns an error text on failure. */
export function parseCidr(text: string, defaultPrefix?: number): Cidr | string {
  const [addr, len, ...rest] = text.split('/');
  if (rest.length > 0) return `'${text}' is not an IPv4 address with prefix (a.b.c.d/len)`;
  if (ipToNumber(addr) === undefined) return `'${text}' is not an IPv4 address`;
  if (len === undefined) {
    if (defaultPrefix === undefined) return `'${text}' needs a prefix length (a.b.c.d/len)`;
    return { address: addr, prefix: defaultPrefix };
  }
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return `'${text}' has an invalid prefix length '/${len}'`;
  return { address: addr, prefix: Number(len) };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of a prefix ("10.0.0.101/24" -> "10.0.0.0"). */
export function networkOf(c: Cidr): string {
  return numberToIp((ipToNumber(c.address)! & mask(c.prefix)) >>> 0);
}

/** True when addr lies inside the subnet (the subnet's own address bits beyond its prefix are ignored). */
export function inSubnet(addr: string, subnet: Cidr): boolean {
  const a = ipToNumber(addr);
  const s = ipToNumber(subnet.address);
  if (a === undefined || s === undefined) return false;
  const m = mask(subnet.prefix);
  return ((a & m) >>> 0) === ((s & m) >>> 0);
}

export function cidrText(c: Cidr): string {
  return `${c.address}/${c.prefix}`;
}
