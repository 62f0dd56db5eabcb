// Power of two choices (ip_vs_twos.c): two weighted random picks, keep the less loaded by
// overhead/weight. The random source is the core's injectable one, so tests are deterministic.
import type { Dest, SchedEnv, Scheduler, Service } from '../ip_vs.js';

export class TwoChoices implements Scheduler {
  readonly name = 'twos';
  constructor(private readonly env: SchedEnv) {}

  schedule(svc: Service): Dest | null {
    let total = 0;
    let choice1: Dest | null = null;
    let choice2: Dest | null = null;
    for (const d of svc.dests) {
      if (!d.overload && d.weight > 0) {
        total += d.weight;
        choice1 = d;
      }
    }
    if (choice1 === null) return null;
    // +1 so that the random weights are inclusive from 0 to total (the kernel's own comment)
    total += 1;
    let r1 = Math.floor(this.env.random() * total);
    let r2 = Math.floor(this.env.random() * total);
    let w1 = -1, w2 = -1, oh1 = 0, oh2 = 0;
    for (const d of svc.dests) {
      if (d.overload) continue;
      const w = d.weight;
      if (w <= 0) continue;
      r1 -= w;
      r2 -= w;
      if (r1 <= 0 && w1 === -1) {
        choice1 = d;
        w1 = w;
        oh1 = d.overhead();
      }
      if (r2 <= 0 && w2 === -1) {
        choice2 = d;
        w2 = w;
        oh2 = d.overhead();
      }
      if (w1 !== -1 && w2 !== -1) break;
    }
    if (choice2 !== null && w2 * oh1 > w1 * oh2) return choice2;
    return choice1;
  }
}
