// Per-service, per-destination and total counters (struct ip_vs_stats) with their rate estimator.
import { Estimator } from './est.js';
import type { Counters } from './types.js';

export class Stats implements Counters {
  conns = 0;
  inPkts = 0;
  outPkts = 0;
  inBytes = 0;
  outBytes = 0;
  readonly est = new Estimator();

  /** ip_vs_zero_stats: counters to 0 and the estimator restarted from 0. */
  zero(): void {
    this.conns = this.inPkts = this.outPkts = this.inBytes = this.outBytes = 0;
    this.est.reset(this);
  }

  counters(): Counters {
    return { conns: this.conns, inPkts: this.inPkts, outPkts: this.outPkts, inBytes: this.inBytes, outBytes: this.outBytes };
  }

  rate(): Counters {
    return this.est.read();
  }
}
