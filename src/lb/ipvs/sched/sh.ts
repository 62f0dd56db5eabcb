// Source hashing (ip_vs_sh.c): a 256-bucket table tiled with the dests in list order, `weight`
// consecutive buckets each, looked up by hash_32(port + saddr, 8). Unavailable (weight 0 or
// overloaded) means no destination, unless sh-fallback walks the table the kernel's way.
import type { Dest, Scheduler, Service } from '../ip_vs.js';
import { IP_VS_SVC_F_SCHED_SH_FALLBACK, IP_VS_SVC_F_SCHED_SH_PORT } from '../flags.js';
import type { PacketHeaders } from '../types.js';
import { lookupWithFallback, tileBuckets } from './buckets.js';
import { hash32 } from './hash.js';

export const SH_TAB_BITS = 8;
export const SH_TAB_SIZE = 1 << SH_TAB_BITS;
const SH_TAB_MASK = SH_TAB_SIZE - 1;

function hashkey(addr: number, port: number, offset: number): number {
  return (offset + hash32((port + addr) >>> 0, SH_TAB_BITS)) & SH_TAB_MASK;
}

export class SourceHashing implements Scheduler {
  readonly name = 'sh';
  readonly buckets: (Dest | null)[] = new Array<Dest | null>(SH_TAB_SIZE).fill(null);

  constructor(svc: Service) {
    this.reassign(svc);
  }

  /** ip_vs_sh_reassign: walk the buckets, moving to the next dest after `weight` of them. */
  private reassign(svc: Service): void {
    tileBuckets(this.buckets, svc.dests, (d) => d.weight);
  }

  addDest(svc: Service): void {
    this.reassign(svc);
  }
  delDest(svc: Service): void {
    this.reassign(svc);
  }
  updDest(svc: Service): void {
    this.reassign(svc);
  }

  schedule(svc: Service, h: PacketHeaders): Dest | null {
    const port = svc.flags & IP_VS_SVC_F_SCHED_SH_PORT ? h.sport : 0;
    const addr = h.saddr >>> 0;
    const ihash = hashkey(addr, port, 0);
    const fallback = (svc.flags & IP_VS_SVC_F_SCHED_SH_FALLBACK) !== 0;
    return lookupWithFallback(this.buckets, ihash, fallback, (roffset) => hashkey(addr, port, roffset));
  }
}
