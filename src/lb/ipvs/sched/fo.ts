// Weighted failover (ip_vs_fo.c): the available dest with the highest weight, first of equals.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class WeightedFailover implements Scheduler {
  readonly name = 'fo';
  schedule(svc: Service): Dest | null {
    let best: Dest | null = null;
    let hw = 0;
    for (const d of svc.dests) {
      if (!d.overload && d.weight > hw) {
        best = d;
        hw = d.weight;
      }
    }
    return best;
  }
}
