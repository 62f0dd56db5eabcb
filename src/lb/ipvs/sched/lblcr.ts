// Locality-based least-connection with replication (ip_vs_lblcr.c): each destination IP maps to a
// set of dests; the least loaded member serves unless lblc-overloaded, in which case wlc adds a dest
// to the set. A set idle-modified longer than lblcr_expiration drops its most loaded member.
import type { Dest, SchedEnv, Scheduler, Service } from '../ip_vs.js';
import { AF_INET6, type In6Addr, type PacketHeaders } from '../types.js';
import { lblcOverloaded, LocalityTable } from './lblc.js';
import { wlcLeast } from './wlc.js';

interface DestSet {
  /** newest first (list_add_rcu at the head) */
  list: Dest[];
  lastmod: number;
}

interface LblcrEntry {
  addr: number;
  /** IPv6 services: the full destination address (a copy) */
  addr6: In6Addr | null;
  lastuse: number;
  set: DestSet;
}

/** ip_vs_dest_set_min: weighted least-connection among the set's members. */
function setMin(set: DestSet): Dest | null {
  const l = set.list;
  let i = 0;
  let least: Dest | null = null;
  for (; i < l.length; i++) {
    const d = l[i];
    if (d.overload) continue;
    if (d.weight > 0 && d.available) {
      least = d;
      break;
    }
  }
  if (least === null) return null;
  let loh = least.overhead();
  for (i++; i < l.length; i++) {
    const d = l[i];
    if (d.overload) continue;
    const doh = d.overhead();
    if (loh * d.weight > doh * least.weight && d.available) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_set_max: weighted most-connection among the set's members with weight. */
function setMax(set: DestSet): Dest | null {
  const l = set.list;
  let i = 0;
  let most: Dest | null = null;
  for (; i < l.length; i++) {
    if (l[i].weight > 0) {
      most = l[i];
      break;
    }
  }
  if (most === null) return null;
  let moh = most.overhead();
  for (i++; i < l.length; i++) {
    const d = l[i];
    const doh = d.overhead();
    if (moh * d.weight < doh * most.weight && d.weight > 0) {
      most = d;
      moh = doh;
    }
  }
  return most;
}

export class LocalityLeastConnectionReplicated implements Scheduler {
  readonly name = 'lblcr';
  readonly table: LocalityTable<LblcrEntry>;

  constructor(private readonly env: SchedEnv) {
    // set members hold references on their dests, which keep deleted dests in the trash
    this.table = new LocalityTable<LblcrEntry>(env.now(), (e) => {
      for (const d of e.set.list) d.refs--;
    });
  }

  done(): void {
    this.table.clear();
  }

  private insert(set: DestSet, dest: Dest, check: boolean, now: number): void {
    if (check && set.list.includes(dest)) return;
    dest.refs++;
    set.list.unshift(dest);
    set.lastmod = now;
  }

  schedule(svc: Service, h: PacketHeaders): Dest | null {
    // the fold of an IPv6 destination hashes (ip_vs_lblc_hashkey); the full address decides
    const daddr = h.daddr >>> 0;
    const addr6 = h.af === AF_INET6 ? h.daddr6! : null;
    const now = this.env.now();
    const en = this.table.get(daddr, addr6);
    if (en) {
      en.lastuse = now;
      let dest = setMin(en.set);
      // more than one member and not modified for lblcr_expiration: drop the most loaded
      if (en.set.list.length > 1 && now > en.set.lastmod + this.env.lblcrExpiration() * 1000) {
        const m = setMax(en.set);
        if (m) {
          en.set.list.splice(en.set.list.indexOf(m), 1);
          m.refs--;
          en.set.lastmod = now;
        }
      }
      if (dest && !lblcOverloaded(dest, svc)) return dest;
      dest = wlcLeast(svc.dests);
      if (dest === null) return null;
      this.insert(en.set, dest, true, now);
      return dest;
    }
    const dest = wlcLeast(svc.dests);
    if (dest === null) return null;
    // ip_vs_lblcr_new: no new entry once the table is at its growth bound
    if (this.table.full()) return dest;
    const entry: LblcrEntry = { addr: daddr, addr6: addr6 && Uint32Array.from(addr6), lastuse: now, set: { list: [], lastmod: now } };
    this.table.insert(entry);
    this.insert(entry.set, dest, false, now);
    return dest;
  }

  nextTimer(): number {
    return this.table.nextCheck;
  }

  advance(_svc: Service, now: number): void {
    this.table.advance(now, this.env.lblcrExpiration() * 1000);
  }
}
