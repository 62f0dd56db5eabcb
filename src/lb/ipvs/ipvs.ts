// The embedded IPVS of one network namespace (the kernel's struct netns_ipvs): this class only ties
// the parts together, each in the kernel's own file — ctl.ts (services, dests, the dest trash, the
// control API), core.ts (the packet path), conn.ts (connections and their timers), xmit.ts (the
// forwarding decision), proto_tcp.ts / proto_udp.ts / proto.ts (states and timeouts), est.ts (the
// rate estimator), timers.ts (running the timers in time order) and sync/ (applying synced
// connections). Time comes from an injectable clock and only moves timers when advance() (or a
// packet or command) looks at it, so tests advance time instead of sleeping.
import { CoreTime, systemClock } from './clock.js';
import { ConnLifecycle, type ConnObserver } from './conn.js';
import { connSnapshot, type Conn } from './conn_entry.js';
import type { ConnTable } from './conn_tab.js';
import { IpvsCtl } from './ctl.js';
import { PacketPath } from './core.js';
import type { CtlError } from './errno.js';
import { PINNED_KERNEL, type KernelProfile } from './kernel.js';
import { TimeoutTable, type ProtoTimeouts } from './proto.js';
import type { SchedEnv } from './sched/index.js';
import type { Dest, Service } from './ip_vs.js';
import { Stats } from './stats.js';
import { applySyncedConn, type SyncedConnImport } from './sync/apply.js';
import { DaemonRecord } from './sync/config.js';
import { IpvsTimers } from './timers.js';
import { DEFAULT_SYSCTL, type Clock, type ConnSnapshot, type CtlCommand, type DaemonControl, type IpvsControl, type IpvsSnapshot, type IpvsSysctl, type PacketHeaders, type Verdict } from './types.js';

export type { ConnObserver } from './conn.js';
export type { DaemonControl, IpvsSysctl } from './types.js';
export { DEFAULT_SYSCTL } from './types.js';

export interface IpvsOptions {
  clock?: Clock;
  /** uniform [0,1) source for twos; Math.random by default */
  random?: () => number;
  sysctl?: Partial<IpvsSysctl>;
  /** connection hash table size shown as "(size=N)"; the kernel's default 2^12 */
  tableSize?: number;
  /** who runs the sync daemons `--start-daemon` asks for; without one the core only records them
   * with the kernel's defaults (what `lvslab simulate` needs), the director plugs in real ones */
  daemons?: DaemonControl;
  /** the kernel to model (kernel.ts): its scheduler modules and connection counting; the pinned
   * kernel by default */
  kernel?: KernelProfile;
}

export class Ipvs implements IpvsControl {
  readonly clock: Clock;
  readonly sysctl: IpvsSysctl;
  readonly tableSize: number;
  /** the kernel this IPVS models */
  readonly kernel: KernelProfile;
  readonly totals = new Stats();
  /** per-state timeouts, ms */
  readonly timeouts = new TimeoutTable();
  private readonly time: CoreTime;
  private readonly connLife: ConnLifecycle;
  private readonly ctl: IpvsCtl;
  private readonly path: PacketPath;
  private readonly timers: IpvsTimers;
  private readonly daemons: DaemonControl;

  constructor(opts: IpvsOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    const random = opts.random ?? Math.random;
    this.sysctl = { ...DEFAULT_SYSCTL, ...opts.sysctl };
    this.tableSize = opts.tableSize ?? 4096;
    this.kernel = opts.kernel ?? PINNED_KERNEL;
    const time = (this.time = new CoreTime(this.clock));
    const sysctl = this.sysctl;
    const schedEnv: SchedEnv = {
      now: () => time.lastNow,
      random: () => random(),
      lblcExpiration: () => sysctl.lblcExpiration,
      lblcrExpiration: () => sysctl.lblcrExpiration,
    };
    this.connLife = new ConnLifecycle(time, sysctl);
    const daemons = opts.daemons ?? new DaemonRecord();
    this.ctl = new IpvsCtl({ time, sysctl, conns: this.connLife, totals: this.totals, timeouts: this.timeouts, schedEnv, daemons, kernel: this.kernel });
    this.timers = new IpvsTimers(time, this.connLife, this.ctl);
    this.path = new PacketPath({ time, sysctl, conns: this.connLife, ctl: this.ctl, timeouts: this.timeouts, totals: this.totals, runTimers: () => this.timers.run() });
    this.daemons = daemons;
  }

  /** the connection table (templates included) */
  get conns(): ConnTable<Conn> {
    return this.connLife.table;
  }

  /** the virtual services, in creation order */
  get services(): readonly Service[] {
    return this.ctl.services;
  }

  /** deleted dests still referenced by connections (ipvs->dest_trash) */
  get trash(): readonly Dest[] {
    return this.ctl.trash;
  }

  /** Subscribe to connection events; returns the unsubscribe function. */
  observe(o: ConnObserver): () => void {
    return this.connLife.observe(o);
  }

  /** The control API (ipvsadm's netlink): apply one command; null, or the op and errno of a refusal. */
  control(cmd: CtlCommand): CtlError | null {
    this.advance();
    return this.ctl.apply(cmd);
  }

  /** A client-to-VIP packet (ip_vs_in). */
  inbound(h: PacketHeaders): Verdict {
    return this.path.inbound(h);
  }

  /** A real server's reply (ip_vs_out). */
  outbound(h: PacketHeaders): Verdict {
    return this.path.outbound(h);
  }

  /** Run every timer due by the clock's now: conn expiry, the 2 s estimator, trash purge, lblc(r). */
  advance(): void {
    this.timers.run();
  }

  /** The protocol timeouts in seconds, as the sync backup needs them for records without one. */
  protoTimeouts(): ProtoTimeouts {
    return this.timeouts.seconds();
  }

  /** Create or update the connection a sync master sent (ip_vs_proc_conn); returns it, or null when
   * the record is the stale expiry news of a connection already replaced. */
  importSyncedConn(c: SyncedConnImport): Conn | null {
    return applySyncedConn({ time: this.time, conns: this.connLife, ctl: this.ctl }, c);
  }

  /** What /proc/net/ip_vs, ip_vs_conn and the netlink dumps show: the state ipvsadm lists. */
  snapshot(): IpvsSnapshot {
    this.advance();
    return {
      tableSize: this.tableSize,
      services: this.ctl.snapshot(),
      connections: this.connLife.snapshot(this.time.lastNow),
      timeouts: this.timeouts.shown(),
      daemons: this.daemons.list(),
      totals: { stats: this.totals.counters(), rate: this.totals.rate() },
    };
  }

  /** One conn as /proc/net/ip_vs_conn shows it. */
  connSnapshot(c: Conn): ConnSnapshot {
    return connSnapshot(c, this.time.lastNow);
  }
}
