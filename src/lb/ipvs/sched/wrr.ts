// Weighted round-robin (ip_vs_wrr.c): passes over the list with a current weight `cw` stepping down
// by the gcd of the weights. Every dest change resets the position to the head and adjusts cw, which
// is why a service built with -A then -a starts with cw = 1 (one visit per dest, newest first).
import type { Dest, Scheduler, Service } from '../ip_vs.js';
import { gcd } from './hash.js';

function gcdWeight(svc: Service): number {
  let g = 0;
  for (const d of svc.dests) {
    const w = d.weight;
    if (w > 0) g = g > 0 ? gcd(w, g) : w;
  }
  return g || 1;
}

function maxWeight(svc: Service): number {
  let m = 0;
  for (const d of svc.dests) if (d.weight > m) m = d.weight;
  return m;
}

export class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  /** current list position, -1 = head */
  private cl = -1;
  private cw: number;
  private mw: number;
  private di: number;

  constructor(svc: Service) {
    this.di = gcdWeight(svc);
    this.mw = maxWeight(svc) - (this.di - 1);
    this.cw = this.mw;
  }

  private changed(svc: Service): void {
    this.cl = -1;
    this.di = gcdWeight(svc);
    this.mw = maxWeight(svc) - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  addDest(svc: Service): void {
    this.changed(svc);
  }
  delDest(svc: Service): void {
    this.changed(svc);
  }
  updDest(svc: Service): void {
    this.changed(svc);
  }

  schedule(svc: Service): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    if (this.mw === 0) return null;
    const last = this.cl;
    let i = this.cl;
    let stop = -2;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (i = i + 1; i < n; i++) {
        const d = dests[i];
        if (!d.overload && d.weight >= this.cw) {
          this.cl = i;
          return d;
        }
        if (i === stop) {
          this.cl = i;
          return null; // all destinations are overloaded
        }
      }
      i = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        if (lastPass || last === -1) {
          this.cl = -1;
          return null;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }
}
