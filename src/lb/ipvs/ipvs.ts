// The embedded IPVS: one object holding what a network namespace's kernel IPVS holds — services and
// their dests, the dest trash, the connection table, the protocol timeouts, the counters — with the
// control entry points of ip_vs_ctl.c (apply / ipvsadm) and the packet entry points of ip_vs_core.c
// (inbound = ip_vs_in, outbound = ip_vs_out). Time comes from an injectable clock and only moves
// timers when advance() (or a packet) looks at it, so tests advance time instead of sleeping.
import { formatIPv4, parseIPv4 } from './addr.js';
import { Conn, ConnTable } from './conn.js';
import { Dest } from './dest.js';
import { EST_PERIOD_MS } from './est.js';
import {
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_CONN_F_INACTIVE,
  IP_VS_CONN_F_LOCALNODE,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_NOOUTPUT,
  IP_VS_CONN_F_ONE_PACKET,
  IP_VS_CONN_F_SYNC,
  IP_VS_CONN_F_TEMPLATE,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  SCHED_FLAG_BITS,
} from './flags.js';
import { EXIT_KERNEL, IpvsadmError, kernelErrorMessage, type KernelErrno, type KernelOp } from '../ipvsadm/errors.js';
import { formatIpvsadm } from '../ipvsadm/format.js';
import { runIpvsadm, type IpvsadmTarget } from '../ipvsadm/run.js';
import { TCP_DEFAULT_TIMEOUTS, TCP_DIR_INPUT, TCP_DIR_INPUT_ONLY, TCP_DIR_OUTPUT, TCP_S, TCP_STATE_ACTIVE, TCP_STATE_NAMES, TH_RST, TH_SYN, tcpNextState } from './proto_tcp.js';
import { UDP_DEFAULT_TIMEOUTS, UDP_S_NORMAL } from './proto_udp.js';
import { createScheduler, type SchedEnv } from './sched/index.js';
import { Service } from './service.js';
import { Stats } from './stats.js';
import { resolveDaemonConfig, type SyncedConnImport } from './sync/rules.js';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Clock,
  type ConnSnapshot,
  type DestOptions,
  type DestSnapshot,
  type IpvsadmResult,
  type IpvsCommand,
  type IpvsSnapshot,
  type PacketHeaders,
  type ServiceKey,
  type ServiceOptions,
  type ServiceSnapshot,
  type SyncDaemonOptions,
  type Verdict,
} from './types.js';

/** net.ipv4.vs.* sysctls the core honours, with the kernel's defaults. */
export interface IpvsSysctl {
  /** conn_reuse_mode: 1 = a SYN hitting a TIME_WAIT/CLOSE entry is rescheduled (bit 2: also DR/TUN FIN_WAIT) */
  connReuseMode: number;
  /** expire_nodest_conn: expire (instead of drop) packets of conns whose dest is gone or quiesced */
  expireNodestConn: number;
  /** expire_quiescent_template: templates to weight-0 dests are invalid */
  expireQuiescentTemplate: number;
  /** seconds */
  lblcExpiration: number;
  /** seconds */
  lblcrExpiration: number;
  /** sloppy_tcp: schedule TCP on any segment, not only SYN */
  sloppyTcp: number;
}

export const DEFAULT_SYSCTL: IpvsSysctl = {
  connReuseMode: 1,
  expireNodestConn: 0,
  expireQuiescentTemplate: 0,
  lblcExpiration: 24 * 60 * 60,
  lblcrExpiration: 24 * 60 * 60,
  sloppyTcp: 0,
};

/**
 * Who runs the sync daemons `ipvsadm --start-daemon` asks for. Without one the core only records the
 * configuration (what `lvslab simulate` needs); the director plugs in the real daemons.
 */
export interface DaemonControl {
  /** throws an IpvsadmError-like object with `ipvsadmMessage`, or anything with a message */
  start(opts: SyncDaemonOptions): void;
  stop(state: 'master' | 'backup' | undefined): void;
  list(): SyncDaemonOptions[];
}

/** Hooks for the sync daemon and tools; they get the live Conn and must not keep or change it. */
export interface ConnObserver {
  /** a conn or template was created (scheduled, or imported from sync) */
  created?(c: Conn): void;
  /** a TCP conn changed state (also called for template ASSURED) */
  stateChanged?(c: Conn, oldState: number): void;
  /** a client packet of `c` was handled (where ip_vs_in calls ip_vs_sync_conn) */
  inbound?(c: Conn): void;
  /** a conn left the table */
  expired?(c: Conn): void;
}

export interface IpvsOptions {
  clock?: Clock;
  /** uniform [0,1) source for twos; Math.random by default */
  random?: () => number;
  sysctl?: Partial<IpvsSysctl>;
  /** connection hash table size shown as "(size=N)"; the kernel's default 2^12 */
  tableSize?: number;
  daemons?: DaemonControl;
}

const ACCEPT: Verdict = Object.freeze({ action: 'accept' });
const DROP_NODEST: Verdict = Object.freeze({ action: 'drop', reason: 'destination of the connection is not available' });
const REJECT_NODEST: Verdict = Object.freeze({ action: 'reject', reason: 'no destination available' });
const DROP_ONEPACKET: Verdict = Object.freeze({ action: 'drop', reason: 'connection could not be created' });

const FTPPORT = 21;
const FTPDATA = 20;
const IPPROTO_IP = 0;
const IP_VS_CTPL_S_ASSURED = 1;
const TEMPLATE_STATE_NAMES = ['NONE', 'ASSURED'];
/** ip_vs_conn_expire's retry for a template still controlling conns */
const EXPIRE_LATER_MS = 60_000;
/** IP_VS_DEST_TRASH_PERIOD */
const DEST_TRASH_PERIOD_MS = 120_000;
/** after this many idle estimator periods every rate is certainly 0 */
const EST_IDLE_TICKS = 400;

class KernelError extends Error {
  constructor(
    readonly op: KernelOp,
    readonly errno: KernelErrno | 'ERANGE',
  ) {
    super(errno === 'ERANGE' ? 'Numerical result out of range' : kernelErrorMessage(op, errno));
  }
}

const defaultClock: Clock = { now: () => performance.now() };

function sameKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark' || b.kind === 'fwmark') return a.kind === b.kind && (a as { fwmark: number }).fwmark === (b as { fwmark: number }).fwmark;
  return a.kind === b.kind && a.port === b.port && parseIPv4(a.addr) === parseIPv4(b.addr);
}

export class Ipvs {
  readonly clock: Clock;
  readonly sysctl: IpvsSysctl;
  readonly services: Service[] = [];
  /** deleted dests still referenced by connections (ipvs->dest_trash) */
  readonly trash: Dest[] = [];
  readonly conns = new ConnTable();
  readonly totals = new Stats();
  readonly tableSize: number;
  /** per-state timeouts, ms */
  readonly tcpTimeouts: number[] = TCP_DEFAULT_TIMEOUTS.map((s) => s * 1000);
  readonly udpTimeouts: number[] = UDP_DEFAULT_TIMEOUTS.map((s) => s * 1000);
  private readonly random: () => number;
  private readonly schedEnv: SchedEnv;
  private readonly daemonControl: DaemonControl | undefined;
  private readonly daemons: SyncDaemonOptions[] = [];
  private observers: ConnObserver[] = [];
  /** timer wheel: second -> conns filed there (lazily re-filed when their expiry moved) */
  private readonly wheel = new Map<number, Conn[]>();
  private nextEst: number;
  private nextTrash = Infinity;
  /** result of the last scheduling attempt: 1 accept untouched, 0 reject (ICMP), -1 drop */
  private ignored = 0;
  private lastNow: number;
  /** no timer fires before this (ms): packets run advance() themselves once it has passed */
  private nextDue = -Infinity;

  constructor(opts: IpvsOptions = {}) {
    this.clock = opts.clock ?? defaultClock;
    this.random = opts.random ?? Math.random;
    this.sysctl = { ...DEFAULT_SYSCTL, ...opts.sysctl };
    this.tableSize = opts.tableSize ?? 4096;
    this.daemonControl = opts.daemons;
    this.lastNow = this.now();
    this.nextEst = this.lastNow + EST_PERIOD_MS;
    this.schedEnv = {
      now: () => this.lastNow,
      random: () => this.random(),
      lblcExpiration: () => this.sysctl.lblcExpiration,
      lblcrExpiration: () => this.sysctl.lblcrExpiration,
    };
  }

  private now(): number {
    return Math.floor(this.clock.now());
  }

  /** Subscribe to connection events; returns the unsubscribe function. */
  observe(o: ConnObserver): () => void {
    this.observers = [...this.observers, o];
    return () => {
      this.observers = this.observers.filter((x) => x !== o);
    };
  }

  // ───────────────────────────── control plane (ip_vs_ctl.c) ─────────────────────────────

  /** `ipvsadm ARGS` against this IPVS (stdin feeds -R): ipvsadm's stdout, stderr and exit status. */
  ipvsadm(argv: readonly string[], stdin = ''): IpvsadmResult {
    return runIpvsadm(argv, stdin, this.ipvsadmTarget);
  }

  private readonly ipvsadmTarget: IpvsadmTarget = {
    apply: (cmd) => {
      this.advance();
      try {
        this.applyOrThrow(cmd);
      } catch (e) {
        if (e instanceof KernelError) throw new IpvsadmError(`${e.message}\n`, EXIT_KERNEL, false);
        throw e;
      }
    },
    snapshot: () => this.snapshot(),
  };

  /** Apply one parsed command with the kernel's semantics; errors come back as ipvsadm reports them. */
  apply(cmd: IpvsCommand): IpvsadmResult {
    this.advance();
    try {
      const stdout = this.applyOrThrow(cmd);
      return { stdout, stderr: '', status: 0 };
    } catch (e) {
      if (e instanceof KernelError) return { stdout: '', stderr: `${e.message}\n`, status: EXIT_KERNEL };
      if (e instanceof IpvsadmError) return { stdout: '', stderr: e.stderr, status: e.status };
      throw e;
    }
  }

  private applyOrThrow(cmd: IpvsCommand): string {
    switch (cmd.op) {
      case 'add-service':
        this.addService(cmd.service, cmd.options);
        return '';
      case 'edit-service':
        this.editService(cmd.service, cmd.options, cmd.complete === true);
        return '';
      case 'delete-service': {
        const svc = this.findServiceByKey(cmd.service);
        if (!svc) throw new KernelError('delete-service', 'ESRCH');
        this.deleteService(svc);
        return '';
      }
      case 'clear':
        for (const svc of [...this.services]) this.deleteService(svc);
        return '';
      case 'add-dest':
        this.addDest(cmd.service, cmd.dest, cmd.options);
        return '';
      case 'edit-dest':
        this.editDest(cmd.service, cmd.dest, cmd.options);
        return '';
      case 'delete-dest': {
        const svc = this.findServiceByKey(cmd.service);
        if (!svc) throw new KernelError('delete-dest', 'ESRCH');
        const d = svc.findDest(parseIPv4(cmd.dest.addr), this.destPort(svc, cmd.dest.port, undefined));
        if (!d) throw new KernelError('delete-dest', 'ENOENT');
        this.deleteDest(svc, d);
        return '';
      }
      case 'zero':
        this.zero(cmd.service);
        return '';
      case 'set-timeout':
        // ip_vs_set_timeout: 0 leaves a value unchanged
        if (cmd.tcp < 0 || cmd.tcpfin < 0 || cmd.udp < 0) throw new KernelError('set-timeout', 'EINVAL');
        if (cmd.tcp > 0) this.tcpTimeouts[TCP_S.ESTABLISHED] = cmd.tcp * 1000;
        if (cmd.tcpfin > 0) this.tcpTimeouts[TCP_S.FIN_WAIT] = cmd.tcpfin * 1000;
        if (cmd.udp > 0) this.udpTimeouts[UDP_S_NORMAL] = cmd.udp * 1000;
        return '';
      case 'start-daemon':
        this.startDaemon(cmd.options);
        return '';
      case 'stop-daemon':
        this.stopDaemon(cmd.state);
        return '';
      case 'restore':
        // apply() has no stdin: like `ipvsadm -R </dev/null`, nothing to do (ipvsadm() takes stdin)
        return '';
      case 'list':
      case 'save':
      case 'version':
      case 'help':
        return formatIpvsadm(cmd, this.snapshot());
    }
  }

  private findServiceByKey(key: ServiceKey): Service | undefined {
    return this.services.find((s) => sameKey(s.key, key));
  }

  private addService(key: ServiceKey, o: Partial<ServiceOptions>): void {
    if (this.findServiceByKey(key)) throw new KernelError('add-service', 'EEXIST');
    const svc = new Service(key, key.kind === 'fwmark' ? 0 : parseIPv4(key.addr));
    const sched = createScheduler(o.scheduler ?? 'wlc', svc, this.schedEnv);
    if (!sched) throw new KernelError('add-service', 'ENOENT');
    if (o.pe !== undefined && o.pe !== '' && o.pe !== 'sip') throw new KernelError('add-service', 'ENOENT');
    svc.scheduler = sched;
    this.setServiceOptions(svc, o, true);
    svc.stats.startEstimator();
    this.services.push(svc);
    this.nextDue = -Infinity;
  }

  private setServiceOptions(svc: Service, o: Partial<ServiceOptions>, complete: boolean): void {
    let flags = svc.flags;
    if (complete || o.schedFlags !== undefined) {
      flags &= ~(0x8 | 0x10 | 0x20);
      for (const name of o.schedFlags ?? []) {
        const bit = SCHED_FLAG_BITS[name];
        if (bit === undefined) throw new Error(`unknown scheduler flag '${name}'`);
        flags |= bit;
      }
      svc.schedFlagNames = [...(o.schedFlags ?? [])];
    }
    if (complete || 'persistence' in o) {
      if (o.persistence) {
        flags |= IP_VS_SVC_F_PERSISTENT;
        svc.timeout = o.persistence.timeout;
        svc.netmask = parseIPv4(o.persistence.netmask);
      } else {
        flags &= ~IP_VS_SVC_F_PERSISTENT;
        svc.timeout = 0;
        svc.netmask = 0xffffffff;
      }
    }
    if (complete || o.ops !== undefined) {
      if (o.ops) flags |= IP_VS_SVC_F_ONEPACKET;
      else flags &= ~IP_VS_SVC_F_ONEPACKET;
    }
    if (complete || 'pe' in o) svc.pe = o.pe || undefined;
    svc.flags = flags;
  }

  private editService(key: ServiceKey, o: Partial<ServiceOptions>, complete: boolean): void {
    const svc = this.findServiceByKey(key);
    if (!svc) throw new KernelError('edit-service', 'ESRCH');
    const name = o.scheduler ?? (complete ? 'wlc' : svc.scheduler.name);
    if (o.pe !== undefined && o.pe !== '' && o.pe !== 'sip') throw new KernelError('edit-service', 'ENOENT');
    if (name !== svc.scheduler.name) {
      // unbind the old scheduler, bind (init_service) the new one over the current dests
      const sched = createScheduler(name, svc, this.schedEnv);
      if (!sched) throw new KernelError('edit-service', 'ENOENT');
      svc.scheduler.done?.(svc);
      svc.scheduler = sched;
      this.nextDue = -Infinity;
    }
    this.setServiceOptions(svc, o, complete);
  }

  private deleteService(svc: Service): void {
    // __ip_vs_del_service: the scheduler is unbound first, then every dest goes to the trash
    // (without del_dest calls); conns keep pointing at them
    svc.scheduler.done?.(svc);
    for (const d of [...svc.dests]) this.unlinkDest(svc, d, false);
    this.services.splice(this.services.indexOf(svc), 1);
  }

  /** The port a dest gets: ipvsadm forces the service port for DR/TUN of non-fwmark services. */
  private destPort(svc: Service, port: number, forwarding: DestOptions['forwarding'] | undefined): number {
    if (svc.fwmark === 0 && (forwarding === 'route' || forwarding === 'tunnel')) return svc.port;
    return port;
  }

  private checkDestOptions(op: KernelOp, o: { weight: number; uThreshold: number; lThreshold: number }): void {
    if (o.weight < 0) throw new KernelError(op, 'ERANGE');
    if (o.lThreshold > o.uThreshold) throw new KernelError(op, 'ERANGE');
  }

  private addDest(key: ServiceKey, target: { addr: string; port: number }, o: Partial<DestOptions>): void {
    const svc = this.findServiceByKey(key);
    if (!svc) throw new KernelError('add-dest', 'ESRCH');
    const opts = {
      forwarding: o.forwarding ?? 'route',
      weight: o.weight ?? 1,
      uThreshold: o.uThreshold ?? 0,
      lThreshold: o.lThreshold ?? 0,
    };
    this.checkDestOptions('add-dest', opts);
    const addr = parseIPv4(target.addr);
    const port = this.destPort(svc, target.port, opts.forwarding);
    if (svc.findDest(addr, port)) throw new KernelError('add-dest', 'EEXIST');
    // ip_vs_trash_get_dest: a dest of the same service (by value) comes back with its counters
    let dest: Dest | undefined;
    const ti = this.trash.findIndex((d) => d.addr === addr && d.port === port && d.svc.fwmark === svc.fwmark && (svc.fwmark !== 0 || (d.svc.protocol === svc.protocol && d.svc.vaddr === svc.vaddr && d.svc.port === svc.port)));
    if (ti >= 0) {
      dest = this.trash[ti];
      this.trash.splice(ti, 1);
      if (dest.svc !== svc) {
        // rebinding to another service object zeroes the stats (__ip_vs_update_dest)
        dest.stats.zero();
        dest.svc = svc;
      }
    } else {
      dest = new Dest(addr, port, svc);
      dest.stats.startEstimator();
    }
    dest.tunnel = o.tunnel;
    dest.update(opts, true);
    svc.dests.unshift(dest);
    svc.scheduler.addDest?.(svc, dest);
  }

  private editDest(key: ServiceKey, target: { addr: string; port: number }, o: Partial<DestOptions>): void {
    const svc = this.findServiceByKey(key);
    if (!svc) throw new KernelError('edit-dest', 'ESRCH');
    const addr = parseIPv4(target.addr);
    const port = this.destPort(svc, target.port, o.forwarding);
    const dest = svc.findDest(addr, port);
    const opts = {
      forwarding: o.forwarding ?? dest?.forwarding ?? 'route',
      weight: o.weight ?? dest?.weight ?? 1,
      uThreshold: o.uThreshold ?? dest?.uThreshold ?? 0,
      lThreshold: o.lThreshold ?? dest?.lThreshold ?? 0,
    };
    this.checkDestOptions('edit-dest', opts);
    if (!dest) throw new KernelError('edit-dest', 'ENOENT');
    if (o.tunnel !== undefined || o.forwarding !== undefined) dest.tunnel = o.tunnel;
    dest.update(opts, false);
    svc.scheduler.updDest?.(svc, dest);
  }

  private deleteDest(svc: Service, d: Dest): void {
    this.unlinkDest(svc, d);
  }

  /** __ip_vs_unlink_dest + __ip_vs_del_dest: off the list, scheduler told, into the trash. */
  private unlinkDest(svc: Service, d: Dest, svcupd = true): void {
    const index = svc.dests.indexOf(d);
    svc.dests.splice(index, 1);
    d.available = false;
    if (svcupd) svc.scheduler.delDest?.(svc, d, index);
    if (this.trash.length === 0) {
      this.nextTrash = this.lastNow + DEST_TRASH_PERIOD_MS / 2;
      this.nextDue = Math.min(this.nextDue, this.nextTrash);
    }
    d.idleStart = -1;
    this.trash.unshift(d);
    // ip_vs_enqueue_expire_nodest_conns: with expire_nodest_conn the dest's conns go at once
    if (this.sysctl.expireNodestConn) this.expireNodestConnFlush();
  }

  /** ip_vs_expire_nodest_conn_flush: delete conns (and then-unused templates) of unavailable dests. */
  private expireNodestConnFlush(): void {
    const now = this.lastNow;
    const victims: Conn[] = [];
    for (const cp of this.conns) {
      const d = cp.dest;
      if (d === null || d.available || cp.nControl > 0) continue;
      victims.push(cp);
    }
    for (const cp of victims) {
      if (cp.dead) continue;
      const ct = cp.control;
      this.expireNow(cp, now);
      if (ct !== null && !ct.dead && ct.nControl === 0) this.expireNow(ct, now);
    }
  }

  private zero(key: ServiceKey | undefined): void {
    if (key) {
      const svc = this.findServiceByKey(key);
      if (!svc) throw new KernelError('zero', 'ESRCH');
      svc.stats.zero();
      for (const d of svc.dests) d.stats.zero();
      return;
    }
    for (const svc of this.services) {
      svc.stats.zero();
      for (const d of svc.dests) d.stats.zero();
    }
    this.totals.zero();
  }

  private startDaemon(o: SyncDaemonOptions): void {
    if (this.daemonControl) {
      try {
        this.daemonControl.start(o);
      } catch (e) {
        const msg = (e as { ipvsadmMessage?: string }).ipvsadmMessage ?? (e as Error).message;
        throw new IpvsadmError(`${msg}\n`, EXIT_KERNEL);
      }
      return;
    }
    if (this.daemons.some((d) => d.state === o.state)) throw new KernelError('start-daemon', 'EEXIST');
    // the kernel's defaults as it reports them, for an interface with the usual 1500-byte MTU
    const c = resolveDaemonConfig(o, 1500);
    this.daemons.push({ state: c.state, mcastInterface: c.mcastInterface, syncId: c.syncId, syncMaxLen: c.maxLen, mcastGroup: c.group, mcastPort: c.port, mcastTtl: c.ttl });
  }

  private stopDaemon(state: 'master' | 'backup' | undefined): void {
    if (this.daemonControl) {
      try {
        this.daemonControl.stop(state);
      } catch (e) {
        const msg = (e as { ipvsadmMessage?: string }).ipvsadmMessage ?? (e as Error).message;
        throw new IpvsadmError(`${msg}\n`, EXIT_KERNEL);
      }
      return;
    }
    const i = this.daemons.findIndex((d) => state === undefined || d.state === state);
    if (i < 0) throw new KernelError('stop-daemon', 'ESRCH');
    this.daemons.splice(i, 1);
  }

  // ───────────────────────────── packet path (ip_vs_core.c) ─────────────────────────────

  /** ip_vs_service_find: fwmark first, then protocol/address/port, then a port-zero service. */
  findService(protocol: number, vaddr: number, vport: number, fwmark: number): Service | null {
    const list = this.services;
    const n = list.length;
    if (fwmark !== 0) {
      for (let i = 0; i < n; i++) if (list[i].fwmark === fwmark) return list[i];
    }
    let zero: Service | null = null;
    for (let i = 0; i < n; i++) {
      const s = list[i];
      if (s.fwmark !== 0 || s.protocol !== protocol || s.vaddr !== vaddr) continue;
      if (s.port === vport) return s;
      if (s.port === 0) zero = s;
    }
    return zero;
  }

  /** A client-to-VIP packet (ip_vs_in): find or schedule its conn, count it, move its state. */
  inbound(h: PacketHeaders): Verdict {
    const proto = h.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return ACCEPT;
    const now = this.now();
    if (now >= this.nextDue) this.advance();
    this.lastNow = now;
    const caddr = h.saddr | 0;
    const vaddr = h.daddr | 0;
    let cp = this.conns.inGet(proto, caddr, h.sport, vaddr, h.dport);
    if (cp !== null && cp.expires <= now) {
      this.expire(cp, cp.expires);
      if (cp.dead) cp = null;
    }
    let reschedOld: Conn | null = null;
    if (cp !== null && proto === IPPROTO_TCP && h.tcpFlags & TH_SYN) {
      // is_new_conn: a SYN on an existing entry may start a new connection
      const d = cp.dest;
      let resched = false;
      if (this.sysctl.expireNodestConn && d !== null && d.weight === 0) resched = true;
      else if (this.sysctl.connReuseMode && this.isNewConnExpected(cp)) resched = true;
      if (resched) {
        // ip_vs_conn_expire_now: gone from the table now, uncounted once the new conn is bound
        this.conns.remove(cp);
        reschedOld = cp;
        cp = null;
      }
    }
    if (cp !== null && cp.dest !== null && !cp.dest.available) {
      if (!this.sysctl.expireNodestConn) return DROP_NODEST;
      this.expireNow(cp, now);
      cp = null;
    }
    if (cp === null) {
      const v = this.schedulePacket(h, now);
      if (reschedOld !== null) this.expireNow(reschedOld, now);
      if (v !== null) return v;
      cp = this.justCreated!;
      this.justCreated = null;
    }
    const d = cp.dest;
    if (d !== null && d.available) {
      const len = h.length;
      const ds = d.stats;
      ds.inPkts++;
      ds.inBytes += len;
      const ss = d.svc.stats;
      ss.inPkts++;
      ss.inBytes += len;
      const ts = this.totals;
      ts.inPkts++;
      ts.inBytes += len;
    }
    if (proto === IPPROTO_TCP) this.tcpTransition(cp, TCP_DIR_INPUT, h.tcpFlags);
    else cp.timeout = this.udpTimeouts[UDP_S_NORMAL];
    const obs = this.observers;
    if (obs.length !== 0) for (const o of obs) o.inbound?.(cp);
    if (cp.flags & IP_VS_CONN_F_ONE_PACKET) {
      // ip_vs_conn_put with a 0 timeout: the conn dies right after its packet
      this.expireNow(cp, now);
      return cp.inVerdict;
    }
    this.touch(cp, now);
    return cp.inVerdict;
  }

  /** Set by schedulePacket when it created a conn. */
  private justCreated: Conn | null = null;

  /** tcp/udp_conn_schedule + ip_vs_schedule: null when a conn was created (in justCreated). */
  private schedulePacket(h: PacketHeaders, now: number): Verdict | null {
    const proto = h.proto;
    if (proto === IPPROTO_TCP) {
      const f = h.tcpFlags;
      if (f & TH_RST || !(this.sysctl.sloppyTcp || f & TH_SYN)) return ACCEPT;
    }
    const svc = this.findService(proto, h.daddr >>> 0, h.dport, h.fwmark);
    if (svc === null) return ACCEPT;
    const cp = this.scheduleConn(svc, h, now);
    if (cp === null) {
      // ip_vs_leave: ICMP port unreachable for TCP and UDP alike ("no matter it is TCP/UDP")
      if (this.ignored === 0) return REJECT_NODEST;
      return this.ignored > 0 ? ACCEPT : DROP_ONEPACKET;
    }
    this.justCreated = cp;
    return null;
  }

  /** ip_vs_schedule */
  private scheduleConn(svc: Service, h: PacketHeaders, now: number): Conn | null {
    this.ignored = 1;
    const cport = h.sport;
    const vport = h.dport;
    // never schedule active FTP data connections from a real server
    if (cport === FTPDATA) return null;
    if (svc.flags & IP_VS_SVC_F_PERSISTENT) return this.schedPersist(svc, h, now);
    this.ignored = 0;
    if (svc.fwmark === 0 && vport !== svc.port) return null; // port-zero services must be persistent
    this.lastNow = now;
    const dest = svc.scheduler.schedule(svc, h);
    if (dest === null) return null;
    const flags = svc.flags & IP_VS_SVC_F_ONEPACKET && h.proto === IPPROTO_UDP ? IP_VS_CONN_F_ONE_PACKET : 0;
    const cp = this.connNew(h.proto, h.saddr | 0, cport, h.daddr | 0, vport, dest.addr, dest.port || vport, flags, dest, h.fwmark, now);
    this.connStats(dest, svc);
    return cp;
  }

  /** ip_vs_sched_persist: find or create the client's template, then the conn under it. */
  private schedPersist(svc: Service, h: PacketHeaders, now: number): Conn | null {
    const snet = (h.saddr & svc.netmask) | 0;
    const dstPort = h.dport;
    let protocol = h.proto;
    let tvaddr = h.daddr | 0;
    let tvport = 0;
    if (dstPort === svc.port) {
      if (svc.port !== FTPPORT) tvport = dstPort;
    } else if (svc.fwmark !== 0) {
      protocol = IPPROTO_IP;
      tvaddr = svc.fwmark | 0;
    }
    let ct = this.conns.templateGet(protocol, snet, tvaddr, tvport);
    if (ct !== null && ct.expires <= now) {
      this.expire(ct, ct.expires);
      if (ct.dead) ct = null;
    }
    let dest: Dest;
    if (ct === null || !this.checkTemplate(ct)) {
      this.lastNow = now;
      const d = svc.scheduler.schedule(svc, h);
      if (d === null) {
        this.ignored = 0;
        return null;
      }
      dest = d;
      const tdport = dstPort === svc.port && svc.port !== FTPPORT ? dest.port : 0;
      ct = this.connNew(protocol, snet, 0, tvaddr, tvport, dest.addr, tdport, IP_VS_CONN_F_TEMPLATE, dest, h.fwmark, now);
      ct.timeout = svc.timeout * 1000;
    } else {
      dest = ct.dest!;
    }
    let dport = dstPort;
    if (dport === svc.port && dest.port) dport = dest.port;
    const flags = svc.flags & IP_VS_SVC_F_ONEPACKET && h.proto === IPPROTO_UDP ? IP_VS_CONN_F_ONE_PACKET : 0;
    const cp = this.connNew(h.proto, h.saddr | 0, h.sport, h.daddr | 0, dstPort, dest.addr, dport, flags, dest, h.fwmark, now);
    cp.control = ct;
    ct.nControl++;
    // ip_vs_conn_put(ct): the template's timer restarts with each conn it schedules
    this.touch(ct, now);
    this.connStats(dest, svc);
    return cp;
  }

  /** ip_vs_check_template: a template to a gone (or, by sysctl, quiesced) dest is invalidated. */
  private checkTemplate(ct: Conn): boolean {
    const d = ct.dest;
    if (d === null || !d.available || (this.sysctl.expireQuiescentTemplate !== 0 && d.weight === 0)) {
      if (ct.vport !== 0xffff) {
        // rehashed under an impossible port so no lookup finds it; it lingers until its timer
        this.conns.remove(ct);
        ct.dport = 0xffff;
        ct.vport = 0xffff;
        ct.cport = 0;
        this.conns.add(ct);
      }
      return false;
    }
    return true;
  }

  /** is_new_conn_expected */
  private isNewConnExpected(cp: Conn): boolean {
    if (cp.control !== null) return false;
    if (cp.protocol !== IPPROTO_TCP) return false;
    return (
      cp.state === TCP_S.TIME_WAIT ||
      cp.state === TCP_S.CLOSE ||
      ((this.sysctl.connReuseMode & 2) !== 0 && cp.state === TCP_S.FIN_WAIT && (cp.flags & IP_VS_CONN_F_NOOUTPUT) !== 0)
    );
  }

  private connStats(dest: Dest, svc: Service): void {
    dest.stats.conns++;
    svc.stats.conns++;
    this.totals.conns++;
  }

  /** ip_vs_conn_new: bind to the dest (counters, overload), state NONE with 3 s, hash it. */
  private connNew(protocol: number, caddr: number, cport: number, vaddr: number, vport: number, daddr: number, dport: number, flags: number, dest: Dest | null, fwmark: number, now: number): Conn {
    const cp = new Conn(protocol, caddr, cport, vaddr, vport, daddr | 0, dport, flags, null, fwmark, ACCEPT, ACCEPT);
    this.bindDest(cp, dest);
    this.bindVerdicts(cp);
    cp.state = 0;
    cp.timeout = 3000;
    cp.expires = now + 3000;
    if (!(cp.flags & IP_VS_CONN_F_ONE_PACKET)) {
      this.conns.add(cp);
      this.file(cp);
    }
    const obs = this.observers;
    if (obs.length !== 0) for (const o of obs) o.created?.(cp);
    return cp;
  }

  /** ip_vs_bind_xmit: what every packet of the conn turns into. */
  private bindVerdicts(cp: Conn): void {
    const d = cp.dest;
    const daddr = cp.daddr >>> 0;
    switch (cp.flags & IP_VS_CONN_F_FWD_MASK) {
      case IP_VS_CONN_F_MASQ: {
        cp.inVerdict = d !== null && d.addr === daddr && d.port === cp.dport ? d.natVerdict : { action: 'dnat', daddr, dport: cp.dport };
        const svc = d?.svc;
        cp.outVerdict =
          svc && svc.vaddr === cp.vaddr >>> 0 && svc.port === cp.vport ? svc.snatVerdict : { action: 'snat', saddr: cp.vaddr >>> 0, sport: cp.vport };
        break;
      }
      case IP_VS_CONN_F_DROUTE:
        cp.inVerdict = d !== null && d.addr === daddr ? d.routeVerdict : { action: 'route', daddr };
        break;
      case IP_VS_CONN_F_TUNNEL:
        cp.inVerdict = d !== null && d.addr === daddr ? d.tunnelVerdict : { action: 'tunnel', daddr };
        break;
      case IP_VS_CONN_F_LOCALNODE:
      default:
        cp.inVerdict = ACCEPT;
    }
  }

  /** ip_vs_bind_dest */
  private bindDest(cp: Conn, dest: Dest | null): void {
    if (dest === null) return;
    let connFlags = dest.connFlags;
    let flags = cp.flags;
    if (flags & IP_VS_CONN_F_SYNC) {
      // a synced non-template conn keeps the master's activity flag; forwarding comes from the dest
      if (!(flags & IP_VS_CONN_F_TEMPLATE)) connFlags &= ~IP_VS_CONN_F_INACTIVE;
      flags &= ~(IP_VS_CONN_F_FWD_MASK | IP_VS_CONN_F_NOOUTPUT);
    }
    flags |= connFlags;
    cp.flags = flags;
    cp.dest = dest;
    if (!(flags & IP_VS_CONN_F_TEMPLATE)) {
      if (flags & IP_VS_CONN_F_INACTIVE) dest.inactConns++;
      else dest.activeConns++;
    } else dest.persistConns++;
    dest.refs++;
    dest.checkOverloadOnBind();
  }

  /** ip_vs_unbind_dest */
  private unbindDest(cp: Conn): void {
    const dest = cp.dest;
    if (dest === null) return;
    if (!(cp.flags & IP_VS_CONN_F_TEMPLATE)) {
      if (cp.flags & IP_VS_CONN_F_INACTIVE) dest.inactConns--;
      else dest.activeConns--;
    } else dest.persistConns--;
    dest.refs--;
    dest.checkOverloadOnUnbind();
  }

  /** set_tcp_state */
  private tcpTransition(cp: Conn, dir: number, tcpFlags: number): void {
    let off = dir;
    if (cp.flags & IP_VS_CONN_F_NOOUTPUT) {
      // DR/TUN never see replies: the INPUT_ONLY table, until an output packet proves otherwise
      if (off === TCP_DIR_OUTPUT) cp.flags &= ~IP_VS_CONN_F_NOOUTPUT;
      else off = TCP_DIR_INPUT_ONLY;
    }
    const ns = tcpNextState(off, cp.state, tcpFlags);
    const old = cp.state;
    if (ns !== old) {
      const d = cp.dest;
      if (d !== null) {
        const active = TCP_STATE_ACTIVE[ns];
        if (!(cp.flags & IP_VS_CONN_F_INACTIVE) && !active) {
          d.activeConns--;
          d.inactConns++;
          cp.flags |= IP_VS_CONN_F_INACTIVE;
        } else if (cp.flags & IP_VS_CONN_F_INACTIVE && active) {
          d.activeConns++;
          d.inactConns--;
          cp.flags &= ~IP_VS_CONN_F_INACTIVE;
        }
      }
      cp.state = ns;
      cp.timeout = this.tcpTimeouts[ns];
      if (ns === TCP_S.ESTABLISHED) this.assureTemplate(cp);
      const obs = this.observers;
      if (obs.length !== 0) for (const o of obs) o.stateChanged?.(cp, old);
      return;
    }
    cp.timeout = this.tcpTimeouts[ns];
  }

  /** ip_vs_control_assure_ct: a template whose conn got established is ASSURED */
  private assureTemplate(cp: Conn): void {
    const ct = cp.control;
    if (ct !== null && !(ct.state & IP_VS_CTPL_S_ASSURED) && ct.flags & IP_VS_CONN_F_TEMPLATE) {
      const old = ct.state;
      ct.state |= IP_VS_CTPL_S_ASSURED;
      const obs = this.observers;
      if (obs.length !== 0) for (const o of obs) o.stateChanged?.(ct, old);
    }
  }

  /** A real server's reply (ip_vs_out): NAT conns only; anything else passes untouched. */
  outbound(h: PacketHeaders): Verdict {
    const proto = h.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return ACCEPT;
    const now = this.now();
    if (now >= this.nextDue) this.advance();
    this.lastNow = now;
    const cp = this.conns.outGet(proto, h.saddr | 0, h.sport, h.daddr | 0, h.dport);
    if (cp === null) return ACCEPT;
    if (cp.expires <= now) {
      this.expire(cp, cp.expires);
      if (cp.dead) return ACCEPT;
    }
    if ((cp.flags & IP_VS_CONN_F_FWD_MASK) !== IP_VS_CONN_F_MASQ) return ACCEPT;
    const d = cp.dest;
    if (d !== null && d.available) {
      const len = h.length;
      const ds = d.stats;
      ds.outPkts++;
      ds.outBytes += len;
      const ss = d.svc.stats;
      ss.outPkts++;
      ss.outBytes += len;
      const ts = this.totals;
      ts.outPkts++;
      ts.outBytes += len;
    }
    if (proto === IPPROTO_TCP) this.tcpTransition(cp, TCP_DIR_OUTPUT, h.tcpFlags);
    else {
      cp.timeout = this.udpTimeouts[UDP_S_NORMAL];
      // udp_state_transition: a reply assures the persistence template
      this.assureTemplate(cp);
    }
    this.touch(cp, now);
    return cp.outVerdict;
  }

  // ───────────────────────────── timers ─────────────────────────────

  /** ip_vs_conn_put: restart the conn's timer with its current timeout. */
  private touch(cp: Conn, now: number): void {
    const e = now + cp.timeout;
    cp.expires = e;
    // the wheel is lazy: only an expiry earlier than the slot it sits in needs re-filing
    if (e < cp.slot * 1000) this.file(cp);
  }

  private file(cp: Conn): void {
    const s = Math.floor(cp.expires / 1000);
    cp.slot = s;
    const a = this.wheel.get(s);
    if (a === undefined) this.wheel.set(s, [cp]);
    else a.push(cp);
    if (s * 1000 < this.nextDue) this.nextDue = s * 1000;
  }

  /** ip_vs_conn_expire at time `at`: a template still in use retries in 60 s, anything else goes. */
  private expire(cp: Conn, at: number): void {
    if (cp.dead) return;
    if (cp.nControl > 0) {
      cp.timeout = EXPIRE_LATER_MS;
      cp.expires = at + EXPIRE_LATER_MS;
      this.file(cp);
      return;
    }
    this.conns.remove(cp);
    cp.dead = true;
    cp.slot = -1;
    const ct = cp.control;
    if (ct !== null) {
      cp.control = null;
      ct.nControl--;
      // drop a controlling template that was never assured once its last conn was killed early
      if (cp.killed && ct.nControl === 0 && (!(ct.flags & IP_VS_CONN_F_TEMPLATE) || !(ct.state & IP_VS_CTPL_S_ASSURED))) {
        ct.killed = true;
        this.expire(ct, at);
      }
    }
    this.unbindDest(cp);
    const obs = this.observers;
    if (obs.length !== 0) for (const o of obs) o.expired?.(cp);
  }

  /** ip_vs_conn_expire_now: the timer fires at once (timeout 0). */
  private expireNow(cp: Conn, now: number): void {
    cp.killed = true;
    cp.timeout = 0;
    this.expire(cp, now);
  }

  /** Run every timer due by the clock's now: conn expiry, the 2 s estimator, trash purge, lblc(r). */
  advance(): void {
    const now = this.now();
    const deferred: Conn[] = [];
    for (;;) {
      const tConn = this.nextWheelSlot();
      let t = Math.min(this.nextEst, this.nextTrash, tConn === Infinity ? Infinity : tConn * 1000);
      for (const svc of this.services) {
        const a = svc.scheduler.nextTimer?.();
        if (a !== undefined && a < t) t = a;
      }
      if (t > now) {
        this.nextDue = t;
        break;
      }
      this.lastNow = Math.max(this.lastNow, t);
      if (tConn !== Infinity && tConn * 1000 === t) this.runSlot(tConn, now, deferred);
      else if (this.nextEst === t) this.runEstimator(now);
      else if (this.nextTrash === t) this.runTrash(t);
      else for (const svc of this.services) svc.scheduler.advance?.(svc, t);
    }
    for (const cp of deferred) if (!cp.dead && cp.slot < 0) this.file(cp);
    this.lastNow = now;
  }

  private nextWheelSlot(): number {
    let min = Infinity;
    for (const k of this.wheel.keys()) if (k < min) min = k;
    return min;
  }

  /**
   * Expire the conns of one wheel slot (one second). Conns whose expiry moved to a later second are
   * re-filed there, so every conn expires in its own second's turn, in time order with the other
   * timers; a conn due later within the current (partly elapsed) second waits in `deferred`.
   */
  private runSlot(slot: number, now: number, deferred: Conn[]): void {
    const list = this.wheel.get(slot)!;
    this.wheel.delete(slot);
    list.sort((a, b) => a.expires - b.expires);
    for (const cp of list) {
      if (cp.dead || cp.slot !== slot) continue;
      cp.slot = -1;
      if (Math.floor(cp.expires / 1000) > slot) this.file(cp);
      else if (cp.expires <= now) this.expire(cp, cp.expires);
      else deferred.push(cp);
    }
  }

  private allStats(): Stats[] {
    const out: Stats[] = [this.totals];
    for (const svc of this.services) {
      out.push(svc.stats);
      for (const d of svc.dests) out.push(d.stats);
    }
    return out;
  }

  private runEstimator(now: number): void {
    const stats = this.allStats();
    let ticks = 0;
    while (this.nextEst <= now) {
      // counters do not move while time is advanced, so after enough idle ticks every rate is 0
      if (ticks === EST_IDLE_TICKS) {
        for (const s of stats) {
          s.tick(); // picks up the counters once; later idle ticks would only decay the rates
          s.est.reset(s.live());
        }
        this.nextEst += Math.floor((now - this.nextEst) / EST_PERIOD_MS + 1) * EST_PERIOD_MS;
        break;
      }
      for (const s of stats) s.tick();
      this.nextEst += EST_PERIOD_MS;
      ticks++;
      // stop early so conn timers between ticks still run in time order
      if (this.nextWheelSlot() * 1000 < this.nextEst || this.nextTrash < this.nextEst) break;
    }
  }

  /** ip_vs_dest_trash_expire: free dests nobody references after a 120 s idle period. */
  private runTrash(t: number): void {
    for (let i = this.trash.length - 1; i >= 0; i--) {
      const d = this.trash[i];
      if (d.refs > 0) continue;
      if (d.idleStart >= 0) {
        if (t < d.idleStart + DEST_TRASH_PERIOD_MS) continue;
        this.trash.splice(i, 1);
      } else d.idleStart = t;
    }
    this.nextTrash = this.trash.length > 0 ? t + DEST_TRASH_PERIOD_MS / 2 : Infinity;
  }

  // ───────────────────────────── sync ─────────────────────────────

  /** The protocol timeouts in seconds, as the sync backup needs them for records without one. */
  protoTimeouts(): { tcp: readonly number[]; udp: number } {
    return { tcp: this.tcpTimeouts.map((ms) => ms / 1000), udp: this.udpTimeouts[UDP_S_NORMAL] / 1000 };
  }

  /**
   * Create or update a connection a sync master sent (ip_vs_proc_conn): the conn is bound to the
   * matching dest of the matching service if there is one (without one it is kept, unbound, as the
   * kernel does), keeps the master's state, activity and timeout, and is not scheduled.
   */
  importSyncedConn(c: SyncedConnImport): void {
    const now = this.now();
    this.lastNow = now;
    const protocol = c.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
    const caddr = parseIPv4(c.client.addr) | 0;
    const daddr = parseIPv4(c.dest.addr);
    let flags = c.flags;
    let cp: Conn | null;
    let tproto = protocol;
    let tvaddr = parseIPv4(c.virtual.addr) | 0;
    if (c.template && c.fwmark !== 0 && c.virtual.port === 0) {
      tproto = IPPROTO_IP;
      tvaddr = c.fwmark | 0;
    }
    if (!c.template) {
      cp = this.conns.inGet(protocol, caddr, c.client.port, tvaddr, c.virtual.port);
      if (cp !== null && (cp.dport !== c.dest.port || cp.daddr >>> 0 !== daddr)) {
        if (flags & IP_VS_CONN_F_INACTIVE) return; // the expiry news of a conn already replaced
        this.expireNow(cp, now);
        cp = null;
      }
    } else {
      cp = this.conns.templateGet(tproto, caddr, tvaddr, c.virtual.port);
    }
    if (cp !== null) {
      const d = cp.dest;
      if ((cp.flags ^ flags) & IP_VS_CONN_F_INACTIVE && !(flags & IP_VS_CONN_F_TEMPLATE) && d !== null) {
        if (flags & IP_VS_CONN_F_INACTIVE) {
          d.activeConns--;
          d.inactConns++;
        } else {
          d.activeConns++;
          d.inactConns--;
        }
      }
      // IP_VS_CONN_F_BACKUP_UPD_MASK: only INACTIVE and the SEQ bits come from the record
      const upd = IP_VS_CONN_F_INACTIVE | 0x0600;
      cp.flags = (flags & upd) | (cp.flags & ~upd);
    } else {
      const svc = this.findService(protocol, tvaddr >>> 0, c.virtual.port, c.fwmark);
      let dest: Dest | null = null;
      if (svc !== null) {
        const fwd = flags & IP_VS_CONN_F_FWD_MASK;
        const port = c.fwmark !== 0 && fwd !== IP_VS_CONN_F_MASQ ? 0 : c.dest.port;
        dest = svc.findDest(daddr, port) ?? svc.findDest(daddr, port ^ c.dest.port) ?? null;
      }
      cp = this.connNew(tproto, caddr, c.template ? 0 : c.client.port, tvaddr, c.virtual.port, daddr, c.dest.port, flags, dest, c.fwmark, now);
    }
    cp.state = c.state;
    cp.timeout = c.timeoutMs;
    cp.expires = now + cp.timeout;
    if (cp.slot < 0 || cp.expires < cp.slot * 1000) this.file(cp);
  }

  // ───────────────────────────── snapshot ─────────────────────────────

  snapshot(): IpvsSnapshot {
    this.advance();
    const now = this.lastNow;
    const services: ServiceSnapshot[] = this.services.map((svc) => ({
      key: { ...svc.key },
      options: {
        scheduler: svc.scheduler.name,
        schedFlags: [...svc.schedFlagNames],
        ...(svc.flags & IP_VS_SVC_F_PERSISTENT ? { persistence: { timeout: svc.timeout, netmask: formatIPv4(svc.netmask) } } : {}),
        ops: (svc.flags & IP_VS_SVC_F_ONEPACKET) !== 0,
        ...(svc.pe ? { pe: svc.pe } : {}),
      },
      dests: svc.dests.map((d) => this.destSnapshot(d)),
      stats: svc.stats.counters(),
      rate: svc.stats.rate(),
    }));
    const connections: ConnSnapshot[] = [];
    for (const c of this.conns) {
      if (c.dead) continue;
      connections.push(this.connSnapshot(c, now));
    }
    return {
      tableSize: this.tableSize,
      services,
      connections,
      timeouts: {
        tcp: this.tcpTimeouts[TCP_S.ESTABLISHED] / 1000,
        tcpfin: this.tcpTimeouts[TCP_S.FIN_WAIT] / 1000,
        udp: this.udpTimeouts[UDP_S_NORMAL] / 1000,
      },
      daemons: this.daemonControl ? this.daemonControl.list() : this.daemons.map((d) => ({ ...d })),
      totals: { stats: this.totals.counters(), rate: this.totals.rate() },
    };
  }

  private destSnapshot(d: Dest): DestSnapshot {
    const options: DestOptions = { forwarding: d.forwarding, weight: d.weight, uThreshold: d.uThreshold, lThreshold: d.lThreshold };
    if (d.tunnel) options.tunnel = { ...d.tunnel };
    return {
      addr: d.addrStr,
      port: d.port,
      options,
      activeConns: d.activeConns,
      inactConns: d.inactConns,
      persistConns: d.persistConns,
      stats: d.stats.counters(),
      rate: d.stats.rate(),
    };
  }

  /** One conn as /proc/net/ip_vs_conn shows it. */
  connSnapshot(c: Conn, now = this.lastNow): ConnSnapshot {
    const template = (c.flags & IP_VS_CONN_F_TEMPLATE) !== 0;
    let state: string;
    if (template) state = TEMPLATE_STATE_NAMES[c.state] ?? 'ERR!';
    else if (c.protocol === IPPROTO_TCP) state = TCP_STATE_NAMES[c.state] ?? 'ERR!';
    else state = 'UDP';
    const snap: ConnSnapshot = {
      protocol: c.protocol === IPPROTO_UDP ? 'udp' : 'tcp',
      template,
      client: { addr: formatIPv4(c.caddr >>> 0), port: c.cport },
      virtual: { addr: formatIPv4(c.vaddr >>> 0), port: c.vport },
      dest: { addr: formatIPv4(c.daddr >>> 0), port: c.dport },
      state,
      expiresIn: Math.max(0, Math.floor((c.expires - now) / 1000)),
    };
    // a fwmark template (IPPROTO_IP) carries the mark in its virtual address
    if (c.protocol === IPPROTO_IP) snap.fwmark = c.vaddr >>> 0;
    return snap;
  }
}
