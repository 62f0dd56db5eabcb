// Round-robin (ip_vs_rr.c). The kernel keeps a pointer to the last chosen list node; here it is an
// index into svc.dests (-1 = the list head), kept pointing at the same dest when the list changes.
import type { Dest, Scheduler, Service } from '../ip_vs.js';

export class RoundRobin implements Scheduler {
  readonly name = 'rr';
  private last = -1;

  schedule(svc: Service): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    // continue after the last choice, wrapping through the head, visiting every dest once
    let i = this.last;
    for (let k = 0; k < n; k++) {
      i = i + 1 === n ? 0 : i + 1;
      const d = dests[i];
      if (!d.overload && d.weight > 0) {
        this.last = i;
        return d;
      }
    }
    return null;
  }

  addDest(): void {
    // a new dest goes to the head: the node the pointer names moved one place down
    if (this.last >= 0) this.last++;
  }

  delDest(_svc: Service, _dest: Dest, index: number): void {
    // ip_vs_rr_del_dest: if the removed node was the pointer, step back to its predecessor so the
    // next pick is the dest that followed it
    if (index <= this.last) this.last--;
  }
}
