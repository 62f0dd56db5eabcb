// keepalived's pool decisions for one virtual_server (ipwrapper.c), pure: a real server is alive while
// all its checkers are up; when one goes it leaves the table (`-d`, or weight 0 under
// inhibit_on_failure), when all are up again it returns; the alive weight against quorum ± hysteresis
// decides whether the real servers serve or the sorry server stands in; notify_up/notify_down and
// quorum_up/quorum_down scripts run on those changes. Each call returns the log lines, the ipvsadm
// argument lists in order, and the scripts to run; checker.ts applies them.
import { startsWithQuorum } from '../ipvsadm-commands.js';
import type { RealServerPlan, VirtualServerPlan } from './plan.js';

export interface Effects {
  log: string[];
  argv: string[][];
  scripts: string[];
}

interface RealServerState {
  plan: RealServerPlan;
  alive: boolean;
  /** checkers currently down */
  failed: number;
  /** current weight (misc_dynamic changes it) */
  weight: number;
}

const noEffects = (): Effects => ({ log: [], argv: [], scripts: [] });

/** A destination the pool adds and removes: a real server or the sorry server, with its method. */
type PoolDest = { dest: string; methodFlag: string };

export class VirtualServerState {
  readonly rs: RealServerState[];
  quorumUp: boolean;
  sorryAlive: boolean;

  /** The state the start table is in (ipvsadm-commands.ts): alive servers in, or the sorry server instead while quorum is down. */
  constructor(readonly plan: VirtualServerPlan) {
    this.rs = plan.realServers.map((r) => ({ plan: r, alive: r.aliveAtStart, failed: r.aliveAtStart ? 0 : r.checkers.length, weight: r.weight }));
    this.quorumUp = startsWithQuorum(this.aliveWeight(), plan);
    this.sorryAlive = plan.sorry !== undefined && !this.quorumUp;
  }

  aliveWeight(): number {
    return this.rs.reduce((s, r) => s + (r.alive ? r.weight : 0), 0);
  }

  /** One checker of real server `i` went up or down. */
  checkerChanged(i: number, up: boolean): Effects {
    const r = this.rs[i]!;
    r.failed = Math.max(0, Math.min(r.plan.checkers.length, r.failed + (up ? -1 : 1)));
    const fx = noEffects();
    if (up && r.failed === 0 && !r.alive) this.setAlive(r, true, fx);
    else if (!up && r.failed > 0 && r.alive) this.setAlive(r, false, fx);
    return fx;
  }

  /** misc_dynamic asked for weight `w` for real server `i` (update_svr_wgt). */
  setWeight(i: number, w: number): Effects {
    const r = this.rs[i]!;
    const fx = noEffects();
    if (w === r.weight) return fx;
    fx.log.push(`Changing weight from ${r.weight} to ${w} for ${r.alive ? '' : 'in'}active service ${r.plan.rsLabel} of VS ${this.plan.vsLabel}`);
    r.weight = w;
    if (r.alive && this.poolServes()) fx.argv.push(this.editArgv(r.plan, w));
    this.updateQuorum(fx);
    return fx;
  }

  /** omega: on shutdown the down notifiers of alive servers and quorum_down run. */
  shutdown(): Effects {
    const fx = noEffects();
    if (!this.plan.omega) return fx;
    for (const r of this.rs) if (r.alive && r.plan.notifyDown) fx.scripts.push(r.plan.notifyDown);
    if (this.quorumUp && this.plan.quorumDown) fx.scripts.push(this.plan.quorumDown);
    return fx;
  }

  /** Real servers are in the table unless the sorry server stands in for them. */
  private poolServes(): boolean {
    return this.quorumUp || !this.plan.sorry || !this.sorryAlive;
  }

  private setAlive(r: RealServerState, alive: boolean, fx: Effects): void {
    const inhibit = r.plan.inhibitOnFailure;
    const verb = alive ? (inhibit ? 'Enabl' : 'Add') : inhibit ? 'Disabl' : 'Remov';
    fx.log.push(`${verb}ing service ${r.plan.rsLabel} ${alive ? 'to' : 'from'} VS ${this.plan.vsLabel}`);
    if (this.poolServes()) fx.argv.push(alive ? this.addArgv(r.plan, r.weight, inhibit) : this.delArgv(r.plan, inhibit));
    r.alive = alive;
    const script = alive ? r.plan.notifyUp : r.plan.notifyDown;
    if (script) fx.scripts.push(script);
    this.updateQuorum(fx);
  }

  /** update_quorum_state: gain at quorum + hysteresis, lose below quorum - hysteresis (or at 0). */
  private updateQuorum(fx: Effects): void {
    const { quorum: q, hysteresis: h, vsLabel, sorry } = this.plan;
    const sum = this.aliveWeight();
    if (!this.quorumUp && sum >= q + h) {
      this.quorumUp = true;
      fx.log.push(`Gained quorum ${q}+${h}=${q + h} <= ${sum} for VS ${vsLabel}`);
      if (sorry && this.sorryAlive) {
        // keepalived's order (update_quorum_state): the sorry server leaves, then the alive servers return
        fx.log.push(`${sorry.inhibit ? 'Disabling' : 'Removing'} sorry server ${sorry.rsLabel} from VS ${vsLabel}`);
        fx.argv.push(this.delArgv(sorry, sorry.inhibit));
        this.sorryAlive = false;
        this.poolAction(true, fx);
      }
      if (this.plan.quorumUp) fx.scripts.push(this.plan.quorumUp);
    } else if (this.quorumUp && (sum === 0 || sum < q - h)) {
      this.quorumUp = false;
      fx.log.push(`Lost quorum ${q}-${h}=${q - h} > ${sum} for VS ${vsLabel}`);
      if (this.plan.quorumDown) fx.scripts.push(this.plan.quorumDown);
      if (sorry) {
        // keepalived's order: the alive servers leave (perform_quorum_state), then the sorry server comes in
        fx.log.push(`${sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${sorry.rsLabel} to VS ${vsLabel}`);
        this.poolAction(false, fx);
        fx.argv.push(this.addArgv(sorry, 1, sorry.inhibit));
        this.sorryAlive = true;
      }
    }
  }

  /** perform_quorum_state: put the alive real servers back, or take them out for the sorry server. */
  private poolAction(add: boolean, fx: Effects): void {
    fx.log.push(`${add ? 'Adding alive servers to' : 'Removing alive servers from'} the pool for VS ${this.plan.vsLabel}`);
    for (const r of this.rs) {
      if (!r.alive) continue;
      fx.argv.push(add ? this.addArgv(r.plan, r.weight, r.plan.inhibitOnFailure) : this.delArgv(r.plan, r.plan.inhibitOnFailure));
    }
  }

  private editArgv(d: PoolDest, weight: number): string[] {
    return ['-e', ...this.plan.serviceArgs, '-r', d.dest, d.methodFlag, '-w', String(weight)];
  }

  /** An inhibited server stays in the table: back means its weight again. */
  private addArgv(d: PoolDest, weight: number, inhibit: boolean): string[] {
    return inhibit ? this.editArgv(d, weight) : ['-a', ...this.plan.serviceArgs, '-r', d.dest, d.methodFlag, '-w', String(weight)];
  }

  /** An inhibited server stays in the table with weight 0 instead of leaving it. */
  private delArgv(d: PoolDest, inhibit: boolean): string[] {
    return inhibit ? this.editArgv(d, 0) : ['-d', ...this.plan.serviceArgs, '-r', d.dest];
  }
}

export { noEffects };
