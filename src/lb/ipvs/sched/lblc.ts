// Locality-based least-connection (ip_vs_lblc.c): a cache from destination IP to dest; the cached dest
// is used while it is available, has weight and is not "overloaded" in lblc's sense (more active conns
// than its weight while some dest is below half its weight); otherwise wlc picks and the cache is
// updated. A 60 s timer expires idle entries the kernel's way.
import type { Dest, SchedEnv, Scheduler, Service } from '../ip_vs.js';
import { equal6 } from '../addr.js';
import { AF_INET6, type In6Addr, type PacketHeaders } from '../types.js';
import { hash32 } from './hash.js';
import { wlcLeast } from './wlc.js';

export const LBLC_TAB_BITS = 10;
export const LBLC_TAB_SIZE = 1 << LBLC_TAB_BITS;
export const LBLC_MAX_SIZE = LBLC_TAB_SIZE * 16;
export const CHECK_EXPIRE_INTERVAL_MS = 60_000;
export const ENTRY_TIMEOUT_MS = 6 * 60_000;
export const COUNT_FOR_FULL_EXPIRATION = 30;

/** lblc's and lblcr's overload test: used by both. */
export function lblcOverloaded(dest: Dest, svc: Service): boolean {
  if (dest.activeConns > dest.weight) {
    for (const d of svc.dests) if (d.activeConns * 2 < d.weight) return true;
  }
  return false;
}

/**
 * The kernel's hashed cache table: buckets of entries, newest first, with the periodic expiry that
 * both lblc and lblcr run (ip_vs_lblc_check_expire / ip_vs_lblc_full_check).
 */
export class LocalityTable<E extends { addr: number; addr6: In6Addr | null; lastuse: number }> {
  readonly buckets: E[][] = Array.from({ length: LBLC_TAB_SIZE }, () => []);
  entries = 0;
  private rover = 0;
  private counter = 1;
  nextCheck: number;

  /** `onFree` drops the dest references an entry holds (the kernel's ip_vs_dest_put on free). */
  constructor(
    now: number,
    private readonly onFree: (e: E) => void,
  ) {
    this.nextCheck = now + CHECK_EXPIRE_INTERVAL_MS;
  }

  /** ip_vs_lblc_flush: every entry goes (the scheduler is unbound from its service). */
  clear(): void {
    for (const b of this.buckets) {
      for (const e of b) this.onFree(e);
      b.length = 0;
    }
    this.entries = 0;
  }

  /** ip_vs_lblc_get: an entry of this address (an IPv6 one compared in full, ip_vs_addr_equal) */
  get(addr: number, addr6: In6Addr | null = null): E | undefined {
    for (const e of this.buckets[hash32(addr, LBLC_TAB_BITS)]) {
      if (e.addr === addr && (addr6 === null || (e.addr6 !== null && equal6(e.addr6, addr6)))) return e;
    }
    return undefined;
  }

  /** the table's growth bound (ip_vs_lblc_new / ip_vs_lblcr_new): no new entry at 1.5 x max_size */
  full(): boolean {
    return this.entries >= (LBLC_MAX_SIZE * 3) / 2;
  }

  insert(e: E): void {
    this.buckets[hash32(e.addr, LBLC_TAB_BITS)].unshift(e);
    this.entries++;
  }

  remove(e: E): void {
    const b = this.buckets[hash32(e.addr, LBLC_TAB_BITS)];
    const i = b.indexOf(e);
    if (i >= 0) {
      b.splice(i, 1);
      this.entries--;
      this.onFree(e);
    }
  }

  /** Run every periodic check due by `now`. */
  advance(now: number, expirationMs: number): void {
    while (this.nextCheck <= now) {
      if (this.entries === 0) {
        // an empty table's checks only count towards the next full one: take them all at once, so
        // a long stretch of time costs one step
        const k = Math.floor((now - this.nextCheck) / CHECK_EXPIRE_INTERVAL_MS) + 1;
        this.counter = ((this.counter - 1 + k) % COUNT_FOR_FULL_EXPIRATION) + 1;
        this.nextCheck += k * CHECK_EXPIRE_INTERVAL_MS;
        return;
      }
      this.check(this.nextCheck, expirationMs);
      this.nextCheck += CHECK_EXPIRE_INTERVAL_MS;
    }
  }

  private check(now: number, expirationMs: number): void {
    if (this.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
      // full expiration check: every entry idle longer than lblc(r)_expiration goes
      let j = this.rover;
      for (let i = 0; i < LBLC_TAB_SIZE; i++) {
        j = (j + 1) & (LBLC_TAB_SIZE - 1);
        this.sweep(j, now, expirationMs, Infinity);
      }
      this.rover = j;
      this.counter = 1;
      return;
    }
    if (this.entries <= LBLC_MAX_SIZE) {
      this.counter++;
      return;
    }
    let goal = Math.trunc(((this.entries - LBLC_MAX_SIZE) * 4) / 3);
    if (goal > LBLC_MAX_SIZE / 2) goal = LBLC_MAX_SIZE / 2;
    let j = this.rover;
    for (let i = 0; i < LBLC_TAB_SIZE; i++) {
      j = (j + 1) & (LBLC_TAB_SIZE - 1);
      goal -= this.sweep(j, now, ENTRY_TIMEOUT_MS, Infinity);
      if (goal <= 0) break;
    }
    this.rover = j;
  }

  private sweep(bucket: number, now: number, idleMs: number, max: number): number {
    const b = this.buckets[bucket];
    let removed = 0;
    for (let k = 0; k < b.length && removed < max; ) {
      if (now < b[k].lastuse + idleMs) {
        k++;
        continue;
      }
      const [e] = b.splice(k, 1);
      this.entries--;
      this.onFree(e);
      removed++;
    }
    return removed;
  }
}

interface LblcEntry {
  addr: number;
  /** IPv6 services: the full destination address (a copy) */
  addr6: In6Addr | null;
  lastuse: number;
  dest: Dest;
}

export class LocalityLeastConnection implements Scheduler {
  readonly name = 'lblc';
  readonly table: LocalityTable<LblcEntry>;

  constructor(private readonly env: SchedEnv) {
    // an entry holds a reference on its dest, which keeps a deleted dest in the trash
    this.table = new LocalityTable<LblcEntry>(env.now(), (e) => e.dest.refs--);
  }

  done(): void {
    this.table.clear();
  }

  schedule(svc: Service, h: PacketHeaders): Dest | null {
    // the fold of an IPv6 destination hashes (ip_vs_lblc_hashkey); the full address decides
    const daddr = h.daddr >>> 0;
    const addr6 = h.af === AF_INET6 ? h.daddr6! : null;
    const now = this.env.now();
    const en = this.table.get(daddr, addr6);
    if (en) {
      en.lastuse = now;
      const d = en.dest;
      if (d.available && d.weight > 0 && !lblcOverloaded(d, svc)) return d;
    }
    const dest = wlcLeast(svc.dests);
    if (dest === null) return null;
    // ip_vs_lblc_new: keep an entry already pointing there, else replace it with a fresh one
    // (none once the table is at its growth bound: the dest is used all the same)
    if (!en || en.dest !== dest) {
      if (en) this.table.remove(en);
      if (!this.table.full()) {
        dest.refs++;
        this.table.insert({ addr: daddr, addr6: addr6 && Uint32Array.from(addr6), lastuse: now, dest });
      }
    }
    return dest;
  }

  nextTimer(): number {
    return this.table.nextCheck;
  }

  advance(_svc: Service, now: number): void {
    this.table.advance(now, this.env.lblcExpiration() * 1000);
  }
}
