// Destination hashing (ip_vs_dh.c): 256 buckets filled one dest per bucket in list order (weights do
// not multiply), looked up by hash_32(daddr, 8). No fallback. dh has no upd_dest hook, so a weight
// change does not rebuild the table.
import type { Dest, Scheduler, Service } from '../ip_vs.js';
import type { PacketHeaders } from '../types.js';
import { tileBuckets } from './buckets.js';
import { hash32 } from './hash.js';

export const DH_TAB_BITS = 8;
export const DH_TAB_SIZE = 1 << DH_TAB_BITS;

export class DestinationHashing implements Scheduler {
  readonly name = 'dh';
  readonly buckets: (Dest | null)[] = new Array<Dest | null>(DH_TAB_SIZE).fill(null);

  constructor(svc: Service) {
    this.reassign(svc);
  }

  private reassign(svc: Service): void {
    // one bucket per dest: weights do not multiply
    tileBuckets(this.buckets, svc.dests, () => 1);
  }

  addDest(svc: Service): void {
    this.reassign(svc);
  }
  delDest(svc: Service): void {
    this.reassign(svc);
  }

  schedule(_svc: Service, h: PacketHeaders): Dest | null {
    const d = this.buckets[hash32(h.daddr >>> 0, DH_TAB_BITS)];
    if (d === null || !d.available || d.weight <= 0 || d.overload) return null;
    return d;
  }
}
