// Weighted least-connection (ip_vs_wlc.c), ipvsadm's default: minimum overhead/weight compared by
// cross-multiplication (loh * dw > doh * lw, strict), so ties keep the earlier dest in list order.
import type { Dest } from '../dest.js';
import type { Service } from '../service.js';
import type { Scheduler } from './scheduler.js';

/** The wlc loop shared by wlc, lblc and lblcr (__ip_vs_lblc_schedule is the same code). */
export function wlcLeast(dests: readonly Dest[]): Dest | null {
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
  let loh = least.activeConns * 256 + least.inactConns;
  for (i++; i < n; i++) {
    const d = dests[i];
    if (d.overload) continue;
    const doh = d.activeConns * 256 + d.inactConns;
    if (loh * d.weight > doh * least.weight) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

export class WeightedLeastConnection implements Scheduler {
  readonly name = 'wlc';
  schedule(svc: Service): Dest | null {
    return wlcLeast(svc.dests);
  }
}
