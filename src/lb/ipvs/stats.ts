// Per-service, per-destination and total counters (struct ip_vs_stats) with their rate estimator.
// The packet path bumps the live counters (the kernel's per-CPU ones); what ipvsadm shows is `kstats`,
// which only the 2-second estimator refreshes (ip_vs_read_cpu_stats in estimation_timer, 6.1), minus
// the base taken by -Z (`kstats0`). So `ipvsadm -Ln --stats` lags traffic by up to 2 s, as the
// kernel's does.
import { Estimator, type EstimatedStats } from './est.js';
import type { Counters } from './types.js';

function zeroCounters(): Counters {
  return { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
}

export class Stats implements Counters, EstimatedStats {
  conns = 0;
  inPkts = 0;
  outPkts = 0;
  inBytes = 0;
  outBytes = 0;
  readonly est = new Estimator();
  /** the counters as of the last estimator run */
  private readonly kstats: Counters = zeroCounters();
  /** the -Z base */
  private readonly kstats0: Counters = zeroCounters();

  /** One estimator period: refresh kstats from the live counters, then estimate the rates. */
  tick(): void {
    const k = this.kstats;
    k.conns = this.conns;
    k.inPkts = this.inPkts;
    k.outPkts = this.outPkts;
    k.inBytes = this.inBytes;
    k.outBytes = this.outBytes;
    this.est.tick(k);
  }

  /** A tick after which every rate is 0 (the estimator timer's idle shortcut): picks up the counters
   * once; later idle ticks would only decay the rates. */
  settle(): void {
    this.tick();
    this.est.reset(this.live());
  }

  /** ip_vs_start_estimator on a fresh block: rates from 0, differences from the current counters. */
  startEstimator(): void {
    this.est.reset(this.kstats);
  }

  /** ip_vs_zero_stats: the shown counters restart from 0 and the rates are zeroed. */
  zero(): void {
    Object.assign(this.kstats0, this.kstats);
    this.est.reset(this.kstats);
  }

  /** What ipvsadm shows: kstats - kstats0. */
  counters(): Counters {
    const k = this.kstats;
    const z = this.kstats0;
    return { conns: k.conns - z.conns, inPkts: k.inPkts - z.inPkts, outPkts: k.outPkts - z.outPkts, inBytes: k.inBytes - z.inBytes, outBytes: k.outBytes - z.outBytes };
  }

  /** The live counters (what the next estimator run will pick up). */
  live(): Counters {
    return { conns: this.conns, inPkts: this.inPkts, outPkts: this.outPkts, inBytes: this.inBytes, outBytes: this.outBytes };
  }

  rate(): Counters {
    return this.est.read();
  }
}
