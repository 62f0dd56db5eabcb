// Connections over their life (ip_vs_conn.c): ip_vs_conn_new binds a new entry to its dest and
// transmitter and hashes it; ip_vs_conn_put restarts its timer; ip_vs_conn_expire takes it out of the
// table and unbinds it (a template still controlling conns retries later); persistence templates
// are checked and assured. Timers are a wheel of one-second slots, filed lazily. The entry itself
// is conn_entry.ts, the hash table conn_tab.ts.
import type { CoreTime } from './clock.js';
import { ConnTable } from './conn_tab.js';
import { Conn, Conn6, IP_VS_CTPL_S_ASSURED, connSnapshot, type ConnAddrs6 } from './conn_entry.js';
import type { Dest } from './ip_vs.js';
import { IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT, IP_VS_CONN_F_ONE_PACKET, IP_VS_CONN_F_SYNC, IP_VS_CONN_F_TEMPLATE } from './flags.js';
import type { ConnSnapshot, IpvsSysctl } from './types.js';
import { ACCEPT, bindXmit } from './xmit.js';

/** ip_vs_conn_expire's retry for a template still controlling conns */
const EXPIRE_LATER_MS = 60_000;
/** state NONE's timeout: a new conn lives 3 s unless its protocol moves it on */
const NEW_CONN_TIMEOUT_MS = 3000;

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

/** The table and the lifecycle of every connection of one IPVS. */
export class ConnLifecycle {
  readonly table = new ConnTable<Conn>();
  observers: readonly ConnObserver[] = [];
  /** timer wheel: second -> conns filed there (lazily re-filed when their expiry moved) */
  private readonly wheel = new Map<number, Conn[]>();

  constructor(
    private readonly time: CoreTime,
    private readonly sysctl: IpvsSysctl,
  ) {}

  /** Subscribe to connection events; returns the unsubscribe function. */
  observe(o: ConnObserver): () => void {
    this.observers = [...this.observers, o];
    return () => {
      this.observers = this.observers.filter((x) => x !== o);
    };
  }

  /** ip_vs_conn_new: bind to the dest (counters, overload) and transmitter, state NONE with 3 s, hash it. */
  create(
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
    now: number,
    a6?: ConnAddrs6,
  ): Conn {
    const cp =
      a6 === undefined
        ? new Conn(protocol, caddr, cport, vaddr, vport, daddr | 0, dport, flags, null, fwmark, ACCEPT, ACCEPT)
        : new Conn6(protocol, caddr | 0, cport, vaddr | 0, vport, daddr | 0, dport, flags, null, fwmark, ACCEPT, ACCEPT, a6);
    this.bindDest(cp, dest);
    bindXmit(cp);
    cp.timeout = NEW_CONN_TIMEOUT_MS;
    cp.expires = now + NEW_CONN_TIMEOUT_MS;
    if (!(cp.flags & IP_VS_CONN_F_ONE_PACKET)) {
      this.table.add(cp);
      this.file(cp);
    }
    for (const o of this.observers) o.created?.(cp);
    return cp;
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
    dest.bind((flags & IP_VS_CONN_F_TEMPLATE) !== 0, (flags & IP_VS_CONN_F_INACTIVE) !== 0);
    dest.refs++;
  }

  /**
   * ip_vs_try_bind_dest: a conn that has no dest yet (a synced one whose real server was not
   * configured when it came) is bound to `dest` (ip_vs_find_dest's answer for it) and gets the
   * transmitter of its forwarding method. Returns whether it was bound.
   */
  tryBindDest(cp: Conn, dest: Dest | null): boolean {
    if (dest === null || cp.dest !== null) return false;
    this.bindDest(cp, dest);
    bindXmit(cp);
    return true;
  }

  /** ip_vs_unbind_dest */
  private unbindDest(cp: Conn): void {
    const dest = cp.dest;
    if (dest === null) return;
    dest.unbind((cp.flags & IP_VS_CONN_F_TEMPLATE) !== 0, (cp.flags & IP_VS_CONN_F_INACTIVE) !== 0);
    dest.refs--;
  }

  /** ip_vs_conn_put: restart the conn's timer with its current timeout. */
  put(cp: Conn, now: number): void {
    const e = now + cp.timeout;
    cp.expires = e;
    // the wheel is lazy: only an unfiled conn, or an expiry earlier than its slot, needs filing
    if (cp.slot < 0 || e < cp.slot * 1000) this.file(cp);
  }

  private file(cp: Conn): void {
    const s = Math.floor(cp.expires / 1000);
    cp.slot = s;
    const a = this.wheel.get(s);
    if (a === undefined) this.wheel.set(s, [cp]);
    else a.push(cp);
    this.time.arm(s * 1000);
  }

  /** ip_vs_conn_expire at time `at`: a template still in use retries in 60 s, anything else goes. */
  expire(cp: Conn, at: number): void {
    if (cp.dead) return;
    if (cp.nControl > 0) {
      cp.timeout = EXPIRE_LATER_MS;
      cp.expires = at + EXPIRE_LATER_MS;
      this.file(cp);
      return;
    }
    this.table.remove(cp);
    cp.dead = true;
    cp.slot = -1;
    const ct = cp.control;
    if (ct !== null) {
      cp.control = null;
      ct.nControl--;
      // a deleted conn drops its controlling template once that is unused and was never assured
      if (cp.killed && ct.nControl === 0 && (!(ct.flags & IP_VS_CONN_F_TEMPLATE) || !(ct.state & IP_VS_CTPL_S_ASSURED))) this.del(ct, at);
    }
    this.unbindDest(cp);
    for (const o of this.observers) o.expired?.(cp);
  }

  /** ip_vs_conn_expire_now: the timer fires at once; the timeout stays, so a controlling template is
   * left to its own timer (conn reuse, a gone dest, a one-packet conn after its packet). */
  expireNow(cp: Conn, now: number): void {
    this.expire(cp, now);
  }

  /** ip_vs_conn_del: a controlled conn's timeout becomes 0 and it expires at once, taking an unused,
   * unassured template down with it (the flush of expire_nodest_conn). */
  del(cp: Conn, now: number): void {
    if (cp.control !== null) {
      cp.killed = true;
      cp.timeout = 0;
    }
    this.expire(cp, now);
  }

  /** A looked-up conn whose timer is already due expires first; returns whether it lives on. */
  alive(cp: Conn, now: number): boolean {
    if (cp.expires <= now) this.expire(cp, cp.expires);
    return !cp.dead;
  }

  /** ip_vs_check_template: a template to a gone (or, by sysctl, quiesced) dest is invalidated. */
  checkTemplate(ct: Conn): boolean {
    const d = ct.dest;
    if (d === null || !d.available || (this.sysctl.expireQuiescentTemplate !== 0 && d.weight === 0)) {
      if (ct.vport !== 0xffff) {
        // rehashed under an impossible port so no lookup finds it; it lingers until its timer
        this.table.remove(ct);
        ct.dport = 0xffff;
        ct.vport = 0xffff;
        ct.cport = 0;
        this.table.add(ct);
      }
      return false;
    }
    return true;
  }

  /** ip_vs_control_assure_ct: a template whose conn got established (or answered) is ASSURED. */
  assureTemplate(cp: Conn): void {
    const ct = cp.control;
    if (ct !== null && !(ct.state & IP_VS_CTPL_S_ASSURED) && ct.flags & IP_VS_CONN_F_TEMPLATE) {
      const old = ct.state;
      ct.state |= IP_VS_CTPL_S_ASSURED;
      for (const o of this.observers) o.stateChanged?.(ct, old);
    }
  }

  /** ip_vs_expire_nodest_conn_flush: delete conns (and then-unused templates) of unavailable dests. */
  expireNodestConnFlush(now: number): void {
    const victims: Conn[] = [];
    for (const cp of this.table) {
      const d = cp.dest;
      if (d === null || d.available || cp.nControl > 0) continue;
      victims.push(cp);
    }
    for (const cp of victims) {
      if (cp.dead) continue;
      const ct = cp.control;
      this.del(cp, now);
      if (ct !== null && !ct.dead && ct.nControl === 0) this.del(ct, now);
    }
  }

  /** The earliest wheel slot (second) with conns filed, or Infinity. */
  nextSlot(): number {
    let min = Infinity;
    for (const k of this.wheel.keys()) if (k < min) min = k;
    return min;
  }

  /**
   * Expire the conns of one wheel slot (one second). Conns whose expiry moved to a later second are
   * re-filed there, so every conn expires in its own second's turn, in time order with the other
   * timers; a conn due later within the current (partly elapsed) second waits in `deferred`.
   */
  runSlot(slot: number, now: number, deferred: Conn[]): void {
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

  /** File the conns runSlot deferred, once the timer run is over. */
  fileDeferred(deferred: readonly Conn[]): void {
    for (const cp of deferred) if (!cp.dead && cp.slot < 0) this.file(cp);
  }

  /** The live conns as /proc/net/ip_vs_conn shows them. */
  snapshot(now: number): ConnSnapshot[] {
    const out: ConnSnapshot[] = [];
    for (const c of this.table) if (!c.dead) out.push(connSnapshot(c, now));
    return out;
  }
}
