// Timing bounds for the suites, derived from the protocol's own numbers — a keepalived.conf's VRRP
// and checker settings through keepalived's formulas, TCP's retransmission backoff — plus a named
// slack for where the suite runs, never a catch-all. docs/kernel.md says how each slack was measured.
import { checkerPlans } from '../src/lb/keepalived/healthcheck/plan.js';
import { effectiveInstance } from '../src/lb/keepalived/defaults.js';
import { parseKeepalivedConf } from '../src/lb/keepalived/index.js';
import { advertIntUs, masterDownUs, skewUs } from '../src/lb/vrrp/timers.js';

/**
 * What a lab on this host adds to a protocol timer: injecting the fault (an `ip` or a signal in a
 * namespace), a timer firing late on a loaded 2-core machine, a packet crossing namespaces, one
 * observation (a probe's interval, an `ip addr` poll). `npx tsx test/kernel/slack.ts --here`
 * measures the parts (docs/kernel.md); 300 ms has held at load averages up to ~15.
 */
export const LAB_SLACK_MS = 300;

/**
 * The same inside the kernel VM (qemu TCG, no KVM), where a user-space timer fires up to ~150 ms late
 * (measured by test/kernel/slack.ts; docs/kernel.md). Applied to the moment of a protocol event
 * bracketed by observations (see the kernel scenarios), so process starts (~1-2.5 s per `ip` there)
 * are not in it: it covers the few timers and packet hops between the cause and its effect.
 */
export const VM_SLACK_MS = 1000;

/** TCP's minimum retransmission timeout (Linux TCP_RTO_MIN, 200 ms): the RTO of a fast local connection. */
export const TCP_RTO_MIN_MS = 200;

export interface VrrpTimers {
  advertMs: number;
  skewMs: number;
  masterDownMs: number;
}

/**
 * One vrrp_instance's timers as keepalived computes them (src/lb/vrrp/timers.ts: vrrp.h
 * VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER), from a keepalived.conf with keepalived's defaults. The
 * priority is this director's own: a backup's skew comes from its priority.
 */
export function vrrpTimers(keepalivedConf: string, instance = 'VI_1'): VrrpTimers {
  const { config } = parseKeepalivedConf(keepalivedConf);
  const inst = config.vrrpInstances.find((i) => i.name === instance);
  if (!inst) throw new Error(`vrrpTimers: no vrrp_instance ${instance} in the conf (${config.vrrpInstances.map((i) => i.name).join(', ') || 'none'})`);
  const e = effectiveInstance(config, inst);
  const adverUs = advertIntUs(e.version, e.advertInt);
  return { advertMs: adverUs / 1000, skewMs: skewUs(e.version, e.priority, adverUs) / 1000, masterDownMs: masterDownUs(e.version, e.priority, adverUs, e.downTimerAdverts) / 1000 };
}

/**
 * When a backup takes over from a master that went silent at t = 0 (crash, link cut): its
 * master-down interval after the last advert it heard, which left the master at most one advert
 * interval before t = 0 (timers fire late, never early, so the slack only widens the window).
 */
export function takeoverWindowMs(t: VrrpTimers, slackMs: number): { min: number; max: number } {
  return { min: Math.max(0, t.masterDownMs - t.advertMs - slackMs), max: t.masterDownMs + slackMs };
}

/** After the master's priority-0 advert (a graceful stop) the backup waits its skew only (RFC 3768 6.4.2). */
export function resignTakeoverMs(t: VrrpTimers, slackMs: number): number {
  return t.skewMs + slackMs;
}

/** How the real server fails its checks: `refused` answers each connect at once (RST), `silent` lets each time out. */
export type CheckFailure = 'refused' | 'silent';

/**
 * At most when keepalived's checker removes a real server that began failing at t = 0 (check_tcp.c
 * tcp_epilog and check_http.c alike): the next check comes within delay_loop, and the server goes
 * after that failure and `retry` more, `delay_before_retry` apart; each attempt takes up to
 * connect_timeout when silent, nothing when refused. Defaults as keepalived 2.2.7 (retry 1,
 * delay_before_retry 1 s, 3 s for HTTP_GET; src/lb/keepalived/healthcheck/plan.ts).
 */
export function checkerRemovalMs(keepalivedConf: string, dest: string, failure: CheckFailure, slackMs: number): number {
  const p = plan(keepalivedConf, dest);
  const attempt = failure === 'silent' ? p.probe.timeoutMs : 0;
  return p.delayLoopMs + (p.retries + 1) * attempt + p.retries * p.delayBeforeRetryMs + slackMs;
}

/** At most when a removed real server that answers again from t = 0 is back: the next check, delay_loop away. */
export function checkerReturnMs(keepalivedConf: string, dest: string, slackMs: number): number {
  return plan(keepalivedConf, dest).delayLoopMs + slackMs;
}

function plan(keepalivedConf: string, dest: string) {
  const { plans } = checkerPlans(keepalivedConf);
  const p = plans.find((x) => x.dest === dest);
  if (!p) throw new Error(`no checked real server ${dest} in the conf (${plans.map((x) => x.dest).join(', ') || 'none'})`);
  return p;
}

/**
 * The longest stall of a busy TCP connection over an outage of `outageMs`: its segments are
 * retransmitted 200, 400, 800 ms ... apart (RTO doubling from TCP_RTO_MIN), so the first one after
 * the outage leaves less than outage + (outage + TCP_RTO_MIN) after the first loss.
 */
export function tcpStallMs(outageMs: number, slackMs: number): number {
  return 2 * outageMs + TCP_RTO_MIN_MS + slackMs;
}
