// keepalived's handling of `lvs_sync_daemon` (or the deprecated per-instance
// `lvs_sync_daemon_interface`): the IPVS sync daemon follows one VRRP instance — master daemon while
// the instance is MASTER, backup daemon otherwise (ipvs_syncd_master / ipvs_syncd_backup, each
// stopping the other first). Without an instance, keepalived's checker starts both daemons at once
// with syncid 0. keepalived ignores (logs) start/stop errors; so does this. The follower is pure:
// what it drives is injected (the director's sync module passes `ipvsadm --start-daemon` /
// `--stop-daemon`, the command keepalived's settings make).
import type { SyncDaemonOptions } from '../ipvs/types.js';
import { SyncDaemonError } from '../ipvs/sync/sync-daemon.js';
import { effectiveSyncDaemon } from './defaults.js';
import { mapInterfaces } from './interfaces.js';
import { parseKeepalivedConf } from './parse.js';

/**
 * What the follower drives: the SyncDaemons themselves, or `ipvsadm --start-daemon/--stop-daemon`
 * (what keepalived really does, through the director's ipvsadm entry point).
 */
export interface SyncDaemonControl {
  start(o: SyncDaemonOptions): void | Promise<void>;
  stop(state: 'master' | 'backup'): void | Promise<void>;
  /** resolves when sockets are open/closed, if the control knows */
  idle?(): Promise<void>;
}

/** The effective lvs_sync_daemon settings (effectiveSyncDaemon in defaults.ts gives this shape). */
export interface SyncDaemonPlan {
  interface: string;
  instance?: string;
  syncId: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

/** The effective lvs_sync_daemon of a keepalived.conf, or undefined (none, or misspelled). */
export function syncPlanOf(text: string, interfaces?: Record<string, string>): SyncDaemonPlan | undefined {
  const { config } = parseKeepalivedConf(text);
  return effectiveSyncDaemon(interfaces ? mapInterfaces(config, interfaces) : config);
}

/** `ipvsadm --start-daemon ...` argv for one daemon, as keepalived's settings give it. */
export function startDaemonArgv(o: SyncDaemonOptions): string[] {
  const argv = ['--start-daemon', o.state, '--mcast-interface', o.mcastInterface, '--syncid', String(o.syncId)];
  if (o.syncMaxLen !== undefined) argv.push('--syncmaxlen', String(o.syncMaxLen));
  if (o.mcastGroup !== undefined) argv.push('--mcast-group', o.mcastGroup);
  if (o.mcastPort !== undefined) argv.push('--mcast-port', String(o.mcastPort));
  if (o.mcastTtl !== undefined) argv.push('--mcast-ttl', String(o.mcastTtl));
  return argv;
}

export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export class SyncDaemonFollower {
  private mode: 'master' | 'backup' | 'both' | 'none' = 'none';
  /** serialises start/stop so quick state flaps apply in order */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly daemons: SyncDaemonControl,
    private readonly plan: SyncDaemonPlan,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private options(state: 'master' | 'backup'): SyncDaemonOptions {
    const o: SyncDaemonOptions = { state, mcastInterface: this.plan.interface, syncId: this.plan.syncId };
    if (this.plan.maxlen !== undefined) o.syncMaxLen = this.plan.maxlen;
    if (this.plan.port !== undefined) o.mcastPort = this.plan.port;
    if (this.plan.ttl !== undefined) o.mcastTtl = this.plan.ttl;
    if (this.plan.group !== undefined) o.mcastGroup = this.plan.group;
    return o;
  }

  private async quietly(what: string, f: () => void | Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      // ESRCH on stopping a daemon that is not running is the normal case for keepalived.
      if (e instanceof SyncDaemonError && e.errno === 'ESRCH') return;
      this.log(`IPVS: ${what}: ${(e as Error).message}`);
    }
  }

  private enqueue(f: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(f, f);
    return this.chain;
  }

  /** keepalived start: both daemons when no instance is named; else nothing until the instance has a state. */
  start(): Promise<void> {
    if (this.plan.instance) return this.chain;
    return this.enqueue(async () => {
      // checker: "If we are running both master and backup, start them now" — syncid 0 when unset
      await this.quietly('start master daemon', () => this.daemons.start(this.options('master')));
      await this.quietly('start backup daemon', () => this.daemons.start(this.options('backup')));
      this.mode = 'both';
      await this.daemons.idle?.();
    });
  }

  /** Feed every VRRP instance state change (and the initial state) here. */
  onInstanceState(instance: string, state: VrrpStateName): Promise<void> {
    if (!this.plan.instance || instance !== this.plan.instance) return this.chain;
    const want: 'master' | 'backup' | 'none' = state === 'MASTER' ? 'master' : state === 'BACKUP' || state === 'FAULT' ? 'backup' : 'none';
    return this.enqueue(async () => {
      if (want === this.mode) return;
      if (want === 'master') {
        await this.quietly('stop backup daemon', () => this.daemons.stop('backup'));
        await this.quietly('start master daemon', () => this.daemons.start(this.options('master')));
      } else if (want === 'backup') {
        await this.quietly('stop master daemon', () => this.daemons.stop('master'));
        await this.quietly('start backup daemon', () => this.daemons.start(this.options('backup')));
      } else {
        await this.stopOwn();
      }
      this.mode = want;
      await this.daemons.idle?.();
    });
  }

  /** keepalived stop: the daemons it started go away. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopOwn();
      this.mode = 'none';
      await this.daemons.idle?.();
    });
  }

  /** Stop the daemons this follower started (not ones started by hand with ipvsadm). */
  private async stopOwn(): Promise<void> {
    if (this.mode === 'master' || this.mode === 'both') await this.quietly('stop master daemon', () => this.daemons.stop('master'));
    if (this.mode === 'backup' || this.mode === 'both') await this.quietly('stop backup daemon', () => this.daemons.stop('backup'));
  }
}
