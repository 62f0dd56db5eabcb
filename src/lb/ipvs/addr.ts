// IPv4 addresses as the core keeps them: unsigned 32-bit numbers in host order on the packet path,
// dotted strings at the edges (commands, snapshots).

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
