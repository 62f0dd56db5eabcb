// Least-connection (ip_vs_lc.c): least ip_vs_dest_conn_overhead (active*257 + inactive on the pinned
// kernel), weight only matters as 0 / non-0; ties go to the earlier dest in list order.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class LeastConnection implements Scheduler {
  readonly name = 'lc';
  schedule(svc: Service): Dest | null {
    const dests = svc.dests;
    let least: Dest | null = null;
    let loh = 0;
    // Dest.overhead() written out with the counting model read once (one per IPVS, its kernel
    // profile), as wlcLeast does: the loop runs over every dest for every new connection
    const activeWeight = dests.length > 0 && dests[0].counting === 'totalconns' ? 257 : 256;
    for (let i = 0; i < dests.length; i++) {
      const d = dests[i];
      if (d.overload || d.weight === 0) continue;
      const doh = d.activeConns * activeWeight + d.inactConns;
      if (least === null || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
