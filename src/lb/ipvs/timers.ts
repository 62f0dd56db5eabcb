// The core's timers, run in time order up to the clock's now: connection expiry (conn.ts's wheel),
// the 2 s rate estimator (est.ts), the dest trash check (ctl.ts) and the lblc/lblcr table checks
// (sched/). The kernel runs each on a timer of its own; here the clock only moves when a packet,
// a command or advance() looks at it, so one call may have a long stretch of time to catch up on.
// Every timer then does a bounded amount of work whatever the stretch: the estimator settles after
// a few hundred idle periods and the lblc(r) checks of an empty table are taken at once.
import type { CoreTime } from './clock.js';
import type { ConnLifecycle } from './conn.js';
import type { Conn } from './conn_entry.js';
import type { IpvsCtl } from './ctl.js';
import { EstimatorTimer } from './est.js';

export class IpvsTimers {
  readonly est: EstimatorTimer;

  constructor(
    private readonly time: CoreTime,
    private readonly conns: ConnLifecycle,
    private readonly ctl: IpvsCtl,
  ) {
    this.est = new EstimatorTimer(time.lastNow);
  }

  /** Run every timer due by the clock's now, earliest first (ties: conns, estimator, trash, schedulers). */
  run(): void {
    const { time, conns, ctl, est } = this;
    const now = time.read();
    const deferred: Conn[] = [];
    for (;;) {
      const slot = conns.nextSlot();
      const tConn = slot * 1000;
      const tTrash = ctl.nextTrash;
      let t = Math.min(est.next, tTrash, tConn);
      for (const svc of ctl.services) {
        const a = svc.scheduler.nextTimer?.();
        if (a !== undefined && a < t) t = a;
      }
      if (t > now) {
        time.nextDue = t;
        break;
      }
      time.lastNow = Math.max(time.lastNow, t);
      if (tConn === t) conns.runSlot(slot, now, deferred);
      else if (est.next === t) est.run(ctl.allStats(), now);
      else if (tTrash === t) ctl.runTrash(t);
      else {
        // lblc(r) checks free cache entries (dest references, which the trash check reads) and
        // nothing the estimator reads: they run up to the next conn or trash timer in one go
        const until = Math.min(now, tConn - 1, tTrash - 1);
        for (const svc of ctl.services) svc.scheduler.advance?.(svc, until);
      }
    }
    conns.fileDeferred(deferred);
    time.lastNow = now;
  }
}
