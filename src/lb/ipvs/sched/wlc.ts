// Weighted least-connection (ip_vs_wlc.c), ipvsadm's default: minimum overhead/weight compared by
// cross-multiplication (loh * dw > doh * lw, strict), so ties keep the earlier dest in list order.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

/**
 * The weighted-least loop of wlc and sed: the first dest with weight > 0 not overloaded, then any later
 * non-overloaded dest whose overhead/weight is strictly lower (cross-multiplied, as the kernel does).
 */
export function weightedLeast(dests: readonly Dest[], overhead: (d: Dest) => number): Dest | null {
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
  let loh = overhead(least);
  for (i++; i < n; i++) {
    const d = dests[i];
    if (d.overload) continue;
    const doh = overhead(d);
    if (loh * d.weight > doh * least.weight) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_conn_overhead (Dest.overhead): (activeconns << 8) + totalconns. */
const connOverhead = (d: Dest): number => d.overhead();

/** The wlc loop shared by wlc, lblc and lblcr (__ip_vs_lblc_schedule is the same code). */
export function wlcLeast(dests: readonly Dest[]): Dest | null {
  return weightedLeast(dests, connOverhead);
}

export class WeightedLeastConnection implements Scheduler {
  readonly name = 'wlc';
  schedule(svc: Service): Dest | null {
    return wlcLeast(svc.dests);
  }
}
