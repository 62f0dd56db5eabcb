// Internet checksums (RFC 1071) and their incremental update (RFC 1624). The data plane rewrites one
// address or port per packet, so it patches the existing checksums instead of summing the whole
// packet again; the full sums are kept for ICMP messages we build and for tests that verify a
// rewrite by recomputing from scratch.

/** One's-complement sum of 16-bit big-endian words in b[start, end), added to `acc` (unfolded). */
export function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8; // odd length: pad with a zero byte
  return s;
}

/** Fold a running sum into 16 bits with end-around carry. */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for a region whose (unfolded) sum is `sum`. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** IPv4 header checksum over `ihl` bytes at `off`, with the checksum field taken as zero. */
export function ipHeaderChecksum(b: Uint8Array, off: number, ihl: number): number {
  const s = sum16(b, off, off + ihl) - ((b[off + 10] << 8) | b[off + 11]);
  return finish(s);
}

/**
 * TCP/UDP checksum over the pseudo-header and the L4 segment b[l4off, l4off+l4len), with the checksum
 * field (at l4off+csumAt) taken as zero. UDP's computed 0 is sent as 0xffff (RFC 768).
 */
export function l4Checksum(
  b: Uint8Array,
  ipOff: number,
  l4off: number,
  l4len: number,
  proto: number,
  csumAt: number,
): number {
  let s = sum16(b, ipOff + 12, ipOff + 20); // saddr + daddr
  s += proto + l4len;
  s = sum16(b, l4off, l4off + l4len, s);
  s -= (b[l4off + csumAt] << 8) | b[l4off + csumAt + 1];
  // the subtraction can go negative before folding; add 0xffff multiples (one's complement zero)
  while (s < 0) s += 0xffff;
  const c = finish(s);
  return proto === 17 && c === 0 ? 0xffff : c;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for a 16-bit field changing from m to m'.
 * Returns the new checksum value.
 */
export function update16(check: number, from: number, to: number): number {
  return finish((~check & 0xffff) + (~from & 0xffff) + (to & 0xffff));
}

/** RFC 1624 for a 32-bit field (an IPv4 address), as two 16-bit words. */
export function update32(check: number, from: number, to: number): number {
  const s =
    (~check & 0xffff) +
    (~(from >>> 16) & 0xffff) +
    (~from & 0xffff) +
    ((to >>> 16) & 0xffff) +
    (to & 0xffff);
  return finish(s);
}

/**
 * TCP/UDP/ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 8.1: source and destination
 * addresses, the 32-bit upper-layer length, the next header) and the segment b[l4off, l4off+l4len),
 * with the checksum field (at l4off+csumAt) taken as zero. UDP's computed 0 is sent as 0xffff.
 */
export function l4Checksum6(
  b: Uint8Array,
  ipOff: number,
  l4off: number,
  l4len: number,
  proto: number,
  csumAt: number,
): number {
  let s = sum16(b, ipOff + 8, ipOff + 40); // saddr + daddr
  s += (l4len >>> 16) + (l4len & 0xffff) + proto;
  s = sum16(b, l4off, l4off + l4len, s);
  s -= (b[l4off + csumAt] << 8) | b[l4off + csumAt + 1];
  while (s < 0) s += 0xffff;
  const c = finish(s);
  return proto === 17 && c === 0 ? 0xffff : c;
}

/**
 * RFC 1624 for a 128-bit field (an IPv6 address) changing from the 16 bytes at b[off] to the
 * address `to` (four 32-bit words), as eight 16-bit words. Returns the new checksum value.
 */
export function update128(check: number, b: Uint8Array, off: number, to: ArrayLike<number>): number {
  let s = ~check & 0xffff;
  for (let i = 0; i < 16; i += 2) s += ~((b[off + i] << 8) | b[off + i + 1]) & 0xffff;
  for (let i = 0; i < 4; i++) s += ((to[i] >>> 16) & 0xffff) + (to[i] & 0xffff);
  return finish(s);
}
