// keepalived's checker logic for one real server, kept pure so the timing can be tested with an
// injected clock: each probe result moves the server between alive and down and says when the
// next probe is due and what to do to the IPVS table. Mirrors keepalived's check_tcp/check_http:
// a failure is retried `retry` times `delayBeforeRetry` apart before the server is declared down;
// one success brings it back; between cycles the checker waits `delayLoop`.
import type { CheckPlan } from './plan.js';

export type CheckAction = { kind: 'none' } | { kind: 'down'; argv: string[] } | { kind: 'up'; argv: string[] };

export interface CheckStep {
  action: CheckAction;
  /** a line for the daemon log, keepalived style, when something changed or failed */
  log: string[];
  /** ms until the next probe */
  nextInMs: number;
}

/** One real server's checker state. */
export class RealServerCheck {
  alive: boolean;
  /** failed attempts in the current cycle */
  private failures = 0;

  constructor(readonly plan: CheckPlan) {
    this.alive = plan.aliveAtStart;
  }

  private describeProbe(): string {
    const p = this.plan.probe;
    return p.kind === 'tcp' ? `TCP connection to ${this.plan.rsLabel}` : `HTTP status code check of ${this.plan.rsLabel}`;
  }

  /** Feed one probe's outcome (`error` says why it failed); returns what to do and when to probe next. */
  onResult(ok: boolean, error?: string): CheckStep {
    const p = this.plan;
    if (ok) {
      this.failures = 0;
      if (this.alive) return { action: { kind: 'none' }, log: [], nextInMs: p.delayLoopMs };
      this.alive = true;
      const argv = p.inhibitOnFailure
        ? ['-e', ...p.serviceArgs, '-r', p.dest, p.methodFlag, '-w', String(p.weight)]
        : ['-a', ...p.serviceArgs, '-r', p.dest, p.methodFlag, '-w', String(p.weight)];
      const verb = p.inhibitOnFailure ? `Enabling` : `Adding`;
      return {
        action: { kind: 'up', argv },
        log: [`${this.describeProbe()} success.`, `${verb} service ${p.rsLabel} to VS ${p.vsLabel}`],
        nextInMs: p.delayLoopMs,
      };
    }
    this.failures++;
    const why = error ? ` (${error})` : '';
    if (this.failures <= p.retries) {
      return { action: { kind: 'none' }, log: [`${this.describeProbe()} failed${why}, retry ${this.failures} of ${p.retries}.`], nextInMs: p.delayBeforeRetryMs };
    }
    this.failures = 0;
    if (!this.alive) return { action: { kind: 'none' }, log: [], nextInMs: p.delayLoopMs };
    this.alive = false;
    const argv = p.inhibitOnFailure
      ? ['-e', ...p.serviceArgs, '-r', p.dest, p.methodFlag, '-w', '0']
      : ['-d', ...p.serviceArgs, '-r', p.dest];
    const verb = p.inhibitOnFailure ? 'Disabling' : 'Removing';
    return {
      action: { kind: 'down', argv },
      log: [`${this.describeProbe()} failed${why}.`, `${verb} service ${p.rsLabel} from VS ${p.vsLabel}`],
      nextInMs: p.delayLoopMs,
    };
  }
}
