// The few printf conversions ipvsadm's output uses, so the format strings can be read side by side
// with ipvsadm.c.

/** "%-Ns": left-justified, padded with spaces, never truncated. */
export function left(s: string | number, width: number): string {
  return String(s).padEnd(width, ' ');
}

/** "%Ns" / "%Nd" / "%Nllu": right-justified. */
export function right(s: string | number | bigint, width: number): string {
  return String(s).padStart(width, ' ');
}

/** An unsigned 64-bit counter as C sees it (snapshots hold JS numbers; negatives are a bug). */
export function u64(n: number): bigint {
  if (!Number.isFinite(n) || n < 0) throw new Error(`counter out of range: ${n}`);
  return BigInt(Math.trunc(n));
}

/** "%u" of an unsigned 32-bit value. */
export function u32(n: number): number {
  return Math.trunc(n) >>> 0;
}

/** "%d" of a value stored in 32 bits (ipvsadm 1.31 prints fwmarks and weights with %d). */
export function i32(n: number): number {
  return Math.trunc(n) | 0;
}
