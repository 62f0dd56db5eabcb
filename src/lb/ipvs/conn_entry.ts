// A connection entry (struct ip_vs_conn in include/net/ip_vs.h): what a lookup compares, the dest
// and transmitter it is bound to, its timer fields; an IPv6 entry keeps its addresses as words beside
// their folds. What happens to an entry over its life (ip_vs_conn.c) is ./conn.ts; the hash table is
// ./conn_tab.ts.
import { formatIPv4, formatIPv6 } from './addr.js';
import { CONN_KEY_INET6, type HashedConn } from './conn_tab.js';
import type { Dest } from './ip_vs.js';
import { IP_VS_CONN_F_TEMPLATE } from './flags.js';
import { TCP_STATE_NAMES } from './proto_tcp.js';
import { AF_INET, AF_INET6, IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, type AddressFamily, type ConnSnapshot, type In6Addr, type Verdict } from './types.js';
import type { XmitConn } from './xmit.js';

/** IP_VS_CTPL_S_ASSURED: a template whose first conn got established (or, UDP, answered) */
export const IP_VS_CTPL_S_ASSURED = 1;
/** enum IP_VS_CTPL_S_* as /proc/net/ip_vs_conn prints template states */
export const TEMPLATE_STATE_NAMES = ['NONE', 'ASSURED'] as const;

export class Conn implements HashedConn<Conn>, XmitConn {
  // The fields a lookup compares come first, so a chain walk touches one cache line per conn.
  /** IPPROTO_TCP / IPPROTO_UDP, or 0 (IPPROTO_IP) for fwmark persistence templates */
  readonly protocol: number;
  /** int32 views of the u32 addresses */
  readonly caddr: number;
  cport: number;
  readonly vaddr: number;
  vport: number;
  readonly daddr: number;
  dport: number;
  /** IP_VS_CONN_F_* */
  flags: number;
  /** next conn in the same hash chain */
  hnext: Conn | null = null;
  /** absolute ms on the core's clock */
  expires = 0;
  /** ms */
  timeout = 3000;
  /** IP_VS_TCP_S_* / IP_VS_UDP_S_* (templates: 0 NONE, 1 ASSURED) */
  state = 0;
  dest: Dest | null;
  /** verdicts applied to every client packet / NAT reply of this conn */
  inVerdict: Verdict;
  outVerdict: Verdict;
  /** timer-wheel slot (second) the conn is filed in; -1 when not filed */
  slot = -1;
  /** persistence template controlling this conn, if any */
  control: Conn | null = null;
  /** conns this template controls */
  nControl = 0;
  readonly fwmark: number;
  /** unhashed and counted out */
  dead = false;
  /** deleted (ip_vs_conn_del sets its timeout to 0), which also drops the controlling template when
   * that is left unused and unassured */
  killed = false;
  /** free for the sync daemon's per-conn bookkeeping (in_pkts, old_state, sync_endtime) */
  ext: unknown = undefined;

  constructor(
    protocol: number,
    caddr: number,
    cport: number,
    vaddr: number,
    vport: number,
    daddr: number,
    dport: number,
    flags: number,
    dest: Dest | null,
    fwmark: number,
    inVerdict: Verdict,
    outVerdict: Verdict,
  ) {
    this.protocol = protocol;
    this.caddr = caddr;
    this.cport = cport;
    this.vaddr = vaddr;
    this.vport = vport;
    this.daddr = daddr;
    this.dport = dport;
    this.flags = flags;
    this.dest = dest;
    this.fwmark = fwmark;
    this.inVerdict = inVerdict;
    this.outVerdict = outVerdict;
  }

  get template(): boolean {
    return (this.flags & IP_VS_CONN_F_TEMPLATE) !== 0;
  }

  // An IPv4 conn keeps no family fields (they would cost every one of a million conns 8 bytes):
  // these prototype getters answer for it, and Conn6 overrides them.
  /** cp->af: the client's and virtual address's family */
  get af(): AddressFamily {
    return AF_INET;
  }
  /** cp->daf: the real server's family (differs from af only for a mixed-family tunnel dest) */
  get daf(): AddressFamily {
    return AF_INET;
  }
  /** the full IPv6 addresses (null where that side is IPv4) */
  get caddr6(): In6Addr | null {
    return null;
  }
  get vaddr6(): In6Addr | null {
    return null;
  }
  get daddr6(): In6Addr | null {
    return null;
  }
  /** the family bit of the conn's table key (conn_tab.ts) */
  get keyFam(): number {
    return 0;
  }
}

/** The addresses of a conn with an IPv6 side, as ip_vs_conn_new takes them (copied in). */
export interface ConnAddrs6 {
  af: AddressFamily;
  daf: AddressFamily;
  /** af AF_INET6: the client's and virtual addresses (the number fields hold their folds) */
  caddr6: In6Addr | null;
  vaddr6: In6Addr | null;
  /** daf AF_INET6: the real server's address */
  daddr6: In6Addr | null;
}

/**
 * A conn with an IPv6 side: an IPv6 client (af AF_INET6) or an IPv4 one tunnelled to an IPv6 real
 * server (daf AF_INET6). Its number fields hold IPv4 addresses or the folds of the IPv6 ones
 * (addr.ts fold6), so the table hashes and pre-compares it like any conn; the words decide.
 */
export class Conn6 extends Conn {
  private readonly family: AddressFamily;
  private readonly dfamily: AddressFamily;
  private readonly c6: In6Addr | null;
  private readonly v6: In6Addr | null;
  private readonly d6: In6Addr | null;

  constructor(
    protocol: number,
    caddr: number,
    cport: number,
    vaddr: number,
    vport: number,
    daddr: number,
    dport: number,
    flags: number,
    dest: Dest | null,
    fwmark: number,
    inVerdict: Verdict,
    outVerdict: Verdict,
    a6: ConnAddrs6,
  ) {
    super(protocol, caddr, cport, vaddr, vport, daddr, dport, flags, dest, fwmark, inVerdict, outVerdict);
    this.family = a6.af;
    this.dfamily = a6.daf;
    const copy = (a: In6Addr | null, need: boolean, what: string): In6Addr | null => {
      if (!need) return null;
      if (a === null || a.length !== 4) throw new Error(`an IPv6 conn needs its ${what} address as four words`);
      return Uint32Array.from(a);
    };
    this.c6 = copy(a6.caddr6, a6.af === AF_INET6, 'client');
    this.v6 = copy(a6.vaddr6, a6.af === AF_INET6, 'virtual');
    this.d6 = copy(a6.daddr6, a6.daf === AF_INET6, 'real server');
  }

  override get af(): AddressFamily {
    return this.family;
  }
  override get daf(): AddressFamily {
    return this.dfamily;
  }
  override get caddr6(): In6Addr | null {
    return this.c6;
  }
  override get vaddr6(): In6Addr | null {
    return this.v6;
  }
  override get daddr6(): In6Addr | null {
    return this.d6;
  }
  override get keyFam(): number {
    return this.family === AF_INET6 ? CONN_KEY_INET6 : 0;
  }
}

/** One conn as /proc/net/ip_vs_conn shows it. */
export function connSnapshot(c: Conn, now: number): ConnSnapshot {
  const template = (c.flags & IP_VS_CONN_F_TEMPLATE) !== 0;
  let state: string;
  if (template) state = TEMPLATE_STATE_NAMES[c.state] ?? 'ERR!';
  else if (c.protocol === IPPROTO_TCP) state = TCP_STATE_NAMES[c.state] ?? 'ERR!';
  else state = 'UDP';
  const text = (n: number, a6: In6Addr | null): string => (a6 !== null ? formatIPv6(a6) : formatIPv4(n >>> 0));
  const snap: ConnSnapshot = {
    protocol: c.protocol === IPPROTO_UDP ? 'udp' : 'tcp',
    template,
    client: { addr: text(c.caddr, c.caddr6), port: c.cport },
    virtual: { addr: text(c.vaddr, c.vaddr6), port: c.vport },
    dest: { addr: text(c.daddr, c.daddr6), port: c.dport },
    state,
    expiresIn: Math.max(0, Math.floor((c.expires - now) / 1000)),
  };
  // a fwmark template (IPPROTO_IP) carries the mark in its virtual address
  // (an IPv6 one in the first word of its IPv6 virtual address)
  if (c.protocol === IPPROTO_IP) snap.fwmark = c.vaddr6 !== null ? c.vaddr6[0] : c.vaddr >>> 0;
  return snap;
}
