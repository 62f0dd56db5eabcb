// The rate estimator (ip_vs_est.c): every 2 seconds each stats block's counters are sampled and an
// EWMA with weight 1/4 is kept, scaled so that integer arithmetic keeps precision. The exported
// values round exactly as ip_vs_read_estimator() does, because `ipvsadm -Ln --rate` shows them.
// EstimatorTimer is the 2-second timer that ticks every stats block.
import type { Counters } from './types.js';

/** The estimation period: the kernel's timer (and its 6.2+ kthreads) run every 2 s. */
export const EST_PERIOD_MS = 2000;

/** Arithmetic right shift that stays exact beyond 32 bits (the kernel shifts signed 64-bit values). */
function sar(x: number, bits: number): number {
  return Math.floor(x / 2 ** bits);
}

export class Estimator {
  private lastConns = 0;
  private lastInPkts = 0;
  private lastOutPkts = 0;
  private lastInBytes = 0;
  private lastOutBytes = 0;
  // scaled rates: conns/pkts per second << 10, bytes per second << 5
  cps = 0;
  inpps = 0;
  outpps = 0;
  inbps = 0;
  outbps = 0;

  /** ip_vs_start_estimator / ip_vs_zero_estimator: take the current counters as the base, rates 0. */
  reset(c: Counters): void {
    this.lastConns = c.conns;
    this.lastInPkts = c.inPkts;
    this.lastOutPkts = c.outPkts;
    this.lastInBytes = c.inBytes;
    this.lastOutBytes = c.outBytes;
    this.cps = this.inpps = this.outpps = this.inbps = this.outbps = 0;
  }

  /** One 2-second estimation step. */
  tick(c: Counters): void {
    // rate = (cur - last) << 9 : per-2s delta scaled to per-second << 10
    let rate = (c.conns - this.lastConns) * 512;
    this.lastConns = c.conns;
    this.cps += sar(rate - this.cps, 2);
    rate = (c.inPkts - this.lastInPkts) * 512;
    this.lastInPkts = c.inPkts;
    this.inpps += sar(rate - this.inpps, 2);
    rate = (c.outPkts - this.lastOutPkts) * 512;
    this.lastOutPkts = c.outPkts;
    this.outpps += sar(rate - this.outpps, 2);
    // bytes: << 4, per-second << 5
    rate = (c.inBytes - this.lastInBytes) * 16;
    this.lastInBytes = c.inBytes;
    this.inbps += sar(rate - this.inbps, 2);
    rate = (c.outBytes - this.lastOutBytes) * 16;
    this.lastOutBytes = c.outBytes;
    this.outbps += sar(rate - this.outbps, 2);
  }

  /** True when every rate is 0 (further idle ticks change nothing). */
  idle(): boolean {
    return this.cps === 0 && this.inpps === 0 && this.outpps === 0 && this.inbps === 0 && this.outbps === 0;
  }

  /** ip_vs_read_estimator(): the values ipvsadm shows. */
  read(): Counters {
    return {
      conns: sar(this.cps + 0x1ff, 10),
      inPkts: sar(this.inpps + 0x1ff, 10),
      outPkts: sar(this.outpps + 0x1ff, 10),
      inBytes: sar(this.inbps + 0xf, 5),
      outBytes: sar(this.outbps + 0xf, 5),
    };
  }
}

/** After this many idle estimator periods every rate is certainly 0 (each idle tick takes a quarter). */
const EST_IDLE_TICKS = 400;

/** What the estimator timer ticks: a stats block (stats.ts). */
export interface EstimatedStats {
  /** one estimation period */
  tick(): void;
  /** one more period, after which every rate is 0: the counters become the estimator's base */
  settle(): void;
}

/** The estimation timer: ticks every stats block each EST_PERIOD_MS. */
export class EstimatorTimer {
  /** ms: when the next period ends */
  next: number;

  constructor(start: number) {
    this.next = start + EST_PERIOD_MS;
  }

  /**
   * Tick every period due by `now`. Counters move only with packets, never while time is advanced,
   * so the ticks need not interleave with the other timers, and after EST_IDLE_TICKS idle ticks the
   * rest are skipped: every rate is 0 by then, exactly as ticking on would leave it.
   */
  run(blocks: readonly EstimatedStats[], now: number): void {
    for (let ticks = 0; this.next <= now; ticks++) {
      if (ticks === EST_IDLE_TICKS) {
        for (const s of blocks) s.settle();
        this.next += Math.floor((now - this.next) / EST_PERIOD_MS + 1) * EST_PERIOD_MS;
        return;
      }
      for (const s of blocks) s.tick();
      this.next += EST_PERIOD_MS;
    }
  }
}
