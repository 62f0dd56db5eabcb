// keepalived's checker loop over a set of real servers: probe each on its own timer, feed the result
// to its RealServerCheck, and hand the resulting ipvsadm change (out: `-d`, or `-e -w 0` under
// inhibit_on_failure; back: `-a`, or `-e` with its weight) to whoever applies it — the director's
// ipvsadm path, so `ipvsadm -Ln` and the data-plane rules follow. Prober injectable for tests.
import type { CheckPlan } from './plan.js';
import { defaultProber, type ProbeResult, type Prober } from './probe.js';
import { RealServerCheck } from './state.js';

export interface CheckerStatus {
  servers: Array<{ vs: string; rs: string; alive: boolean; lastError: string | null; checks: number }>;
  skipped: string[];
}

/** Runs the checks of a set of plans; timers and prober injectable for tests. */
export class HealthChecker {
  private readonly checks: RealServerCheck[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly info = new Map<RealServerCheck, { lastError: string | null; checks: number }>();
  private stopped = false;

  constructor(
    plans: CheckPlan[],
    private readonly apply: (argv: string[]) => Promise<{ status: number; stderr?: string }>,
    private readonly log: (line: string) => void,
    private readonly prober: Prober = defaultProber,
    readonly skipped: string[] = [],
  ) {
    this.checks = plans.map((p) => new RealServerCheck(p));
    for (const c of this.checks) this.info.set(c, { lastError: null, checks: 0 });
  }

  start(firstDelay: (plan: CheckPlan) => number): void {
    for (const c of this.checks) this.schedule(c, firstDelay(c.plan));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  status(): CheckerStatus {
    return {
      servers: this.checks.map((c) => ({ vs: c.plan.vsLabel, rs: c.plan.rsLabel, alive: c.alive, ...this.info.get(c)! })),
      skipped: this.skipped,
    };
  }

  private schedule(c: RealServerCheck, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.runOnce(c);
    }, ms);
    this.timers.add(t);
  }

  private async runOnce(c: RealServerCheck): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.prober(c.plan.probe);
    } catch (e) {
      result = { ok: false, error: (e as Error).message };
    }
    if (this.stopped) return;
    const info = this.info.get(c)!;
    info.checks++;
    info.lastError = result.ok ? null : result.error;
    const step = c.onResult(result.ok, result.ok ? undefined : result.error);
    for (const line of step.log) this.log(line);
    if (step.action.kind !== 'none') {
      try {
        const r = await this.apply(step.action.argv);
        if (r.status !== 0) this.log(`checker: ipvsadm ${step.action.argv.join(' ')} failed: ${r.stderr || `exit ${r.status}`}`);
      } catch (e) {
        this.log(`checker: ipvsadm ${step.action.argv.join(' ')} failed: ${(e as Error).message}`);
      }
    }
    this.schedule(c, step.nextInMs);
  }
}
