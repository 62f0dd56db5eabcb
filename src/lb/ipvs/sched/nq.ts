// Never queue (ip_vs_nq.c): the first idle dest (no active conns) in list order, else sed's rule.
// UDP conns are never active, so for UDP this is always the first eligible dest — the newest.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class NeverQueue implements Scheduler {
  readonly name = 'nq';
  schedule(svc: Service): Dest | null {
    let least: Dest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overload || d.weight === 0) continue;
      const doh = d.activeConns + 1;
      if (d.activeConns === 0) return d;
      if (least === null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
