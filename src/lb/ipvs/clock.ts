// Clocks for the core: the system's monotonic one, and a manual one that tests and traces move; and
// the core's own reading of time, which its timers share.
import type { Clock } from './types.js';

export const systemClock: Clock = { now: () => performance.now() };

/**
 * The latest time a manual clock may show, 10^15 ms (about 31,700 years). Every time the core
 * computes — an expiry (now + a timeout of at most 2^32 s), a timer slot, an estimator period —
 * then stays an exact integer far below 2^53, so timer arithmetic never rounds.
 */
export const MAX_CLOCK_MS = 1e15;

export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  /** move time forward; negative steps, and steps past MAX_CLOCK_MS, are refused */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`cannot advance the clock by ${ms} ms`);
    if (this.ms + ms > MAX_CLOCK_MS) throw new RangeError(`cannot advance the clock by ${ms} ms: it would pass ${MAX_CLOCK_MS} ms (the clock's range)`);
    this.ms += ms;
  }
}

/**
 * The core's reading of time, shared by its timers: whole milliseconds from the clock, the "now"
 * the last packet, command or timer run saw, and when the next timer is due (packets run the timers
 * themselves once that has passed, so a daemon need not call advance()).
 */
export class CoreTime {
  /** ms: now as of the last packet, command or timer run */
  lastNow: number;
  /** ms: no timer fires before this */
  nextDue = -Infinity;

  constructor(readonly clock: Clock) {
    this.lastNow = this.read();
  }

  /** the clock, in whole milliseconds */
  read(): number {
    return Math.floor(this.clock.now());
  }

  /** a timer was armed for `at` */
  arm(at: number): void {
    if (at < this.nextDue) this.nextDue = at;
  }

  /** new timers may exist (a scheduler was bound): the next packet looks at every timer again */
  rearm(): void {
    this.nextDue = -Infinity;
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
