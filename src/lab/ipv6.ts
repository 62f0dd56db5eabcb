// IPv6 addresses as the lab description writes them ("2001:db8::112/64", "fd00::101"): parse to a
// 128-bit number, print in the canonical form of RFC 5952 (lower case, the longest run of two or
// more zero groups as "::", leftmost on a tie) so that one address has one spelling everywhere
// (duplicate checks, ipvsadm listings, reports).

const GROUP = /^[0-9a-fA-F]{1,4}$/;
const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a 128-bit number, or undefined when it is not an IPv6 address. Zones ("%eth0") are refused. */
export function ipv6ToBigInt(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const parts = s.split(':');
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const v4 = i === parts.length - 1 ? DOTTED.exec(part) : null;
      if (v4) {
        const o = v4.slice(1).map(Number);
        if (o.some((x, k) => x > 255 || (v4[k + 1].length > 1 && v4[k + 1].startsWith('0')))) return undefined;
        out.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
      } else if (GROUP.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    // "::" stands for at least one zero group
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

export function isIpv6(text: string): boolean {
  return ipv6ToBigInt(text) !== undefined;
}

/** RFC 5952 text of a 128-bit number. */
export function bigIntToIpv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  // the longest run of zero groups (at least two), the first of equal ones
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** The canonical spelling of an IPv6 address, or undefined when it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  const n = ipv6ToBigInt(text);
  return n === undefined ? undefined : bigIntToIpv6(n);
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
}

/** The 16 bytes of an address in network order (the wire and the core's keys). */
export function ipv6Bytes(text: string): Uint8Array {
  const n = ipv6ToBigInt(text);
  if (n === undefined) throw new Error(`'${text}' is not an IPv6 address`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((n >> BigInt((15 - i) * 8)) & 0xffn);
  return out;
}

/** RFC 5952 text of 16 bytes at `off`. */
export function ipv6FromBytes(b: Uint8Array, off = 0): string {
  let n = 0n;
  for (let i = 0; i < 16; i++) n = (n << 8n) | BigInt(b[off + i]);
  return bigIntToIpv6(n);
}
