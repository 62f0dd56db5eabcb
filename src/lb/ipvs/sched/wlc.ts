// Weighted least-connection (ip_vs_wlc.c), ipvsadm's default: minimum overhead/weight compared by
// cross-multiplication (loh * dw > doh * lw, strict), so ties keep the earlier dest in list order.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

/** Where both loops start: the first dest with weight > 0 not overloaded (-1: none). */
function firstEligible(dests: readonly Dest[]): number {
  for (let i = 0; i < dests.length; i++) if (!dests[i].overload && dests[i].weight > 0) return i;
  return -1;
}

/**
 * The weighted-least loop of wlc and sed: the first dest with weight > 0 not overloaded, then any later
 * non-overloaded dest whose overhead/weight is strictly lower (cross-multiplied, as the kernel does).
 */
export function weightedLeast(dests: readonly Dest[], overhead: (d: Dest) => number): Dest | null {
  const first = firstEligible(dests);
  if (first < 0) return null;
  let least = dests[first];
  let loh = overhead(least);
  for (let i = first + 1; i < dests.length; i++) {
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

/**
 * The wlc loop shared by wlc, lblc and lblcr (__ip_vs_lblc_schedule is the same code): weightedLeast
 * with ip_vs_dest_conn_overhead written out, (activeconns << 8) + totalconns on the pinned kernel or
 * + inactconns on mainline (Dest.overhead). The counting model is one per IPVS (its kernel profile),
 * so it is read once here, not per dest: the loop runs over every dest for every new connection
 * (O(n), as the kernel's), and reading it per dest took a third of its time (`npm run bench -- ipvs`,
 * 256 dests: 1.5M decisions/s before, 2.1-2.25M after).
 */
export function wlcLeast(dests: readonly Dest[]): Dest | null {
  const first = firstEligible(dests);
  if (first < 0) return null;
  let least = dests[first];
  let loh = least.overhead();
  let lw = least.weight;
  const activeWeight = least.counting === 'totalconns' ? 257 : 256;
  for (let i = first + 1; i < dests.length; i++) {
    const d = dests[i];
    if (d.overload) continue;
    const doh = d.activeConns * activeWeight + d.inactConns;
    if (loh * d.weight > doh * lw) {
      least = d;
      loh = doh;
      lw = d.weight;
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
