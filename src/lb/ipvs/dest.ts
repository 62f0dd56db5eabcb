// Real servers (struct ip_vs_dest): weight, thresholds with the overload hysteresis, connection
// counters, stats. A deleted dest that still has connections lingers in the trash and comes back,
// counters included, when re-added (ip_vs_trash_get_dest).
import { formatIPv4 } from './addr.js';
import { IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT, fwdFlags } from './flags.js';
import { Stats } from './stats.js';
import type { Forwarding, TunnelOptions, Verdict } from './types.js';
import type { Service } from './service.js';

export class Dest {
  readonly addrStr: string;
  /** the service this dest belongs (or, in the trash, belonged) to */
  svc: Service;
  forwarding: Forwarding = 'route';
  weight = 1;
  /** latest non-zero weight (mh keeps its table across quiescing) */
  lastWeight = 1;
  uThreshold = 0;
  lThreshold = 0;
  /** conn flags every new connection to this dest starts with */
  connFlags = 0;
  activeConns = 0;
  inactConns = 0;
  persistConns = 0;
  /** IP_VS_DEST_F_OVERLOAD */
  overload = false;
  /** IP_VS_DEST_F_AVAILABLE: false while in the trash */
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

  constructor(
    readonly addr: number,
    readonly port: number,
    svc: Service,
  ) {
    this.addrStr = formatIPv4(addr);
    this.svc = svc;
    this.routeVerdict = { action: 'route', daddr: addr };
    this.natVerdict = { action: 'dnat', daddr: addr, dport: port };
    this.tunnelVerdict = { action: 'tunnel', daddr: addr };
  }

  /** ip_vs_dest_totalconns */
  totalConns(): number {
    return this.activeConns + this.inactConns + this.persistConns;
  }

  /** ip_vs_dest_conn_overhead: active*256 + inactive */
  overhead(): number {
    return this.activeConns * 256 + this.inactConns;
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
    if (!opts.uThreshold || opts.uThreshold > this.totalConns()) this.overload = false;
    this.uThreshold = opts.uThreshold;
    this.lThreshold = opts.lThreshold;
  }

  /** ip_vs_bind_dest's threshold check, after a connection was counted. */
  checkOverloadOnBind(): void {
    if (this.uThreshold !== 0 && this.totalConns() >= this.uThreshold) this.overload = true;
  }

  /** ip_vs_unbind_dest's hysteresis, after a connection was uncounted. */
  checkOverloadOnUnbind(): void {
    if (this.lThreshold !== 0) {
      if (this.totalConns() < this.lThreshold) this.overload = false;
    } else if (this.uThreshold !== 0) {
      if (this.totalConns() * 4 < this.uThreshold * 3) this.overload = false;
    } else {
      this.overload = false;
    }
  }
}
