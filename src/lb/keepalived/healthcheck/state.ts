// keepalived's state machine for one checker, pure so the timing can be tested with an injected clock:
// each probe result moves the checker between up and down, says when the next probe is due and which
// lines keepalived logs. As check_tcp.c tcp_epilog / check_http.c / check_misc.c do it: while up, a
// failure is retried `retry` times `delay_before_retry` apart before the checker goes down; a down
// checker is probed every delay_loop and one success brings it up; success and failure are logged
// on a change of state, and on the first run.
import type { CheckPlan } from './plan.js';

/** Why a probe failed, in the words keepalived logs. */
export type FailReason =
  | 'refused' // TCP connect refused / reset
  | 'timeout' // TCP connect timed out
  | 'connect' // HTTP: error connecting
  | 'connect-timeout'
  | 'read-timeout'
  | 'tls' // SSL handshake or communication
  | 'status'
  | 'digest'
  | 'exit' // MISC: exit code
  | 'signal'; // MISC: killed (misc_timeout)

export type ProbeResult =
  | { ok: true; /** misc_dynamic */ weight?: number }
  | { ok: false; reason: FailReason; error: string; /** MISC: exit code or signal number */ code?: number };

export interface CheckStep {
  /** the checker changed state */
  transition: 'up' | 'down' | null;
  /** misc_dynamic: the weight the script asked for */
  weight?: number;
  log: string[];
  /** ms until the next probe */
  nextInMs: number;
}

const HTTP_REASONS: Partial<Record<FailReason, string>> = {
  refused: 'Error connecting',
  connect: 'Error connecting',
  timeout: 'Timeout connecting',
  'connect-timeout': 'Timeout connecting',
  'read-timeout': 'Timeout WEB read',
  tls: 'SSL handshake/communication error connecting to',
  status: 'HTTP status code error to',
  digest: 'MD5 digest error to',
};

const plural = (n: number) => (n === 1 ? 'retry' : 'retries');

/** The lines keepalived logs when a checker that was up (or had not run) fails for good. */
export function failureLines(p: CheckPlan, r: Extract<ProbeResult, { ok: false }>, afterRetries: boolean): string[] {
  const after = afterRetries ? ` after ${p.retries} retries` : '';
  switch (p.probe.kind) {
    case 'tcp':
      return [`TCP connection to ${p.checkLabel} ${r.reason === 'timeout' ? 'timeout' : 'failed'}.`, `TCP_CHECK on service ${p.checkLabel} failed${after}.`];
    case 'http':
      return [`${HTTP_REASONS[r.reason] ?? 'Error connecting'} server ${p.checkLabel}.`, `HTTP_CHECK on service ${p.checkLabel} failed${after}.`];
    case 'misc': {
      const why = r.reason === 'signal' ? `due to signal ${r.code ?? 0}` : `exited with status ${r.code ?? 1}`;
      const retries = afterRetries ? ` after ${p.retries} ${plural(p.retries)}` : '';
      return [`Misc check for [${p.rsLabel} VS ${p.vsLabel}] by [${p.probe.script}] failed${retries} (${why}).`];
    }
  }
}

/** The line keepalived logs when a checker comes (or starts) up. */
export function successLine(p: CheckPlan): string {
  switch (p.probe.kind) {
    case 'tcp':
      return `TCP connection to ${p.checkLabel} success.`;
    case 'http':
      return `Remote Web server ${p.checkLabel} succeed on service.`;
    case 'misc':
      return `Misc check for [${p.rsLabel} VS ${p.vsLabel}] by [${p.probe.script}] succeeded.`;
  }
}

/** One checker of one real server. */
export class CheckerState {
  up: boolean;
  private hasRun = false;
  /** failed attempts in the current cycle */
  private retryIt = 0;

  constructor(
    readonly plan: CheckPlan,
    up: boolean,
  ) {
    this.up = up;
  }

  /** Feed one probe's outcome; returns the change, the log lines and when to probe next. */
  onResult(r: ProbeResult): CheckStep {
    const p = this.plan;
    const firstRun = !this.hasRun;
    this.hasRun = true;
    if (r.ok) {
      this.retryIt = 0;
      const weight = r.weight !== undefined ? { weight: r.weight } : {};
      if (this.up && !firstRun) return { transition: null, ...weight, log: [], nextInMs: p.delayLoopMs };
      const transition = this.up ? null : 'up';
      this.up = true;
      return { transition, ...weight, log: [successLine(p)], nextInMs: p.delayLoopMs };
    }
    if (this.up && this.retryIt < p.retries) {
      this.retryIt++;
      return { transition: null, log: [], nextInMs: p.delayBeforeRetryMs };
    }
    const retried = this.retryIt > 0 || (p.retries > 0 && !firstRun);
    this.retryIt = 0;
    if (!this.up && !firstRun) return { transition: null, log: [], nextInMs: p.delayLoopMs };
    const transition = this.up ? 'down' : null;
    this.up = false;
    return { transition, log: failureLines(p, r, retried && p.retries > 0), nextInMs: p.delayLoopMs };
  }
}
