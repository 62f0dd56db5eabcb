// The connection table (ip_vs_conn.c). Like the kernel's, entries are hashed by (protocol, client
// address, client port) only, so the same table serves lookups of client packets (matched on the
// virtual address/port) and of NAT replies (matched on the real server address/port). The index is
// a Map from a 31-bit mixed key to a chain of conns, so the per-packet path allocates nothing.
import type { Dest } from './dest.js';
import { IP_VS_CONN_F_TEMPLATE } from './flags.js';
import type { Verdict } from './types.js';

export class Conn {
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
  /** expired early (expire_now: conn reuse, gone dest), which also drops an unassured template */
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
}

/** Mixes (protocol, caddr, cport) into a small integer so the Map keeps it unboxed. */
export function connHashKey(protocol: number, caddr: number, cport: number): number {
  let h = Math.imul(caddr ^ 0x2f6b1d35, 0x9e3779b1);
  h ^= Math.imul((cport << 8) | protocol, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >> 1;
}

export class ConnTable {
  private readonly index = new Map<number, Conn>();
  /** hashed entries (templates included) */
  size = 0;

  add(c: Conn): void {
    const k = connHashKey(c.protocol, c.caddr, c.cport);
    const head = this.index.get(k);
    c.hnext = head ?? null;
    this.index.set(k, c);
    this.size++;
  }

  remove(c: Conn): boolean {
    const k = connHashKey(c.protocol, c.caddr, c.cport);
    let p: Conn | null = this.index.get(k) ?? null;
    let prev: Conn | null = null;
    while (p !== null) {
      if (p === c) {
        if (prev === null) {
          if (c.hnext === null) this.index.delete(k);
          else this.index.set(k, c.hnext);
        } else prev.hnext = c.hnext;
        c.hnext = null;
        this.size--;
        return true;
      }
      prev = p;
      p = p.hnext;
    }
    return false;
  }

  /** ip_vs_conn_in_get: a client packet's conn (templates excluded). Addresses as int32. */
  inGet(protocol: number, caddr: number, cport: number, vaddr: number, vport: number): Conn | null {
    let c = this.index.get(connHashKey(protocol, caddr, cport)) ?? null;
    while (c !== null) {
      if (c.caddr === caddr && c.cport === cport && c.vaddr === vaddr && c.vport === vport && c.protocol === protocol && !(c.flags & IP_VS_CONN_F_TEMPLATE)) return c;
      c = c.hnext;
    }
    return null;
  }

  /** ip_vs_conn_out_get: a real server's reply, (daddr,dport) = the real server, to the client. */
  outGet(protocol: number, daddr: number, dport: number, caddr: number, cport: number): Conn | null {
    let c = this.index.get(connHashKey(protocol, caddr, cport)) ?? null;
    while (c !== null) {
      if (c.caddr === caddr && c.cport === cport && c.daddr === daddr && c.dport === dport && c.protocol === protocol && !(c.flags & IP_VS_CONN_F_TEMPLATE)) return c;
      c = c.hnext;
    }
    return null;
  }

  /** ip_vs_ct_in_get: a persistence template. */
  templateGet(protocol: number, caddr: number, vaddr: number, vport: number): Conn | null {
    let c = this.index.get(connHashKey(protocol, caddr, 0)) ?? null;
    while (c !== null) {
      if (c.caddr === caddr && c.cport === 0 && c.vaddr === vaddr && c.vport === vport && c.protocol === protocol && c.flags & IP_VS_CONN_F_TEMPLATE) return c;
      c = c.hnext;
    }
    return null;
  }

  *[Symbol.iterator](): IterableIterator<Conn> {
    for (const head of this.index.values()) {
      for (let c: Conn | null = head; c !== null; c = c.hnext) yield c;
    }
  }
}
