// Table pieces the hashing schedulers share: sh and dh tile a bucket table with the dests in list
// order, sh and mh look a client up and, with their *-fallback flag, walk the table from there the
// way ip_vs_sh.c / ip_vs_mh.c do.
import type { Dest } from '../ip_vs.js';

/** A dest the hash schedulers skip: weight 0 (quiesced) or over its upper threshold. */
export function unavailable(d: Dest): boolean {
  return d.weight <= 0 || d.overload;
}

/**
 * Fill every bucket with the dests in list order, `span(d)` consecutive buckets each (at least one),
 * wrapping to the first dest; no dests leaves every bucket empty. ip_vs_sh_reassign / ip_vs_dh_reassign.
 */
export function tileBuckets(buckets: (Dest | null)[], dests: readonly Dest[], span: (d: Dest) => number): void {
  const n = dests.length;
  let p = 0;
  let count = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (n === 0) {
      buckets[i] = null;
      continue;
    }
    if (p === n) p = 0;
    const d = dests[p];
    buckets[i] = d;
    if (++count >= span(d)) {
      p++;
      count = 0;
    }
  }
}

/**
 * The dest in bucket `ihash` if it is available; otherwise, when `fallback` is set, the first available
 * dest met walking `slot(roffset)` for roffset = ihash, ihash+1, … around the table, stopping at an
 * empty bucket. `slot` maps the walk offset to a bucket index (each scheduler rehashes with it).
 */
export function lookupWithFallback(
  table: readonly (Dest | null)[],
  ihash: number,
  fallback: boolean,
  slot: (roffset: number) => number,
): Dest | null {
  const d = table[ihash];
  if (d === null) return null;
  if (!unavailable(d)) return d;
  if (!fallback) return null;
  // loop around the table starting from ihash to find a new dest
  const size = table.length;
  for (let offset = 0; offset < size; offset++) {
    const alt = table[slot((offset + ihash) % size)];
    if (alt === null) break;
    if (!unavailable(alt)) return alt;
  }
  return null;
}
