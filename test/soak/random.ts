// A seeded random source: a soak run is repeated exactly by giving its seed back. Each draw hashes
// (seed, draw number) with SHA-256: a few hundred draws per run, so quality beats speed (small
// counter-based generators such as mulberry32 showed visibly correlated draws for some seeds).
import { createHash } from 'node:crypto';

export interface Random {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let draws = 0;
  const next = () => createHash('sha256').update(`${seed}:${draws++}`).digest().readUInt32BE(0) / 2 ** 32;
  return {
    seed,
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
