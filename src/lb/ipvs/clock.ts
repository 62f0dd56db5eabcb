// Clocks for the core: the system's monotonic one, and a manual one that tests and traces move.
import type { Clock } from './types.js';

export const systemClock: Clock = { now: () => performance.now() };

export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  /** move time forward; negative steps are refused (the core's clock is monotonic) */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`cannot advance the clock by ${ms} ms`);
    this.ms += ms;
  }
}

/** A small deterministic PRNG (mulberry32) for twos in traces and tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
