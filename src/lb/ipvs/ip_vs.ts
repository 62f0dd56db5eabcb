// The IPVS objects and how they refer to each other, as the kernel's include/net/ip_vs.h defines
// them together: virtual services (struct ip_vs_service), real servers (struct ip_vs_dest) and the
// scheduler interface (struct ip_vs_scheduler). A service holds its dests and its scheduler, a
// dest points back at its service, a scheduler works on both — one module, so no import cycle.
import { formatIPv4, formatIPv6, formatInetAddr, sameInetAddr, type InetAddr } from './addr.js';
import { IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT, fwdFlags } from './flags.js';
import type { CountingModel } from './kernel.js';
import { Stats } from './stats.js';
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, type AddressFamily, type Forwarding, type In6Addr, type PacketHeaders, type ServiceKey, type TunnelOptions, type Verdict } from './types.js';


// Virtual services (struct ip_vs_service): identity, scheduler binding, flags, persistence and the
// dest list in the kernel's order — newest first (list_add_rcu at the head).
export class Service {
  /** IPPROTO_TCP / IPPROTO_UDP, 0 for fwmark services */
  readonly protocol: number;
  /** svc->af */
  readonly af: AddressFamily;
  /** IPv4: the address; IPv6: its fold (the full address is vaddr6) */
  readonly vaddr: number;
  /** IPv6 services' address; null for IPv4 and fwmark services */
  readonly vaddr6: In6Addr | null;
  readonly port: number;
  readonly fwmark: number;
  scheduler!: Scheduler;
  /** IP_VS_SVC_F_* bits (persistent, one-packet, scheduler flags) */
  flags = 0;
  /** persistence timeout, seconds */
  timeout = 0;
  /** persistence netmask: IPv4 a mask as a number, IPv6 a prefix length (svc->netmask) */
  netmask: number;
  pe: string | undefined;
  /** the -b names as given, for listings */
  schedFlagNames: string[] = [];
  /** newest first */
  readonly dests: Dest[] = [];
  readonly stats = new Stats();
  /** reused for every NAT reply of a connection to this service's own address and port */
  readonly snatVerdict: Verdict;

  /** `vaddr` is the service's address (ignored for fwmark services, whose family is key.af). */
  constructor(readonly key: ServiceKey, vaddr: InetAddr | null) {
    if (key.kind === 'fwmark') {
      this.protocol = 0;
      this.af = key.af ?? AF_INET;
      this.vaddr = 0;
      this.vaddr6 = null;
      this.port = 0;
      this.fwmark = key.fwmark;
    } else {
      if (vaddr === null) throw new Error('a TCP/UDP service needs its address');
      this.protocol = key.kind === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
      this.af = vaddr.af;
      this.vaddr = vaddr.ip;
      this.vaddr6 = vaddr.ip6;
      this.port = key.port;
      this.fwmark = 0;
    }
    this.netmask = this.af === AF_INET6 ? 128 : 0xffffffff;
    this.snatVerdict =
      this.vaddr6 !== null ? { action: 'snat', saddr: 0, sport: this.port, saddr6: this.vaddr6 } : { action: 'snat', saddr: this.vaddr, sport: this.port };
  }

  get persistent(): boolean {
    return (this.flags & IP_VS_SVC_F_PERSISTENT) !== 0;
  }

  get onePacket(): boolean {
    return (this.flags & IP_VS_SVC_F_ONEPACKET) !== 0;
  }

  /** ip_vs_lookup_dest: by family, address and port (an IPv4 number stands for an AF_INET address) */
  findDest(addr: number | InetAddr, port: number): Dest | undefined {
    if (typeof addr === 'number') {
      for (const d of this.dests) if (d.addr === addr && d.port === port && d.af === AF_INET) return d;
      return undefined;
    }
    for (const d of this.dests) if (d.port === port && sameInetAddr(d, addr)) return d;
    return undefined;
  }

  /** "TCP 10.0.0.1:80" / "TCP [2001:db8::1]:80" / "FWM 5", for messages */
  describe(): string {
    if (this.key.kind === 'fwmark') return `FWM ${this.fwmark}${this.af === AF_INET6 ? ' IPv6' : ''}`;
    const a = this.vaddr6 !== null ? `[${formatIPv6(this.vaddr6)}]` : formatIPv4(this.vaddr);
    return `${this.key.kind.toUpperCase()} ${a}:${this.port}`;
  }
}

// Real servers (struct ip_vs_dest): weight, thresholds with the overload hysteresis, connection
// counters, stats. A deleted dest that still has connections lingers in the trash and comes back,
// counters included, when re-added (ip_vs_trash_get_dest). How connections count depends on the
// kernel modelled (kernel.ts, docs/kernel-behaviour.md section 1): on the pinned kernel totalconns
// counts normal connections only, InActConn is totalconns - activeconns, overhead is
// (activeconns << 8) + totalconns, and the OVERLOAD flag changes only when totalconns crosses a
// threshold exactly; mainline counted templates in and re-checked the thresholds on every change.
export class Dest implements InetAddr {
  readonly addrStr: string;
  /** dest->af: may differ from the service's (tunnelling only, as the kernel allows) */
  readonly af: AddressFamily;
  /** IPv4: the address; IPv6: its fold (what sh/mh/dh hash, as the kernel folds dest->addr) */
  readonly addr: number;
  /** the IPv6 address, null for IPv4 */
  readonly addr6: In6Addr | null;
  /** the service this dest belongs (or, in the trash, belonged) to */
  svc: Service;
  forwarding: Forwarding = 'route';
  weight = 1;
  /** latest non-zero weight (mh keeps its table across quiescing) */
  lastWeight = 1;
  uThreshold = 0;
  lThreshold = 0;
  /** l_threshold_val: the lower threshold in force, l_threshold or else u_threshold - u_threshold/4 */
  lThresholdVal = 0;
  /** conn flags every new connection to this dest starts with */
  connFlags = 0;
  activeConns = 0;
  /** normal connections not active (ip_vs_dest_inactconns: totalconns - activeconns) */
  inactConns = 0;
  persistConns = 0;
  /** IP_VS_DEST_F_OVERLOAD */
  overload = false;
  /** IP_VS_DEST_CF_AVAILABLE: false while in the trash */
  available = true;
  /** references held by conns and lblc/lblcr entries (the kernel's refcnt minus its own) */
  refs = 0;
  /** trash bookkeeping: when it was first seen idle in the trash (ms), or -1 */
  idleStart = -1;
  readonly stats = new Stats();
  /** verdicts reused for every packet of connections whose real port is this dest's port */
  routeVerdict: Verdict;
  natVerdict: Verdict;
  tunnelVerdict: Verdict;
  /** --tun-type and friends of a tunnel dest, kept for listings */
  tunnel: TunnelOptions | undefined;

  /** `addr`: an IPv4 address as a number, or an address of either family */
  constructor(
    addr: number | InetAddr,
    readonly port: number,
    svc: Service,
    readonly counting: CountingModel = 'totalconns',
  ) {
    const a: InetAddr = typeof addr === 'number' ? { af: AF_INET, ip: addr, ip6: null } : addr;
    this.af = a.af;
    this.addr = a.ip;
    this.addr6 = a.ip6;
    this.addrStr = formatInetAddr(a);
    this.svc = svc;
    const a6 = this.addr6;
    if (a6 !== null) {
      this.routeVerdict = { action: 'route', daddr: 0, daddr6: a6 };
      this.natVerdict = { action: 'dnat', daddr: 0, dport: port, daddr6: a6 };
      this.tunnelVerdict = { action: 'tunnel', daddr: 0, daddr6: a6 };
    } else {
      this.routeVerdict = { action: 'route', daddr: this.addr };
      this.natVerdict = { action: 'dnat', daddr: this.addr, dport: port };
      this.tunnelVerdict = { action: 'tunnel', daddr: this.addr };
    }
  }

  /** InetAddr's view of the dest's address */
  get ip(): number {
    return this.addr;
  }
  get ip6(): In6Addr | null {
    return this.addr6;
  }

  /** totalconns: the normal (non-template) connections bound to this dest */
  totalConns(): number {
    return this.activeConns + this.inactConns;
  }

  /** ip_vs_dest_conn_overhead: (activeconns << 8) + totalconns (pinned) or + inactconns (mainline) */
  overhead(): number {
    return this.activeConns * 256 + (this.counting === 'totalconns' ? this.totalConns() : this.inactConns);
  }

  /** what mainline's threshold checks counted: every connection, templates included */
  private allConns(): number {
    return this.activeConns + this.inactConns + this.persistConns;
  }

  /** The part of __ip_vs_update_dest that sets weight, forwarding and thresholds. */
  update(opts: { forwarding: Forwarding; weight: number; uThreshold: number; lThreshold: number }, add: boolean): void {
    if (add || opts.weight !== 0) this.lastWeight = opts.weight;
    this.weight = opts.weight;
    this.forwarding = opts.forwarding;
    let flags = fwdFlags(opts.forwarding) | IP_VS_CONN_F_INACTIVE;
    if (opts.forwarding !== 'masq') flags |= IP_VS_CONN_F_NOOUTPUT;
    this.connFlags = flags;
    this.available = true;
    if (this.counting === 'inactconns') {
      if (!opts.uThreshold || opts.uThreshold > this.allConns()) this.overload = false;
      this.uThreshold = opts.uThreshold;
      this.lThreshold = opts.lThreshold;
      return;
    }
    // only a change of either threshold re-evaluates the flag (mode 0)
    if (this.uThreshold !== opts.uThreshold || this.lThreshold !== opts.lThreshold) {
      this.uThreshold = opts.uThreshold;
      this.lThreshold = opts.lThreshold;
      this.lThresholdVal = opts.lThreshold || opts.uThreshold - (opts.uThreshold >>> 2);
      this.updateOverload(0);
    }
  }

  /**
   * __ip_vs_dest_update_overload: with no upper threshold the flag is cleared; otherwise it is set
   * when totalconns >= (mode > 0 ? lower : upper), kept when totalconns >= (mode < 0 ? upper :
   * lower), cleared below that.
   */
  private updateOverload(mode: -1 | 0 | 1): void {
    const u = this.uThreshold;
    if (u === 0) {
      this.overload = false;
      return;
    }
    const l = this.lThresholdVal;
    const conns = this.totalConns();
    if (conns >= (mode > 0 ? l : u)) this.overload = true;
    else if (conns < (mode < 0 ? u : l)) this.overload = false;
  }

  /** ip_vs_bind_dest's counting: a connection (or template) bound to this dest. */
  bind(template: boolean, inactive: boolean): void {
    if (template) this.persistConns++;
    else if (inactive) this.inactConns++;
    else this.activeConns++;
    if (this.counting === 'inactconns') {
      if (this.uThreshold !== 0 && this.allConns() >= this.uThreshold) this.overload = true;
    } else if (!template && this.totalConns() === this.uThreshold) this.updateOverload(1);
  }

  /** ip_vs_unbind_dest's counting: a connection (or template) released. */
  unbind(template: boolean, inactive: boolean): void {
    const before = this.totalConns();
    if (template) this.persistConns--;
    else if (inactive) this.inactConns--;
    else this.activeConns--;
    if (this.counting === 'totalconns') {
      if (!template && before === this.lThresholdVal) this.updateOverload(-1);
      return;
    }
    if (this.lThreshold !== 0) {
      if (this.allConns() < this.lThreshold) this.overload = false;
    } else if (this.uThreshold !== 0) {
      if (this.allConns() * 4 < this.uThreshold * 3) this.overload = false;
    } else this.overload = false;
  }
}

// What a scheduler module provides (struct ip_vs_scheduler): per-service state created at bind time,
// hooks called when the dest list changes, and schedule(). Dests are in `svc.dests`, newest first —
// the kernel's list order, which decides every tie.
export interface SchedEnv {
  /** ms, the core's clock */
  now(): number;
  /** uniform in [0, 1): the kernel's get_random_u32_below() source for twos */
  random(): number;
  /** sysctl net.ipv4.vs.lblc_expiration / lblcr_expiration, seconds */
  lblcExpiration(): number;
  lblcrExpiration(): number;
}

export interface Scheduler {
  readonly name: string;
  /** Pick a dest for a new connection (or persistence template), or null: "no destination available". */
  schedule(svc: Service, h: PacketHeaders): Dest | null;
  /** after `dest` was put at the head of svc.dests */
  addDest?(svc: Service, dest: Dest): void;
  /** after `dest` was removed from svc.dests, where it sat at `index` */
  delDest?(svc: Service, dest: Dest, index: number): void;
  /** after an existing dest's weight/thresholds/forwarding changed */
  updDest?(svc: Service, dest: Dest): void;
  /** periodic work (lblc/lblcr table expiry), driven by the core's clock */
  advance?(svc: Service, now: number): void;
  /** unbound from its service (scheduler changed, service deleted): drop what it holds */
  done?(svc: Service): void;
  /** when advance() next has work (ms), if the scheduler has timers */
  nextTimer?(): number;
}

export type SchedulerFactory = (svc: Service, env: SchedEnv) => Scheduler;
