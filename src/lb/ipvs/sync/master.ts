// What a sync master sends and when (ip_vs_sync.c), pure and clock-injected (times are
// milliseconds from a Clock): when a connection is worth a record (ip_vs_sync_conn_needed +
// ip_vs_sync_conn's walk up to the persistence template), what the record says, and how records are
// batched into datagrams (sync_buff: full at sync_maxlen, or flushed once older than 2 s). The
// backup's side is apply.ts.
import { formatIPv6 } from '../addr.js';
import { IP_VS_CONN_F_HASHED, IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT, IP_VS_CONN_F_ONE_PACKET, IP_VS_CONN_F_SYNC, IP_VS_CONN_F_TEMPLATE, fwdFlags } from '../flags.js';
import { TCP_S } from '../proto_tcp.js';
import { IPPROTO_TCP, type Forwarding } from '../types.js';
import { HEADER_V1_SIZE, SyncMessageBuilder, recordLength, type SeqData, type SyncConn } from './message.js';

// ---------- settings (net.ipv4.vs.sync_* sysctls) ----------

export interface SyncSettings {
  /** sync_threshold "3 50": first number */
  threshold: number;
  /** sync_threshold "3 50": second number (0 = only once, at the threshold) */
  period: number;
  /** sync_refresh_period in ms (0 = off, the default) */
  refreshPeriodMs: number;
  /** sync_retries 0..3 */
  retries: number;
  /** sync_persist_mode: conns under a persistence template are not synced, only the template */
  persistMode: boolean;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  threshold: 3,
  period: 50,
  refreshPeriodMs: 0,
  retries: 0,
  persistMode: false,
};

/** IPVS_SYNC_FLUSH_TIME: a partly filled buffer waits at most this long (ms). */
export const SYNC_FLUSH_TIME_MS = 2000;
/** IPVS_SYNC_CHECK_PERIOD: the master thread's poll interval when its queue is empty (ms). */
export const SYNC_CHECK_PERIOD_MS = 1000;
/** IPVS_SYNC_SEND_DELAY: HZ/50, the delay before the master thread sends a queued full buffer (ms). */
export const SYNC_SEND_DELAY_MS = 20;

// ---------- master: when to send ----------

/**
 * What the rules need to know about one connection of the master's table. The field names are
 * the embedded core's Conn fields (src/lb/ipvs/conn.ts), so a Conn is passed as it is.
 */
export interface SyncCandidate {
  protocol: number;
  /** IP_VS_CONN_F_* bits */
  flags: number;
  /** state index (states.ts) */
  state: number;
  /** cp->timeout: the full timeout of the current state, ms */
  timeout: number;
  /** cp->control: the persistence template this connection was scheduled by, if any */
  control?: SyncCandidate | null;
}

/** cp->in_pkts, cp->old_state and cp->sync_endtime, kept beside the core's connection objects. */
interface SyncMarks {
  /** incoming packets counted for the threshold rule */
  inPkts: number;
  /** the state last synced */
  oldState: number;
  /** ms: expiry time at the last sync; its low 2 bits count refresh retries */
  syncEndtime: number;
}

const marks = new WeakMap<object, SyncMarks>();

function marksOf(c: SyncCandidate, now: number): SyncMarks {
  let m = marks.get(c);
  if (!m) {
    // ip_vs_conn_new: old_state 0, sync_endtime = jiffies & ~3 (first seen ~ created)
    const t = Math.floor(now);
    m = { inPkts: 0, oldState: 0, syncEndtime: t - mod(t, 4) };
    marks.set(c, m);
  }
  return m;
}

/**
 * A backup created or updated this connection from a record (ip_vs_proc_conn): in_pkts is set to
 * sync_threshold and old_state to the synced state, so that when this director becomes master the
 * conn is resent on the period rule rather than at once.
 */
export function markSyncedConn(c: SyncCandidate, now: number, settings: SyncSettings = DEFAULT_SYNC_SETTINGS): void {
  const m = marksOf(c, now);
  m.inPkts = settings.threshold;
  m.oldState = c.state;
}

/** The connection's in_pkts as the sync rules count it (0 before its first packet). */
export function syncInPkts(c: SyncCandidate): number {
  return marks.get(c)?.inPkts ?? 0;
}

/** The TCP states a master syncs, as a bit set (ip_vs_sync_conn_needed). */
const TCP_SYNC_STATES =
  (1 << TCP_S.ESTABLISHED) | (1 << TCP_S.FIN_WAIT) | (1 << TCP_S.CLOSE) | (1 << TCP_S.CLOSE_WAIT) | (1 << TCP_S.TIME_WAIT);

function inPersistence(c: SyncCandidate): boolean {
  for (let p = c.control; p; p = p.control) if (p.flags & IP_VS_CONN_F_TEMPLATE) return true;
  return false;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * ip_vs_sync_conn_needed: whether this connection gets a record now, given `pkts` (its in_pkts
 * after this packet). Updates the connection's oldState / syncEndtime when it says yes.
 */
export function syncConnNeeded(c: SyncCandidate, pkts: number, now: number, s: SyncSettings = DEFAULT_SYNC_SETTINGS): boolean {
  const mk = marksOf(c, now);
  const orig = mk.syncEndtime;
  const t = Math.floor(now + c.timeout);
  let n = t - mod(t, 4);
  let force = false;
  let send = false;
  if (c.flags & IP_VS_CONN_F_TEMPLATE) {
    force = false;
  } else if (s.persistMode && inPersistence(c)) {
    return false;
  } else if (c.protocol === IPPROTO_TCP) {
    // Only these TCP states are worth a backup's entry: a SYN_RECV conn is not synced at all.
    if (!((1 << c.state) & TCP_SYNC_STATES)) return false;
    force = c.state !== mk.oldState;
    // A change to anything but ESTABLISHED is sent at once; ESTABLISHED waits for the threshold.
    if (force && c.state !== TCP_S.ESTABLISHED) send = true;
  }
  if (!send) {
    if (s.refreshPeriodMs > 0) {
      const diff = n - orig;
      const minDiff = Math.max(Math.floor(c.timeout / 2), 10_000);
      if (Math.abs(diff) < Math.min(s.refreshPeriodMs, minDiff)) {
        const retries = mod(orig, 4);
        if (retries >= s.retries) return false;
        if (now < orig - c.timeout + s.refreshPeriodMs / 8) return false;
        n += retries + 1;
      }
    }
    if (s.period > 0) {
      if (!(c.flags & IP_VS_CONN_F_TEMPLATE) && pkts % s.period !== s.threshold) return false;
    } else if (!s.refreshPeriodMs && pkts !== s.threshold) {
      return false;
    }
  }
  mk.oldState = c.state;
  mk.syncEndtime = n;
  // The kernel's cmpxchg always succeeds here: one thread updates a connection at a time.
  return true;
}

/**
 * What the master does after an incoming packet has been handled (ip_vs_in's tail + ip_vs_sync_conn):
 * counts the packet and returns the connections to put in records, in order (the connection, then
 * its persistence template when the template's own counter says so). Not master: only the
 * one-packet template bookkeeping the kernel does.
 */
export function recordsForIncomingPacket(c: SyncCandidate, now: number, master: boolean, s: SyncSettings = DEFAULT_SYNC_SETTINGS): SyncCandidate[] {
  const onePacket = (c.flags & IP_VS_CONN_F_ONE_PACKET) !== 0;
  const pkts = onePacket ? s.threshold : ++marksOf(c, now).inPkts;
  if (!master) {
    if (onePacket && c.control) marksOf(c.control, now).inPkts++;
    return [];
  }
  const out: SyncCandidate[] = [];
  let cur: SyncCandidate | null | undefined = c;
  let p = pkts;
  // One-packet connections are never synced themselves, only their template.
  let skip = onePacket;
  while (cur) {
    if (!skip && syncConnNeeded(cur, p, now, s)) out.push(cur);
    skip = false;
    const ctl: SyncCandidate | null | undefined = cur.control;
    if (!ctl) break;
    p = ctl.flags & IP_VS_CONN_F_TEMPLATE ? ++marksOf(ctl, now).inPkts : s.threshold;
    cur = ctl;
  }
  return out;
}

// ---------- master: building records ----------

/**
 * A master connection as the record needs it. Addresses are dotted strings or u32/int32 numbers
 * (the core's int32 views), ports host order.
 */
export interface SyncSource extends SyncCandidate {
  caddr: string | number;
  cport: number;
  vaddr: string | number;
  vport: number;
  daddr: string | number;
  dport: number;
  fwmark: number;
  /** an IPv6 conn's addresses (a Conn6's; the numbers above are then folds) */
  caddr6?: ArrayLike<number> | null;
  vaddr6?: ArrayLike<number> | null;
  daddr6?: ArrayLike<number> | null;
  seq?: { in: SeqData; out: SeqData };
  peName?: string;
  peData?: Uint8Array;
}

function dotted(a: string | number): string {
  if (typeof a === 'string') return a;
  const n = a >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * ip_vs_sync_conn's record for a conn: an IPv6 conn (cp->af AF_INET6) gets the 72-byte v6 record
 * (STYPE_F_INET6) with its three addresses; the kernel refuses to run a daemon beside mixed-family
 * dests, so client and real server share the family.
 */
export function recordFor(c: SyncSource): SyncConn {
  const v6 = c.caddr6 != null && c.vaddr6 != null;
  const text6 = (a: ArrayLike<number> | null | undefined, what: string): string => {
    if (a == null) throw new Error(`an IPv6 conn without its ${what} address cannot be synced`);
    return formatIPv6(a);
  };
  const rec: SyncConn = {
    family: v6 ? 6 : 4,
    protocol: c.protocol,
    flags: (c.flags & ~IP_VS_CONN_F_HASHED) >>> 0,
    state: c.state,
    cport: c.cport,
    vport: c.vport,
    dport: c.dport,
    fwmark: c.fwmark,
    timeout: Math.floor(c.timeout / 1000),
    caddr: v6 ? text6(c.caddr6, 'client') : dotted(c.caddr),
    vaddr: v6 ? text6(c.vaddr6, 'virtual') : dotted(c.vaddr),
    daddr: v6 ? text6(c.daddr6, 'real server') : dotted(c.daddr),
  };
  if (c.seq) rec.seq = c.seq;
  if (c.peData && c.peData.length > 0) {
    rec.peData = c.peData;
    if (c.peName) rec.peName = c.peName;
  }
  return rec;
}

/** The IP_VS_CONN_F_* bits of a connection described the way the embedded core describes it. */
export function connFlags(c: { forwarding: Forwarding; inactive: boolean; template?: boolean; onePacket?: boolean; noOutput?: boolean; synced?: boolean }): number {
  let f = fwdFlags(c.forwarding);
  // __ip_vs_update_dest: non-MASQ forwarding never sees replies.
  if (c.noOutput ?? c.forwarding !== 'masq') f |= IP_VS_CONN_F_NOOUTPUT;
  if (c.inactive) f |= IP_VS_CONN_F_INACTIVE;
  if (c.template) f |= IP_VS_CONN_F_TEMPLATE;
  if (c.onePacket) f |= IP_VS_CONN_F_ONE_PACKET;
  if (c.synced) f |= IP_VS_CONN_F_SYNC;
  return f;
}

// ---------- master: batching ----------

export interface BatcherOptions {
  syncId: number;
  /** sync_maxlen: the largest datagram payload */
  maxLen: number;
  /** sync_qlen_max: full buffers waiting to be sent beyond this are dropped */
  qlenMax?: number;
}

/**
 * The master's current sync_buff plus its queue of full buffers. Records go into the current
 * buffer; a record that does not fit closes it (queued for sending) and starts a new one. The
 * current buffer is sent on its own once it is SYNC_FLUSH_TIME_MS old.
 */
export class SyncBatcher {
  private current: SyncMessageBuilder | undefined;
  private firstUse = 0;
  private readonly queue: Buffer[] = [];
  /** buffers dropped because the queue was full */
  dropped = 0;

  constructor(private readonly opts: BatcherOptions) {
    new SyncMessageBuilder(opts.syncId, Math.max(opts.maxLen, HEADER_V1_SIZE + 1)); // validates
  }

  add(rec: SyncConn, now: number): void {
    const len = recordLength(rec);
    if (this.current && !this.current.fits(len)) this.closeCurrent();
    if (!this.current) {
      // ip_vs_sync_buff_create: a record bigger than sync_maxlen gets a buffer of its own size.
      this.current = new SyncMessageBuilder(this.opts.syncId, Math.min(65535, Math.max(this.opts.maxLen, HEADER_V1_SIZE + len)));
      this.firstUse = now;
    }
    if (!this.current.add(rec)) throw new Error(`sync record of ${len} bytes does not fit an empty buffer`);
  }

  private closeCurrent(): void {
    if (!this.current) return;
    if (this.queue.length < (this.opts.qlenMax ?? Infinity)) this.queue.push(this.current.toBuffer());
    else this.dropped++;
    this.current = undefined;
  }

  /** number of full buffers waiting */
  get queued(): number {
    return this.queue.length;
  }

  /** records in the current, not yet full buffer */
  get pendingRecords(): number {
    return this.current?.count ?? 0;
  }

  /**
   * next_sync_buff: the queued full buffers, then the current one if it is at least `age` ms old
   * (SYNC_FLUSH_TIME_MS normally; 0 to flush everything, e.g. when the daemon stops).
   */
  take(now: number, age = SYNC_FLUSH_TIME_MS): Buffer[] {
    const out = this.queue.splice(0);
    if (this.current && now - this.firstUse >= age) {
      out.push(this.current.toBuffer());
      this.current = undefined;
    }
    return out;
  }
}
