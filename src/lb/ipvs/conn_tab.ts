// The connection hash table (ip_vs_conn.c's ip_vs_conn_tab). Like the kernel's, entries are hashed by
// (protocol, client address, client port) only, so the same table serves lookups of client packets
// (matched on the virtual address/port) and of NAT replies (matched on the real server
// address/port). The index is an open-addressing hash table over typed arrays (see ConnTable), so
// the per-packet path allocates nothing and a lookup touches one slot and the conn rather than a
// Map's buckets and entries. The connections themselves and their lifecycle are conn.ts.
import { equal6, fold6 } from './addr.js';
import { IP_VS_CONN_F_TEMPLATE } from './flags.js';
import type { In6Addr } from './types.js';

/**
 * The family bit of a table key: IPv6 conns are keyed (CONN_KEY_INET6 | cport << 8 | protocol,
 * fold of caddr), so an IPv4 key never shares a slot — or a chain — with an IPv6 one and IPv4
 * lookups compare numbers only, as before. (The kernel compares cp->af in the chain instead.)
 */
export const CONN_KEY_INET6 = 1 << 24;

/** What the table reads of a connection (conn.ts's Conn): its key, and the link of its hash chain. */
export interface HashedConn<C> {
  readonly protocol: number;
  /** int32 views of the u32 addresses */
  readonly caddr: number;
  readonly cport: number;
  readonly vaddr: number;
  readonly vport: number;
  readonly daddr: number;
  readonly dport: number;
  readonly flags: number;
  /** next conn in the same hash chain */
  hnext: C | null;
  /** CONN_KEY_INET6 for a conn of an IPv6 client, else 0 */
  readonly keyFam: number;
  /** the IPv6 addresses (null where that side is IPv4); the numbers above then hold their folds */
  readonly caddr6: In6Addr | null;
  readonly vaddr6: In6Addr | null;
  readonly daddr6: In6Addr | null;
}

/** Mixes (protocol, caddr, cport) into a 31-bit integer; ConnTable takes its low bits as the home slot. */
export function connHashKey(protocol: number, caddr: number, cport: number): number {
  return mixKey((cport << 8) | protocol, caddr);
}

/** connHashKey of the key word pk = cport << 8 | protocol. */
function mixKey(pk: number, caddr: number): number {
  let h = Math.imul(caddr ^ 0x2f6b1d35, 0x9e3779b1);
  h ^= Math.imul(pk, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >> 1;
}

/** A key word no (cport << 8 | protocol) can take: ports are 16 bits, protocols 8. */
const EMPTY = -1;
const MIN_CAPACITY = 1024;

function nullHeads<C>(n: number): (C | null)[] {
  // push, not new Array(n).fill(): keeps the array's elements kind packed, so reads need no hole check
  const a: (C | null)[] = [];
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}

/**
 * Conns indexed by (protocol, caddr, cport). An open-addressing table with linear probing: slot i
 * keeps its key inline in `keys` as two int32 words, [2i] = cport << 8 | protocol (EMPTY when the
 * slot is free) and [2i+1] = caddr, interleaved so a probe reads one cache line; `heads[i]` is
 * the chain of conns with exactly that key, newest first (linked by Conn.hnext). A lookup costs the
 * slot, the head and the conns of one client address/port, with no per-call allocation. Removal
 * shifts the following run back instead of leaving tombstones, so misses stay short after churn.
 * The table doubles above half full and halves below an eighth.
 *
 * Listing order (snapshots, -Lnc) is kept as the Map this replaced gave it: keys in the order they
 * were first hashed, each one's conns newest first. Slot order would change whenever the table
 * grows, so the occupied slots form a doubly linked list in `order` ([2i] previous, [2i+1] next
 * slot, -1 at the ends), in a typed array so it adds no fields (bytes) to every conn.
 *
 * Measured trade-off (1M conns, `npm run bench -- ipvs table`): lookups run at about 85-110% of a
 * bare Map<number, number> (the Map-of-chains index ran at about 40%), but adds are slower than
 * the Map's: each new key stores a young conn at a random index of a large old-space array, which
 * the scavenger then visits in hash order. Keeping heads in an append-ordered array indexed from
 * the slot fixed adds but put that array on the lookup's critical path, back to the Map's speed.
 */
export class ConnTable<C extends HashedConn<C>> {
  private keys = new Int32Array(2 * MIN_CAPACITY).fill(EMPTY);
  private heads: (C | null)[] = nullHeads<C>(MIN_CAPACITY);
  private order = new Int32Array(2 * MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** first and last slot in listing order, -1 when empty */
  private first = -1;
  private last = -1;
  /** occupied slots (distinct keys) */
  private used = 0;
  /** bumped by add/remove so an iteration can tell that the table moved under it */
  private version = 0;
  /** hashed entries (templates included) */
  size = 0;

  /** The slot holding (pk, caddr), or -1. */
  private find(pk: number, caddr: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = mixKey(pk, caddr) & mask;
    for (;;) {
      const k = keys[2 * i];
      if (k === pk && keys[2 * i + 1] === caddr) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  add(c: C): void {
    const { protocol, caddr, cport } = c;
    if (protocol >>> 8 !== 0 || cport >>> 16 !== 0) throw new RangeError(`ConnTable.add: protocol ${protocol} or client port ${cport} out of range`);
    const pk = (cport << 8) | protocol | c.keyFam;
    const keys = this.keys;
    const mask = this.mask;
    let i = mixKey(pk, caddr) & mask;
    for (;;) {
      const k = keys[2 * i];
      if (k === EMPTY) break;
      if (k === pk && keys[2 * i + 1] === caddr) {
        c.hnext = this.heads[i];
        this.heads[i] = c;
        this.size++;
        this.version++;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[2 * i] = pk;
    keys[2 * i + 1] = caddr;
    c.hnext = null;
    this.heads[i] = c;
    this.linkLast(i);
    this.size++;
    this.version++;
    if (++this.used * 2 > mask + 1) this.resize((mask + 1) * 2);
  }

  remove(c: C): boolean {
    const i = this.find((c.cport << 8) | c.protocol | c.keyFam, c.caddr);
    if (i < 0) return false;
    let p = this.heads[i];
    let prev: C | null = null;
    while (p !== null) {
      if (p === c) {
        if (prev !== null) prev.hnext = c.hnext;
        else if (c.hnext !== null) this.heads[i] = c.hnext;
        else this.vacate(i);
        c.hnext = null;
        this.size--;
        this.version++;
        return true;
      }
      prev = p;
      p = p.hnext;
    }
    return false;
  }

  private linkLast(i: number): void {
    const order = this.order;
    order[2 * i] = this.last;
    order[2 * i + 1] = -1;
    if (this.last >= 0) order[2 * this.last + 1] = i;
    else this.first = i;
    this.last = i;
  }

  private unlink(i: number): void {
    const order = this.order;
    const prev = order[2 * i];
    const next = order[2 * i + 1];
    if (prev >= 0) order[2 * prev + 1] = next;
    else this.first = next;
    if (next >= 0) order[2 * next] = prev;
    else this.last = prev;
  }

  /** Slot `from`'s entry moved to the free slot `to`: its list neighbours point at `to` now. */
  private relink(from: number, to: number): void {
    const order = this.order;
    const prev = order[2 * from];
    const next = order[2 * from + 1];
    order[2 * to] = prev;
    order[2 * to + 1] = next;
    if (prev >= 0) order[2 * prev + 1] = to;
    else this.first = to;
    if (next >= 0) order[2 * next] = to;
    else this.last = to;
  }

  /** Frees slot `hole`, moving later entries of its run back so every key stays reachable from its home slot. */
  private vacate(hole: number): void {
    const keys = this.keys;
    const heads = this.heads;
    const mask = this.mask;
    this.unlink(hole);
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const pk = keys[2 * j];
      if (pk === EMPTY) break;
      const home = mixKey(pk, keys[2 * j + 1]) & mask;
      // the entry at j may fill the hole when the hole lies cyclically within [home, j)
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[2 * hole] = pk;
        keys[2 * hole + 1] = keys[2 * j + 1];
        heads[hole] = heads[j];
        this.relink(j, hole);
        hole = j;
      }
    }
    keys[2 * hole] = EMPTY;
    heads[hole] = null;
    this.used--;
    if (mask + 1 > MIN_CAPACITY && this.used * 8 < mask + 1) this.resize((mask + 1) / 2);
  }

  /** Rehashes into `capacity` slots, walking the listing order so it carries over. */
  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    const oldOrder = this.order;
    const keys = new Int32Array(2 * capacity).fill(EMPTY);
    this.keys = keys;
    this.heads = nullHeads<C>(capacity);
    this.order = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    let s = this.first;
    this.first = -1;
    this.last = -1;
    for (; s >= 0; s = oldOrder[2 * s + 1]) {
      const pk = oldKeys[2 * s];
      const caddr = oldKeys[2 * s + 1];
      let i = mixKey(pk, caddr) & this.mask;
      while (keys[2 * i] !== EMPTY) i = (i + 1) & this.mask;
      keys[2 * i] = pk;
      keys[2 * i + 1] = caddr;
      this.heads[i] = oldHeads[s];
      this.linkLast(i);
    }
  }

  /** ip_vs_conn_in_get: a client packet's conn (templates excluded). Addresses as int32. */
  inGet(protocol: number, caddr: number, cport: number, vaddr: number, vport: number): C | null {
    const i = this.find((cport << 8) | protocol, caddr);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      if (c.vaddr === vaddr && c.vport === vport && !(c.flags & IP_VS_CONN_F_TEMPLATE)) return c;
    }
    return null;
  }

  /** ip_vs_conn_out_get: a real server's reply, (daddr,dport) = the real server, to the client. */
  outGet(protocol: number, daddr: number, dport: number, caddr: number, cport: number): C | null {
    const i = this.find((cport << 8) | protocol, caddr);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      if (c.daddr === daddr && c.dport === dport && !(c.flags & IP_VS_CONN_F_TEMPLATE)) return c;
    }
    return null;
  }

  /** ip_vs_ct_in_get: a persistence template. */
  templateGet(protocol: number, caddr: number, vaddr: number, vport: number): C | null {
    const i = this.find(protocol, caddr);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      if (c.vaddr === vaddr && c.vport === vport && c.flags & IP_VS_CONN_F_TEMPLATE) return c;
    }
    return null;
  }

  /** ip_vs_conn_in_get for an IPv6 client packet: the key is the fold of caddr, the words decide. */
  inGet6(protocol: number, caddr6: In6Addr, cport: number, vaddr6: In6Addr, vport: number): C | null {
    const i = this.find(CONN_KEY_INET6 | (cport << 8) | protocol, fold6(caddr6) | 0);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      if (c.vport === vport && !(c.flags & IP_VS_CONN_F_TEMPLATE) && equal6(c.vaddr6!, vaddr6) && equal6(c.caddr6!, caddr6)) return c;
    }
    return null;
  }

  /** ip_vs_conn_out_get for an IPv6 real server's reply (NAT keeps one family end to end). */
  outGet6(protocol: number, daddr6: In6Addr, dport: number, caddr6: In6Addr, cport: number): C | null {
    const i = this.find(CONN_KEY_INET6 | (cport << 8) | protocol, fold6(caddr6) | 0);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      const d6 = c.daddr6;
      if (c.dport === dport && !(c.flags & IP_VS_CONN_F_TEMPLATE) && d6 !== null && equal6(d6, daddr6) && equal6(c.caddr6!, caddr6)) return c;
    }
    return null;
  }

  /** ip_vs_ct_in_get for an IPv6 service's template (caddr6 already masked to the prefix). */
  templateGet6(protocol: number, caddr6: In6Addr, vaddr6: In6Addr, vport: number): C | null {
    const i = this.find(CONN_KEY_INET6 | protocol, fold6(caddr6) | 0);
    if (i < 0) return null;
    for (let c = this.heads[i]; c !== null; c = c.hnext) {
      if (c.vport === vport && c.flags & IP_VS_CONN_F_TEMPLATE && equal6(c.vaddr6!, vaddr6) && equal6(c.caddr6!, caddr6)) return c;
    }
    return null;
  }

  /** Every hashed conn in listing order (see the class comment). Collect before adding or removing:
   * a change during the walk is an error rather than a silently skipped conn. */
  *[Symbol.iterator](): IterableIterator<C> {
    const version = this.version;
    for (let s = this.first; s >= 0; s = this.order[2 * s + 1]) {
      for (let c = this.heads[s]; c !== null; c = c.hnext) {
        yield c;
        if (this.version !== version) throw new Error('ConnTable changed during iteration (collect the conns first)');
      }
    }
  }
}
