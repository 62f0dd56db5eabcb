// keepalived's checker loop: every checker of every real server on its own timer (first run after a
// random warmup), each result fed to its CheckerState; a change goes to the virtual server's
// VirtualServerState (ipwrapper.ts), whose ipvsadm changes are handed, in order, to whoever applies
// them — the director's ipvsadm path, so `ipvsadm -Ln` and the data-plane rules follow — and whose
// scripts are run. Prober and script runner injectable for tests.
import type { CheckPlan, VirtualServerPlan } from './plan.js';
import { defaultProber, runScript, type Prober } from './probe.js';
import { CheckerState, type ProbeResult } from './state.js';
import { VirtualServerState, type Effects } from './ipwrapper.js';

export interface CheckerStatus {
  servers: Array<{ vs: string; rs: string; alive: boolean; weight: number; lastError: string | null; checks: number }>;
  virtualServers: Array<{ vs: string; quorumUp: boolean; sorryServerActive: boolean }>;
}

interface Running {
  vs: VirtualServerState;
  rsIndex: number;
  state: CheckerState;
  lastError: string | null;
  checks: number;
}

export type Apply = (argv: string[]) => Promise<{ status: number; stderr?: string }>;

/** Runs the checkers of a set of virtual servers; timers, prober and scripts injectable for tests. */
export class HealthChecker {
  readonly virtualServers: VirtualServerState[];
  private readonly running: Running[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** effects are applied one batch at a time, in the order they were decided */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    plans: VirtualServerPlan[],
    private readonly apply: Apply,
    private readonly log: (line: string) => void,
    private readonly prober: Prober = defaultProber,
    private readonly script: (s: string) => Promise<void> = (s) => runScript(s),
  ) {
    this.virtualServers = plans.map((p) => new VirtualServerState(p));
    for (const vs of this.virtualServers) {
      vs.plan.realServers.forEach((rs, rsIndex) => {
        for (const c of rs.checkers) this.running.push({ vs, rsIndex, state: new CheckerState(c, rs.aliveAtStart), lastError: null, checks: 0 });
      });
    }
  }

  start(firstDelay: (plan: CheckPlan) => number): void {
    for (const r of this.running) {
      this.log(`Activating healthchecker for service ${r.state.plan.rsLabel} for VS ${r.state.plan.vsLabel}`);
      this.schedule(r, firstDelay(r.state.plan));
    }
  }

  /** Stop the timers; under omega, run the shutdown notifiers first (bounded). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.queue;
    for (const vs of this.virtualServers) await this.effect(vs.shutdown());
  }

  status(): CheckerStatus {
    return {
      servers: this.virtualServers.flatMap((vs) =>
        vs.rs.map((r, i) => {
          const mine = this.running.filter((x) => x.vs === vs && x.rsIndex === i);
          return {
            vs: vs.plan.vsLabel,
            rs: r.plan.rsLabel,
            alive: r.alive,
            weight: r.weight,
            lastError: mine.find((x) => x.lastError)?.lastError ?? null,
            checks: mine.reduce((s, x) => s + x.checks, 0),
          };
        }),
      ),
      virtualServers: this.virtualServers.map((vs) => ({ vs: vs.plan.vsLabel, quorumUp: vs.quorumUp, sorryServerActive: vs.sorryAlive })),
    };
  }

  /** Settles once every change decided so far is applied (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private schedule(r: Running, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.runOnce(r);
    }, ms);
    this.timers.add(t);
  }

  private async runOnce(r: Running): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.prober(r.state.plan.probe);
    } catch (e) {
      result = { ok: false, reason: 'connect', error: (e as Error).message };
    }
    if (this.stopped) return;
    r.checks++;
    r.lastError = result.ok ? null : result.error;
    const step = r.state.onResult(result);
    for (const line of step.log) this.log(line);
    if (step.weight !== undefined) this.enqueue(r.vs.setWeight(r.rsIndex, step.weight));
    if (step.transition) this.enqueue(r.vs.checkerChanged(r.rsIndex, step.transition === 'up'));
    this.schedule(r, step.nextInMs);
  }

  /** Decisions are taken at once (the state is current); their I/O is applied in order. */
  private enqueue(fx: Effects): void {
    this.queue = this.queue.then(() => this.effect(fx));
  }

  private async effect(fx: Effects): Promise<void> {
    for (const line of fx.log) this.log(line);
    for (const argv of fx.argv) {
      try {
        const res = await this.apply(argv);
        if (res.status !== 0) this.log(`ipvsadm ${argv.join(' ')} failed: ${res.stderr || `exit ${res.status}`}`);
      } catch (e) {
        this.log(`ipvsadm ${argv.join(' ')} failed: ${(e as Error).message}`);
      }
    }
    for (const s of fx.scripts) void this.script(s).catch(() => undefined);
  }
}
