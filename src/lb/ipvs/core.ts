// The packet path (ip_vs_core.c): a client packet to a virtual service (ip_vs_in) finds its
// connection or, for a TCP SYN or any UDP datagram, schedules one (ip_vs_schedule, with
// persistence templates in ip_vs_sched_persist); a real server's NAT reply (ip_vs_out) finds its
// connection. Either way the packet is counted, its protocol moves the connection's state and
// restarts its timer, and the verdict (xmit.ts) says what the director does with the packet.
import type { CoreTime } from './clock.js';
import type { ConnLifecycle } from './conn.js';
import { Conn } from './conn_entry.js';
import { FTPDATA, FTPPORT, type IpvsCtl } from './ctl.js';
import type { Dest, Service } from './ip_vs.js';
import { IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_NOOUTPUT, IP_VS_CONN_F_ONE_PACKET, IP_VS_CONN_F_TEMPLATE, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT } from './flags.js';
import type { TimeoutTable } from './proto.js';
import { TCP_DIR_INPUT, TCP_DIR_OUTPUT, TCP_S, TH_RST, TH_SYN, setTcpState } from './proto_tcp.js';
import { udpStateTransition } from './proto_udp.js';
import type { Stats } from './stats.js';
import { fold6, prefix6 } from './addr.js';
import { AF_INET, AF_INET6, IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, type In6Addr, type IpvsSysctl, type PacketHeaders, type Verdict } from './types.js';
import type { ConnAddrs6 } from './conn_entry.js';
import { ACCEPT } from './xmit.js';

const DROP_NODEST: Verdict = Object.freeze({ action: 'drop', reason: 'destination of the connection is not available' });
const REJECT_NODEST: Verdict = Object.freeze({ action: 'reject', reason: 'no destination available' });


/** What the packet path works with: the rest of the namespace's IPVS. */
export interface CoreContext {
  readonly time: CoreTime;
  readonly sysctl: IpvsSysctl;
  readonly conns: ConnLifecycle;
  readonly ctl: IpvsCtl;
  readonly timeouts: TimeoutTable;
  readonly totals: Stats;
  /** run the timers that are due (timers.ts) */
  runTimers(): void;
}

function count(s: Stats, len: number, out: boolean): void {
  if (out) {
    s.outPkts++;
    s.outBytes += len;
  } else {
    s.inPkts++;
    s.inBytes += len;
  }
}

/** An IPv6 packet's headers must carry both addresses as four words. */
function checkHeaders6(h: PacketHeaders): void {
  if (h.saddr6?.length !== 4 || h.daddr6?.length !== 4) throw new Error('IPv6 packet headers (af AF_INET6) need saddr6 and daddr6 as four 32-bit words');
}

export class PacketPath {
  /** An IPv6 packet's headers with saddr/daddr set to the folds of its addresses (what schedulers
   * hash, as the kernel's do), reused for every IPv6 packet so the path allocates nothing. */
  private readonly h6: PacketHeaders = { proto: 0, saddr: 0, daddr: 0, sport: 0, dport: 0, tcpFlags: 0, length: 0, fwmark: 0, af: AF_INET6, saddr6: new Uint32Array(4), daddr6: new Uint32Array(4) };
  /** scratch for an IPv6 persistence template's masked client address */
  private readonly snet6 = new Uint32Array(4);

  constructor(private readonly x: CoreContext) {}

  private folded(h: PacketHeaders): PacketHeaders {
    checkHeaders6(h);
    const f = this.h6;
    f.proto = h.proto;
    f.sport = h.sport;
    f.dport = h.dport;
    f.tcpFlags = h.tcpFlags;
    f.length = h.length;
    f.fwmark = h.fwmark;
    f.saddr6!.set(h.saddr6!);
    f.daddr6!.set(h.daddr6!);
    f.saddr = fold6(f.saddr6!);
    f.daddr = fold6(f.daddr6!);
    return f;
  }

  /** The clock's now for a packet, after running the timers due by then. */
  private tick(): number {
    const time = this.x.time;
    const now = time.read();
    if (now >= time.nextDue) this.x.runTimers();
    time.lastNow = now;
    return now;
  }

  /** ip_vs_in: a client-to-VIP packet. Find or schedule its conn, count it, move its state. */
  inbound(h: PacketHeaders): Verdict {
    const proto = h.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return ACCEPT;
    // an IPv6 packet continues with its folded copy; the IPv4 path sees its own headers only
    return h.af === AF_INET6 ? this.inboundAf(this.folded(h), true) : this.inboundAf(h, false);
  }

  private inboundAf(h: PacketHeaders, v6: boolean): Verdict {
    const proto = h.proto;
    const now = this.tick();
    const { conns, sysctl } = this.x;
    let cp = v6 ? conns.table.inGet6(proto, h.saddr6!, h.sport, h.daddr6!, h.dport) : conns.table.inGet(proto, h.saddr | 0, h.sport, h.daddr | 0, h.dport);
    if (cp !== null && !conns.alive(cp, now)) cp = null;
    let reschedOld: Conn | null = null;
    if (cp !== null && proto === IPPROTO_TCP && h.tcpFlags & TH_SYN && this.isNewConn(cp)) {
      // ip_vs_conn_expire_now: gone from the table now, uncounted once the new conn is bound
      conns.table.remove(cp);
      reschedOld = cp;
      cp = null;
    }
    if (cp !== null && cp.dest !== null && !cp.dest.available) {
      if (!sysctl.expireNodestConn) return DROP_NODEST;
      conns.expireNow(cp, now);
      cp = null;
    }
    if (cp === null) {
      const r = this.schedulePacket(h, now);
      if (reschedOld !== null) conns.expireNow(reschedOld, now);
      if (!(r instanceof Conn)) return r;
      cp = r;
    }
    this.countPacket(cp.dest, h.length, false);
    if (proto === IPPROTO_TCP) this.tcpTransition(cp, TCP_DIR_INPUT, h.tcpFlags);
    else udpStateTransition(cp, this.x.timeouts.udp);
    for (const o of conns.observers) o.inbound?.(cp);
    if (cp.flags & IP_VS_CONN_F_ONE_PACKET) {
      // ip_vs_conn_put with a 0 timeout: the conn dies right after its packet
      conns.expireNow(cp, now);
      return cp.inVerdict;
    }
    conns.put(cp, now);
    return cp.inVerdict;
  }

  /** ip_vs_out: a real server's reply. NAT conns only; anything else passes untouched. */
  outbound(h: PacketHeaders): Verdict {
    const proto = h.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return ACCEPT;
    const v6 = h.af === AF_INET6;
    if (v6) checkHeaders6(h);
    const now = this.tick();
    const conns = this.x.conns;
    const cp = v6 ? conns.table.outGet6(proto, h.saddr6!, h.sport, h.daddr6!, h.dport) : conns.table.outGet(proto, h.saddr | 0, h.sport, h.daddr | 0, h.dport);
    if (cp === null || !conns.alive(cp, now)) return ACCEPT;
    if ((cp.flags & IP_VS_CONN_F_FWD_MASK) !== IP_VS_CONN_F_MASQ) return ACCEPT;
    this.countPacket(cp.dest, h.length, true);
    if (proto === IPPROTO_TCP) this.tcpTransition(cp, TCP_DIR_OUTPUT, h.tcpFlags);
    else {
      udpStateTransition(cp, this.x.timeouts.udp);
      // udp_state_transition: a reply assures the persistence template
      conns.assureTemplate(cp);
    }
    conns.put(cp, now);
    return cp.outVerdict;
  }

  /** ip_vs_in_stats / ip_vs_out_stats: the packet counted on its dest (while it is in service), the
   * dest's service and the totals. */
  private countPacket(d: Dest | null, len: number, out: boolean): void {
    if (d === null || !d.available) return;
    count(d.stats, len, out);
    count(d.svc.stats, len, out);
    count(this.x.totals, len, out);
  }

  /** is_new_conn: whether a SYN on an existing entry starts a new connection (rescheduled). */
  private isNewConn(cp: Conn): boolean {
    const { sysctl } = this.x;
    const d = cp.dest;
    if (sysctl.expireNodestConn && d !== null && d.weight === 0) return true;
    return sysctl.connReuseMode !== 0 && this.isNewConnExpected(cp);
  }

  /** is_new_conn_expected */
  private isNewConnExpected(cp: Conn): boolean {
    if (cp.control !== null) return false;
    if (cp.protocol !== IPPROTO_TCP) return false;
    return (
      cp.state === TCP_S.TIME_WAIT ||
      cp.state === TCP_S.CLOSE ||
      ((this.x.sysctl.connReuseMode & 2) !== 0 && cp.state === TCP_S.FIN_WAIT && (cp.flags & IP_VS_CONN_F_NOOUTPUT) !== 0)
    );
  }

  /** set_tcp_state, then what a state change means beyond the conn: ASSURED templates, observers. */
  private tcpTransition(cp: Conn, dir: number, tcpFlags: number): void {
    const old = setTcpState(cp, dir, tcpFlags, this.x.timeouts.tcp);
    if (old < 0) return;
    const conns = this.x.conns;
    if (cp.state === TCP_S.ESTABLISHED) conns.assureTemplate(cp);
    for (const o of conns.observers) o.stateChanged?.(cp, old);
  }

  /** tcp/udp_conn_schedule: the new conn, or the verdict for a packet that gets none. */
  private schedulePacket(h: PacketHeaders, now: number): Conn | Verdict {
    if (h.proto === IPPROTO_TCP) {
      const f = h.tcpFlags;
      if (f & TH_RST || !(this.x.sysctl.sloppyTcp || f & TH_SYN)) return ACCEPT;
    }
    const svc = h.af === AF_INET6 ? this.x.ctl.findService(h.proto, h.daddr >>> 0, h.dport, h.fwmark, AF_INET6, h.daddr6!) : this.x.ctl.findService(h.proto, h.daddr >>> 0, h.dport, h.fwmark);
    if (svc === null) return ACCEPT;
    return this.schedule(svc, h, now);
  }

  /**
   * ip_vs_schedule: the new conn, or the verdict for a packet that gets none — ACCEPT when the
   * kernel ignores the packet (an FTP data connection from a real server), else the ICMP of
   * ip_vs_leave (port unreachable "no matter it is TCP/UDP").
   */
  private schedule(svc: Service, h: PacketHeaders, now: number): Conn | Verdict {
    const vport = h.dport;
    // never schedule active FTP data connections from a real server
    if (h.sport === FTPDATA) return ACCEPT;
    if (svc.flags & IP_VS_SVC_F_PERSISTENT) return this.schedPersist(svc, h, now) ?? REJECT_NODEST;
    if (svc.fwmark === 0 && vport !== svc.port) return REJECT_NODEST; // port-zero services must be persistent
    this.x.time.lastNow = now;
    const dest = svc.scheduler.schedule(svc, h);
    if (dest === null) return REJECT_NODEST;
    const cp = this.x.conns.create(h.proto, h.saddr | 0, h.sport, h.daddr | 0, vport, dest.addr, dest.port || vport, this.onePacketFlag(svc, h), dest, h.fwmark, now, addrs6(h, dest));
    this.connStats(dest, svc);
    return cp;
  }

  /** ip_vs_sched_persist: find or create the client's template, then the conn under it. */
  private schedPersist(svc: Service, h: PacketHeaders, now: number): Conn | null {
    const conns = this.x.conns;
    const v6 = h.af === AF_INET6;
    // IPv6: the client address cut to the prefix length svc->netmask holds (ipv6_addr_prefix)
    const snet6 = v6 ? prefix6(h.saddr6!, svc.netmask, this.snet6) : null;
    const snet = v6 ? fold6(snet6!) | 0 : (h.saddr & svc.netmask) | 0;
    const dstPort = h.dport;
    let protocol = h.proto;
    let tvaddr = h.daddr | 0;
    let tvaddr6: In6Addr | null = v6 ? h.daddr6! : null;
    let tvport = 0;
    if (dstPort === svc.port) {
      if (svc.port !== FTPPORT) tvport = dstPort;
    } else if (svc.fwmark !== 0) {
      protocol = IPPROTO_IP;
      tvaddr = svc.fwmark | 0;
      // union nf_inet_addr fwmark = { .ip = htonl(svc->fwmark) }: the mark in the first word
      if (v6) tvaddr6 = Uint32Array.of(svc.fwmark, 0, 0, 0);
    }
    let ct = v6 ? conns.table.templateGet6(protocol, snet6!, tvaddr6!, tvport) : conns.table.templateGet(protocol, snet, tvaddr, tvport);
    if (ct !== null && !conns.alive(ct, now)) ct = null;
    let dest: Dest;
    if (ct === null || !conns.checkTemplate(ct)) {
      this.x.time.lastNow = now;
      const d = svc.scheduler.schedule(svc, h);
      if (d === null) return null;
      dest = d;
      const tdport = dstPort === svc.port && svc.port !== FTPPORT ? dest.port : 0;
      const t6: ConnAddrs6 | undefined = v6 || dest.addr6 !== null ? { af: svc.af, daf: dest.af, caddr6: snet6, vaddr6: tvaddr6, daddr6: dest.addr6 } : undefined;
      ct = conns.create(protocol, snet, 0, tvaddr, tvport, dest.addr, tdport, IP_VS_CONN_F_TEMPLATE, dest, h.fwmark, now, t6);
      ct.timeout = svc.timeout * 1000;
    } else {
      dest = ct.dest!;
    }
    let dport = dstPort;
    if (dport === svc.port && dest.port) dport = dest.port;
    const cp = conns.create(h.proto, h.saddr | 0, h.sport, h.daddr | 0, dstPort, dest.addr, dport, this.onePacketFlag(svc, h), dest, h.fwmark, now, addrs6(h, dest));
    cp.control = ct;
    ct.nControl++;
    // ip_vs_conn_put(ct): the template's timer restarts with each conn it schedules
    conns.put(ct, now);
    this.connStats(dest, svc);
    return cp;
  }

  /** --ops: a UDP datagram of a one-packet service gets a conn that dies with it */
  private onePacketFlag(svc: Service, h: PacketHeaders): number {
    return svc.flags & IP_VS_SVC_F_ONEPACKET && h.proto === IPPROTO_UDP ? IP_VS_CONN_F_ONE_PACKET : 0;
  }

  /** ip_vs_conn_stats: a new conn counted on its dest, the scheduling service and the totals */
  private connStats(dest: Dest, svc: Service): void {
    dest.stats.conns++;
    svc.stats.conns++;
    this.x.totals.conns++;
  }
}

/** The IPv6 addresses of a new conn from packet `h` to `dest`, or undefined when both sides are IPv4. */
function addrs6(h: PacketHeaders, dest: Dest): ConnAddrs6 | undefined {
  const v6 = h.af === AF_INET6;
  if (!v6 && dest.addr6 === null) return undefined;
  return { af: v6 ? AF_INET6 : AF_INET, daf: dest.af, caddr6: v6 ? h.saddr6! : null, vaddr6: v6 ? h.daddr6! : null, daddr6: dest.addr6 };
}
