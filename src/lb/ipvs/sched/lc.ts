// Least-connection (ip_vs_lc.c): least ip_vs_dest_conn_overhead (active*257 + inactive on the pinned
// kernel), weight only matters as 0 / non-0; ties go to the earlier dest in list order.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class LeastConnection implements Scheduler {
  readonly name = 'lc';
  schedule(svc: Service): Dest | null {
    let least: Dest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overload || d.weight === 0) continue;
      const doh = d.overhead();
      if (least === null || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
