// Shortest expected delay (ip_vs_sed.c): minimum (active+1)/weight; inactive conns are ignored, so
// for UDP (never active) it always takes the highest weight, first of equals.
import type { Dest } from '../dest.js';
import type { Service } from '../service.js';
import type { Scheduler } from './scheduler.js';

export class ShortestExpectedDelay implements Scheduler {
  readonly name = 'sed';
  schedule(svc: Service): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    let i = 0;
    let least: Dest | null = null;
    for (; i < n; i++) {
      const d = dests[i];
      if (!d.overload && d.weight > 0) {
        least = d;
        break;
      }
    }
    if (least === null) return null;
    let loh = least.activeConns + 1;
    for (i++; i < n; i++) {
      const d = dests[i];
      if (d.overload) continue;
      const doh = d.activeConns + 1;
      if (loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
