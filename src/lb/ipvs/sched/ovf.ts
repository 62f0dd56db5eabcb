// Overflow-connection (ip_vs_ovf.c): the highest-weight dest whose active conns do not exceed its
// weight; so a weight-2 dest takes a third active conn before the next one gets any. UDP conns are
// never active, so for UDP it never overflows.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class Overflow implements Scheduler {
  readonly name = 'ovf';
  schedule(svc: Service): Dest | null {
    let h: Dest | null = null;
    let hw = 0;
    for (const d of svc.dests) {
      const w = d.weight;
      if (d.overload || d.activeConns > w || w === 0) continue;
      if (h === null || w > hw) {
        h = d;
        hw = w;
      }
    }
    return h;
  }
}
