// The control plane (ip_vs_ctl.c): virtual services and their dests, the dest trash, and the control
// API ipvsadm drives (do_ip_vs_set_ctl / the netlink commands): a command is applied with the
// kernel's semantics, and a refusal comes back as the op and errno the kernel returns. Also the
// lookups the packet path and the sync backup make (ip_vs_service_find, ip_vs_find_dest) and what
// /proc and ipvsadm's listings show of services.
import { equal6, parseInetAddr, sameInetAddr, type InetAddr } from './addr.js';
import type { CoreTime } from './clock.js';
import type { ConnLifecycle } from './conn.js';
import { Dest, Service } from './ip_vs.js';
import { errnoOf, type CtlError, type Errno, type IpvsOp } from './errno.js';
import { IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_MASQ, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED_MASK, SCHED_FLAG_BITS } from './flags.js';
import type { KernelProfile } from './kernel.js';
import type { TimeoutTable } from './proto.js';
import { createScheduler, type SchedEnv, type Scheduler } from './sched/index.js';
import { serviceSnapshot } from './ctl_get.js';
import type { Stats } from './stats.js';
import { AF_INET, AF_INET6, IPPROTO_TCP, type AddressFamily, type CtlCommand, type In6Addr, type DaemonControl, type DestOptions, type IpvsSysctl, type ServiceKey, type ServiceOptions, type ServiceSnapshot } from './types.js';

/** ip_vs_set_timeout's bound, INT_MAX / HZ seconds (HZ 250: Debian's amd64 build and the Kconfig default) */
const MAX_SET_TIMEOUT_S = Math.floor(0x7fffffff / 250);
/** the FTP control and data ports, which IPVS knows by number */
export const FTPPORT = 21;
export const FTPDATA = 20;
/** net.ipv4.ip_unprivileged_port_start's default: ports below need CAP_NET_BIND_SERVICE */
const IP_PROT_SOCK = 1024;
/** IP_VS_DEST_TRASH_PERIOD */
const DEST_TRASH_PERIOD_MS = 120_000;
/** The persistence engines the kernel knows (ip_vs_pe.c: only "sip"). */
export const KNOWN_PES: readonly string[] = ['sip'];

type DestTarget = { addr: string; port: number };
type DestLimits = { weight: number; uThreshold: number; lThreshold: number };

/** no engine, or one the kernel knows */
const knownPe = (pe: string | undefined): boolean => !pe || KNOWN_PES.includes(pe);

const refuse = (op: IpvsOp, errno: Errno): CtlError => ({ op, errno });

/** A service key's identity as the kernel compares it: af and fwmark, or af, protocol, address, port. */
function sameKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark' || b.kind === 'fwmark') {
    return a.kind === 'fwmark' && b.kind === 'fwmark' && a.fwmark === b.fwmark && (a.af ?? AF_INET) === (b.af ?? AF_INET);
  }
  return a.kind === b.kind && a.port === b.port && sameInetAddr(parseInetAddr(a.addr), parseInetAddr(b.addr));
}

/**
 * What ip_vs_new_dest accepts of an IPv6 real server: a unicast address that is not link-local
 * (ipv6_addr_type; the kernel also takes the director's own addresses, which the core cannot see).
 * `::` and multicast (ff00::/8) are not unicast, fe80::/10 is link-local.
 */
function destAddr6Allowed(a: In6Addr): boolean {
  if (a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0) return false;
  if (a[0] >>> 24 === 0xff) return false;
  if (a[0] >>> 22 === 0xfe80 >>> 6) return false;
  return true;
}

/** The fields of a conn that name its service and dest when ip_vs_find_dest looks for them. */
export interface FindDestFamilies {
  /** the conn's (service's) family and IPv6 virtual address */
  af: AddressFamily;
  vaddr6: In6Addr | null;
  /** the real server's family and IPv6 address */
  daf: AddressFamily;
  daddr6: In6Addr | null;
}

/** What the control plane works on besides its services: the rest of the namespace's IPVS. */
export interface CtlContext {
  readonly time: CoreTime;
  readonly sysctl: IpvsSysctl;
  readonly conns: ConnLifecycle;
  readonly totals: Stats;
  readonly timeouts: TimeoutTable;
  readonly schedEnv: SchedEnv;
  readonly daemons: DaemonControl;
  /** the kernel modelled: its scheduler modules and connection counting (kernel.ts) */
  readonly kernel: KernelProfile;
}

export class IpvsCtl {
  /** in creation order */
  readonly services: Service[] = [];
  /** deleted dests still referenced by connections (ipvs->dest_trash) */
  readonly trash: Dest[] = [];
  /** ms: the next trash check, Infinity while the trash is empty */
  nextTrash = Infinity;

  constructor(private readonly x: CtlContext) {}

  /** Apply one command: null, or what the kernel returns for a refusal. */
  apply(cmd: CtlCommand): CtlError | null {
    switch (cmd.op) {
      case 'add-service':
        return this.addService(cmd.service, cmd.options);
      case 'edit-service':
        return this.editService(cmd.service, cmd.options, cmd.complete === true);
      case 'delete-service': {
        const svc = this.findServiceByKey(cmd.service);
        if (!svc) return refuse('delete-service', 'ESRCH');
        this.deleteService(svc);
        return null;
      }
      case 'clear':
        for (const svc of [...this.services]) this.deleteService(svc);
        return null;
      case 'add-dest':
        return this.addDest(cmd.service, cmd.dest, cmd.options);
      case 'edit-dest':
        return this.editDest(cmd.service, cmd.dest, cmd.options);
      case 'delete-dest': {
        const svc = this.findServiceByKey(cmd.service);
        if (!svc) return refuse('delete-dest', 'ESRCH');
        const d = svc.findDest(parseInetAddr(cmd.dest.addr), this.destPort(svc, cmd.dest.port, undefined));
        if (!d) return refuse('delete-dest', 'ENOENT');
        this.unlinkDest(svc, d);
        return null;
      }
      case 'zero':
        return this.zero(cmd.service);
      case 'set-timeout':
        // ip_vs_set_timeout: 0 leaves a value unchanged; each must lie in 0..INT_MAX/HZ
        for (const v of [cmd.tcp, cmd.tcpfin, cmd.udp]) if (!(v >= 0 && v <= MAX_SET_TIMEOUT_S)) return refuse('set-timeout', 'EINVAL');
        this.x.timeouts.set(cmd);
        return null;
      case 'start-daemon':
        // ip_vs_genl_new_daemon: the sync protocol cannot carry conns of mixed-family dests
        if (this.services.some((svc) => svc.dests.some((d) => d.af !== svc.af))) return refuse('start-daemon', 'EINVAL');
        return this.daemonCall('start-daemon', () => this.x.daemons.start(cmd.options));
      case 'stop-daemon':
        return this.daemonCall('stop-daemon', () => this.x.daemons.stop(cmd.state));
      default:
        throw new Error(`'${(cmd as { op: string }).op}' is not a control command (listings are ipvsadm's work on a snapshot)`);
    }
  }

  /** start_sync_thread / stop_sync_thread: the daemon control's refusal as the errno it carries. */
  private daemonCall(op: IpvsOp, call: () => void): CtlError | null {
    try {
      call();
      return null;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === undefined) throw e;
      return refuse(op, errno);
    }
  }

  private findServiceByKey(key: ServiceKey): Service | undefined {
    return this.services.find((s) => sameKey(s.key, key));
  }

  private addService(key: ServiceKey, o: Partial<ServiceOptions>): CtlError | null {
    if (this.findServiceByKey(key)) return refuse('add-service', 'EEXIST');
    const svc = new Service(key, key.kind === 'fwmark' ? null : parseInetAddr(key.addr));
    const sched = this.bindScheduler(o.scheduler ?? 'wlc', svc);
    if (!sched || !knownPe(o.pe)) return refuse('add-service', 'ENOENT');
    if (!this.netmaskValid(svc, o)) return refuse('add-service', 'EINVAL');
    svc.scheduler = sched;
    this.setServiceOptions(svc, o, true);
    svc.stats.startEstimator();
    this.services.push(svc);
    this.x.time.rearm();
    return null;
  }

  /** ip_vs_scheduler_get + init_service: undefined when this kernel has no such scheduler module. */
  private bindScheduler(name: string, svc: Service): Scheduler | undefined {
    if (!this.x.kernel.schedulers.includes(name)) return undefined;
    return createScheduler(name, svc, this.x.schedEnv);
  }

  /** ip_vs_add_service / ip_vs_edit_service: an IPv6 service's prefix length must lie in 1..128. */
  private netmaskValid(svc: Service, o: Partial<ServiceOptions>): boolean {
    if (svc.af !== AF_INET6) return true;
    const plen = o.persistence ? Number(o.persistence.netmask) : 128;
    return Number.isInteger(plen) && plen >= 1 && plen <= 128;
  }

  /** The persistence netmask as svc->netmask holds it: an IPv4 mask, or an IPv6 prefix length. */
  private static netmaskOf(svc: Service, text: string): number {
    if (svc.af === AF_INET6) return Number(text);
    return parseInetAddr(text).ip;
  }

  private setServiceOptions(svc: Service, o: Partial<ServiceOptions>, complete: boolean): void {
    let flags = svc.flags;
    if (complete || o.schedFlags !== undefined) {
      flags &= ~IP_VS_SVC_F_SCHED_MASK;
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
        svc.netmask = IpvsCtl.netmaskOf(svc, o.persistence.netmask);
      } else {
        flags &= ~IP_VS_SVC_F_PERSISTENT;
        svc.timeout = 0;
        svc.netmask = svc.af === AF_INET6 ? 128 : 0xffffffff;
      }
    }
    if (complete || o.ops !== undefined) {
      if (o.ops) flags |= IP_VS_SVC_F_ONEPACKET;
      else flags &= ~IP_VS_SVC_F_ONEPACKET;
    }
    if (complete || 'pe' in o) svc.pe = o.pe || undefined;
    svc.flags = flags;
  }

  private editService(key: ServiceKey, o: Partial<ServiceOptions>, complete: boolean): CtlError | null {
    const svc = this.findServiceByKey(key);
    if (!svc) return refuse('edit-service', 'ESRCH');
    const name = o.scheduler ?? (complete ? 'wlc' : svc.scheduler.name);
    if (!knownPe(o.pe)) return refuse('edit-service', 'ENOENT');
    if ((complete || 'persistence' in o) && !this.netmaskValid(svc, o)) return refuse('edit-service', 'EINVAL');
    if (name !== svc.scheduler.name) {
      // unbind the old scheduler, bind (init_service) the new one over the current dests
      const sched = this.bindScheduler(name, svc);
      if (!sched) return refuse('edit-service', 'ENOENT');
      svc.scheduler.done?.(svc);
      svc.scheduler = sched;
      this.x.time.rearm();
    }
    this.setServiceOptions(svc, o, complete);
    return null;
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

  private checkDestLimits(op: IpvsOp, o: DestLimits): CtlError | null {
    if (o.weight < 0 || o.lThreshold > o.uThreshold) return refuse(op, 'ERANGE');
    return null;
  }

  /**
   * ip_vs_genl_set_cmd's check of a dest in the other family than its service: only a tunnel can
   * carry it, and not while a sync daemon runs (the sync protocol cannot describe such conns).
   */
  private mixedFamilyRefused(svc: Service, addr: InetAddr, forwarding: DestOptions['forwarding']): boolean {
    if (addr.af === svc.af) return false;
    return this.x.daemons.list().length > 0 || forwarding !== 'tunnel';
  }

  private addDest(key: ServiceKey, target: DestTarget, o: Partial<DestOptions>): CtlError | null {
    const svc = this.findServiceByKey(key);
    if (!svc) return refuse('add-dest', 'ESRCH');
    const opts = { forwarding: o.forwarding ?? 'route', weight: o.weight ?? 1, uThreshold: o.uThreshold ?? 0, lThreshold: o.lThreshold ?? 0 };
    const addr = parseInetAddr(target.addr);
    if (this.mixedFamilyRefused(svc, addr, opts.forwarding)) return refuse('add-dest', 'EINVAL');
    const bad = this.checkDestLimits('add-dest', opts);
    if (bad) return bad;
    const port = this.destPort(svc, target.port, opts.forwarding);
    if (svc.findDest(addr, port)) return refuse('add-dest', 'EEXIST');
    let dest = this.trashGetDest(svc, addr, port);
    if (!dest) {
      if (addr.ip6 !== null && !destAddr6Allowed(addr.ip6)) return refuse('add-dest', 'EINVAL');
      dest = new Dest(addr, port, svc, this.x.kernel.overheadModel);
      dest.stats.startEstimator();
    }
    dest.tunnel = o.tunnel;
    dest.update(opts, true);
    svc.dests.unshift(dest);
    svc.scheduler.addDest?.(svc, dest);
    return null;
  }

  /** ip_vs_trash_get_dest: a dest of the same service (by value) comes back with its counters. */
  private trashGetDest(svc: Service, addr: InetAddr, port: number): Dest | undefined {
    const sameVaddr = (t: Service): boolean => t.af === svc.af && t.vaddr === svc.vaddr && (svc.vaddr6 === null || (t.vaddr6 !== null && equal6(t.vaddr6, svc.vaddr6)));
    const i = this.trash.findIndex(
      (d) => d.port === port && sameInetAddr(d, addr) && d.svc.fwmark === svc.fwmark && (svc.fwmark !== 0 || (d.svc.protocol === svc.protocol && sameVaddr(d.svc) && d.svc.port === svc.port)),
    );
    if (i < 0) return undefined;
    const [dest] = this.trash.splice(i, 1);
    if (dest.svc !== svc) {
      // rebinding to another service object zeroes the stats (__ip_vs_update_dest)
      dest.stats.zero();
      dest.svc = svc;
    }
    return dest;
  }

  private editDest(key: ServiceKey, target: DestTarget, o: Partial<DestOptions>): CtlError | null {
    const svc = this.findServiceByKey(key);
    if (!svc) return refuse('edit-dest', 'ESRCH');
    const addr = parseInetAddr(target.addr);
    if (this.mixedFamilyRefused(svc, addr, o.forwarding ?? 'route')) return refuse('edit-dest', 'EINVAL');
    const dest = svc.findDest(addr, this.destPort(svc, target.port, o.forwarding));
    const opts = {
      forwarding: o.forwarding ?? dest?.forwarding ?? 'route',
      weight: o.weight ?? dest?.weight ?? 1,
      uThreshold: o.uThreshold ?? dest?.uThreshold ?? 0,
      lThreshold: o.lThreshold ?? dest?.lThreshold ?? 0,
    };
    const bad = this.checkDestLimits('edit-dest', opts);
    if (bad) return bad;
    if (!dest) return refuse('edit-dest', 'ENOENT');
    if (o.tunnel !== undefined || o.forwarding !== undefined) dest.tunnel = o.tunnel;
    dest.update(opts, false);
    svc.scheduler.updDest?.(svc, dest);
    return null;
  }

  /** __ip_vs_unlink_dest + __ip_vs_del_dest: off the list, scheduler told, into the trash. */
  private unlinkDest(svc: Service, d: Dest, svcupd = true): void {
    const index = svc.dests.indexOf(d);
    svc.dests.splice(index, 1);
    d.available = false;
    if (svcupd) svc.scheduler.delDest?.(svc, d, index);
    if (this.trash.length === 0) {
      this.nextTrash = this.x.time.lastNow + DEST_TRASH_PERIOD_MS / 2;
      this.x.time.arm(this.nextTrash);
    }
    d.idleStart = -1;
    this.trash.unshift(d);
    // ip_vs_enqueue_expire_nodest_conns: with expire_nodest_conn the dest's conns go at once
    if (this.x.sysctl.expireNodestConn) this.x.conns.expireNodestConnFlush(this.x.time.lastNow);
  }

  private zero(key: ServiceKey | undefined): CtlError | null {
    const svcs = key ? [this.findServiceByKey(key)] : this.services;
    for (const svc of svcs) {
      if (!svc) return refuse('zero', 'ESRCH');
      svc.stats.zero();
      for (const d of svc.dests) d.stats.zero();
    }
    if (!key) this.x.totals.zero();
    return null;
  }

  /**
   * ip_vs_service_find: fwmark first, then protocol/address/port; for TCP without one, an FTP
   * service (port 21) of that address takes FTP data (port 20, or any port from 1024 on:
   * inet_port_requires_bind_service); then a port-zero service.
   */
  findService(protocol: number, vaddr: number, vport: number, fwmark: number, af: AddressFamily = AF_INET, vaddr6: In6Addr | null = null): Service | null {
    const list = this.services;
    const n = list.length;
    if (fwmark !== 0) {
      for (let i = 0; i < n; i++) if (list[i].fwmark === fwmark && list[i].af === af) return list[i];
    }
    let zero: Service | null = null;
    let ftp: Service | null = null;
    for (let i = 0; i < n; i++) {
      const s = list[i];
      if (s.fwmark !== 0 || s.protocol !== protocol || s.vaddr !== vaddr || s.af !== af) continue;
      if (vaddr6 !== null && !equal6(s.vaddr6!, vaddr6)) continue;
      if (s.port === vport) return s;
      if (s.port === 0) zero = s;
      else if (s.port === FTPPORT) ftp = s;
    }
    if (ftp !== null && protocol === IPPROTO_TCP && (vport === FTPDATA || vport >= IP_PROT_SOCK)) return ftp;
    return zero;
  }

  /**
   * ip_vs_find_dest: the dest a synced connection belongs to — in the service it names, by real
   * address and port (a fwmark service's non-NAT dests have port 0), else by address and the
   * other of the two ports.
   */
  findDest(protocol: number, vaddr: number, vport: number, fwmark: number, daddr: number, dport: number, flags: number, fam?: FindDestFamilies): Dest | null {
    const svc = this.findService(protocol, vaddr, vport, fwmark, fam?.af ?? AF_INET, fam?.vaddr6 ?? null);
    if (svc === null) return null;
    const port = fwmark !== 0 && (flags & IP_VS_CONN_F_FWD_MASK) !== IP_VS_CONN_F_MASQ ? 0 : dport;
    const d: InetAddr = fam !== undefined ? { af: fam.daf, ip: daddr, ip6: fam.daddr6 } : { af: AF_INET, ip: daddr, ip6: null };
    return svc.findDest(d, port) ?? svc.findDest(d, port ^ dport) ?? null;
  }

  /** ip_vs_dest_trash_expire at `t`: free dests nobody references after a 120 s idle period. */
  runTrash(t: number): void {
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

  /** Every stats block the estimator ticks: the totals, each service's and each of its dests'. */
  allStats(): Stats[] {
    const out: Stats[] = [this.x.totals];
    for (const svc of this.services) {
      out.push(svc.stats);
      for (const d of svc.dests) out.push(d.stats);
    }
    return out;
  }

  /** The services as ipvsadm lists them (before its sorting). */
  snapshot(): ServiceSnapshot[] {
    return this.services.map(serviceSnapshot);
  }
}
