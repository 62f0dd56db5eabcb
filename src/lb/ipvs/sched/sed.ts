// Shortest expected delay (ip_vs_sed.c): minimum (active+1)/weight; inactive conns are ignored, so
// for UDP (never active) it always takes the highest weight, first of equals.
import type { Dest, Scheduler, Service } from '../ip_vs.js';
import { weightedLeast } from './wlc.js';

export class ShortestExpectedDelay implements Scheduler {
  readonly name = 'sed';
  schedule(svc: Service): Dest | null {
    // sed overhead: active conns + 1 (inactive ones do not count)
    return weightedLeast(svc.dests, (d) => d.activeConns + 1);
  }
}
