// What a sync backup does with a received record (ip_vs_sync.c): the checks of
// ip_vs_proc_sync_conn (acceptRecord), then ip_vs_proc_conn (applySyncedConn) — the one place a
// synced connection is created or updated in the core. The master's side is master.ts.
import { parseInetAddr, sameInetAddr, type InetAddr } from '../addr.js';
import type { CoreTime } from '../clock.js';
import type { ConnLifecycle } from '../conn.js';
import { TEMPLATE_STATE_NAMES, type Conn, type ConnAddrs6 } from '../conn_entry.js';
import { KNOWN_PES, type IpvsCtl } from '../ctl.js';
import {
  IP_VS_CONN_F_BACKUP_MASK,
  IP_VS_CONN_F_BACKUP_UPD_MASK,
  IP_VS_CONN_F_INACTIVE,
  IP_VS_CONN_F_NO_CPORT,
  IP_VS_CONN_F_ONE_PACKET,
  IP_VS_CONN_F_SYNC,
  IP_VS_CONN_F_TEMPLATE,
  forwardingOf,
} from '../flags.js';
import { DEFAULT_PROTO_TIMEOUTS, type ProtoTimeouts } from '../proto.js';
import { AF_INET, AF_INET6, IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, type Forwarding, type In6Addr } from '../types.js';
import type { SeqData, SyncConn, SyncDropReason } from './message.js';
import { TEMPLATE_SYNC_TIMEOUT, protocolStates, stateName } from './states.js';

/** A received connection, checked and resolved, ready for the core to create or update. */
export interface SyncedConnImport {
  protocol: 'tcp' | 'udp';
  template: boolean;
  /** IP_VS_CONN_F_* after the backup mask, with IP_VS_CONN_F_SYNC */
  flags: number;
  forwarding: Forwarding | undefined;
  /** the master's INACTIVE bit: decides ActiveConn vs InActConn on the backup */
  inactive: boolean;
  state: number;
  stateName: string;
  client: { addr: string; port: number };
  virtual: { addr: string; port: number };
  dest: { addr: string; port: number };
  fwmark: number;
  timeoutMs: number;
  seq?: { in: SeqData; out: SeqData };
  peName?: string;
  peData?: Uint8Array;
}

export interface AcceptContext {
  /** which decoder produced the record (the pinned kernel checks and masks v0 and v1 records alike;
   * mainline kept every v0 flag but HASHED) */
  version: 'v0' | 'v1';
  /** the backup's timeouts for records that carry none */
  timeouts?: ProtoTimeouts;
  knownPes?: readonly string[];
}

export type AcceptResult = { ok: true; conn: SyncedConnImport } | { ok: false; reason: SyncDropReason };

/** ip_vs_proc_sync_conn's checks after option parsing, and ip_vs_proc_conn's timeout choice. */
export function acceptRecord(rec: SyncConn, ctx: AcceptContext): AcceptResult {
  const skip = (code: number, message: string): AcceptResult => ({ ok: false, reason: { code, message } });
  // ip_vs_sync_validate_flags (the pinned kernel, v0 and v1 alike): no one-packet conns, no template
  // without a client port; then only the backup mask is taken
  if (rec.flags & IP_VS_CONN_F_ONE_PACKET || (rec.flags & IP_VS_CONN_F_NO_CPORT && rec.flags & IP_VS_CONN_F_TEMPLATE)) {
    return skip(25, `invalid flags 0x${(rec.flags >>> 0).toString(16).toUpperCase()}`);
  }
  const flags = ((rec.flags & IP_VS_CONN_F_BACKUP_MASK) | IP_VS_CONN_F_SYNC) >>> 0;
  const template = (flags & IP_VS_CONN_F_TEMPLATE) !== 0;
  if (!template) {
    const states = protocolStates(rec.protocol);
    if (!states) return skip(30, `unsupported protocol ${rec.protocol}`);
    if (rec.state >= states.length) return skip(40, `invalid ${rec.protocol === IPPROTO_TCP ? 'TCP' : 'UDP'} state ${rec.state}`);
  } else if (rec.state >= TEMPLATE_STATE_NAMES.length) {
    return skip(40, `invalid template state ${rec.state}`);
  }
  if (rec.peData && rec.peData.length > 0) {
    if (!rec.peName) return skip(50, 'invalid PE parameters: pe data without a pe name');
    if (!(ctx.knownPes ?? KNOWN_PES).includes(rec.peName)) return skip(50, `no ${rec.peName} engine found`);
  }
  // Templates of fwmark services carry protocol IPPROTO_IP (0) and the mark as vaddr; the core
  // recognises them by fwmark != 0 and vport 0, so any protocol name does for them.
  const fwmarkTemplate = template && rec.protocol === 0 && rec.fwmark !== 0;
  if (rec.protocol !== IPPROTO_TCP && rec.protocol !== IPPROTO_UDP && !fwmarkTemplate) {
    // A template for a protocol the core cannot serve (e.g. SCTP persistence) is of no use either.
    return skip(30, `unsupported protocol ${rec.protocol}`);
  }
  const t = ctx.timeouts ?? DEFAULT_PROTO_TIMEOUTS;
  let timeoutS: number;
  if (rec.timeout) timeoutS = rec.timeout;
  else if (template) timeoutS = TEMPLATE_SYNC_TIMEOUT;
  else timeoutS = rec.protocol === IPPROTO_TCP ? t.tcp[rec.state] : t.udp;
  const conn: SyncedConnImport = {
    protocol: rec.protocol === IPPROTO_TCP ? 'tcp' : 'udp',
    template,
    flags,
    forwarding: forwardingOf(flags),
    inactive: (flags & IP_VS_CONN_F_INACTIVE) !== 0,
    state: rec.state,
    stateName: stateName(rec.protocol, rec.state, template),
    client: { addr: rec.caddr, port: rec.cport },
    virtual: { addr: rec.vaddr, port: rec.vport },
    dest: { addr: rec.daddr, port: rec.dport },
    fwmark: rec.fwmark,
    timeoutMs: timeoutS * 1000,
  };
  if (rec.seq) conn.seq = rec.seq;
  if (rec.peData && rec.peData.length > 0) {
    conn.peData = rec.peData;
    conn.peName = rec.peName;
  }
  return { ok: true, conn };
}

/**
 * ip_vs_proc_conn when the backup already holds a (non-template) connection with this key: a
 * record naming another real server replaces it unless the record is INACTIVE (then it is the
 * stale expiry news of a connection already replaced and is ignored); otherwise the existing
 * entry is updated. `existing.daddr` is dotted, or the core's number.
 */
export function existingConnAction(existing: { daddr: string | number; daddr6?: In6Addr | null; dport: number }, incoming: SyncedConnImport): 'update' | 'replace' | 'ignore' {
  if (incoming.template) return 'update';
  const d = existing.daddr;
  const have: InetAddr =
    typeof d === 'string' ? parseInetAddr(d) : existing.daddr6 ? { af: AF_INET6, ip: d >>> 0, ip6: existing.daddr6 } : { af: AF_INET, ip: d >>> 0, ip6: null };
  if (sameInetAddr(have, parseInetAddr(incoming.dest.addr)) && existing.dport === incoming.dest.port) return 'update';
  return incoming.flags & IP_VS_CONN_F_INACTIVE ? 'ignore' : 'replace';
}

/** The flags an updated connection ends up with: only INACTIVE and the SEQ bits come from the record. */
export function mergeSyncedFlags(existing: number, incoming: number): number {
  return ((incoming & IP_VS_CONN_F_BACKUP_UPD_MASK) | (existing & ~IP_VS_CONN_F_BACKUP_UPD_MASK)) >>> 0;
}

/** What applying a synced connection works on: the namespace's IPVS. */
export interface SyncApplyContext {
  readonly time: CoreTime;
  readonly conns: ConnLifecycle;
  readonly ctl: IpvsCtl;
}

/**
 * ip_vs_proc_conn: create or update the connection a master sent. A new one is bound to the
 * matching dest of the matching service if there is one (without one it is kept, unbound, as the
 * kernel does, and bound once a later record finds its dest: ip_vs_try_bind_dest); it keeps the
 * master's state, activity and timeout, and is not scheduled. Returns the connection, or null when
 * the record was the stale expiry news of a connection already replaced.
 */
export function applySyncedConn(x: SyncApplyContext, c: SyncedConnImport): Conn | null {
  const { conns, ctl } = x;
  const now = x.time.read();
  x.time.lastNow = now;
  const protocol = c.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
  const client = parseInetAddr(c.client.addr);
  const real = parseInetAddr(c.dest.addr);
  const v6 = client.af === AF_INET6;
  const caddr = client.ip | 0;
  const daddr = real.ip;
  // a fwmark service's template: protocol IPPROTO_IP, the mark as its virtual address (an IPv6
  // one's in the first word, which the record carries as an IPv6 address)
  const fwmarkTemplate = c.template && c.fwmark !== 0 && c.virtual.port === 0;
  const tproto = fwmarkTemplate ? IPPROTO_IP : protocol;
  const virt = parseInetAddr(c.virtual.addr);
  if (virt.af !== client.af) throw new Error(`synced conn ${c.client.addr} -> ${c.virtual.addr}: client and virtual address of different families`);
  const tvaddr = fwmarkTemplate && !v6 ? c.fwmark | 0 : virt.ip | 0;
  // ip_vs_proc_conn looks the dest up with the conn's family for both (ip_vs_find_dest(type, type))
  const fam = v6 ? { af: AF_INET6, vaddr6: virt.ip6, daf: real.af, daddr6: real.ip6 } as const : undefined;
  let cp: Conn | null;
  if (c.template) {
    cp = v6 ? conns.table.templateGet6(tproto, client.ip6!, virt.ip6!, c.virtual.port) : conns.table.templateGet(tproto, caddr, tvaddr, c.virtual.port);
  } else {
    cp = v6 ? conns.table.inGet6(protocol, client.ip6!, c.client.port, virt.ip6!, c.virtual.port) : conns.table.inGet(protocol, caddr, c.client.port, tvaddr, c.virtual.port);
    const action = cp === null ? 'update' : existingConnAction(cp, c);
    if (action === 'ignore') return null;
    if (action === 'replace') {
      conns.expireNow(cp!, now);
      cp = null;
    }
  }
  if (cp !== null) {
    updateActivity(cp, c.flags);
    cp.flags = mergeSyncedFlags(cp.flags, c.flags);
    if (cp.dest === null) {
      const f = cp.af === AF_INET6 ? { af: AF_INET6, vaddr6: cp.vaddr6, daf: cp.daf, daddr6: cp.daddr6 } as const : undefined;
      conns.tryBindDest(cp, ctl.findDest(cp.protocol, cp.vaddr >>> 0, cp.vport, cp.fwmark, cp.daddr >>> 0, cp.dport, cp.flags, f));
    }
  } else {
    const dest = ctl.findDest(protocol, tvaddr >>> 0, c.virtual.port, c.fwmark, daddr, c.dest.port, c.flags, fam);
    const a6: ConnAddrs6 | undefined = v6 || real.ip6 !== null ? { af: client.af, daf: real.af, caddr6: client.ip6, vaddr6: virt.ip6, daddr6: real.ip6 } : undefined;
    cp = conns.create(tproto, caddr, c.template ? 0 : c.client.port, tvaddr, c.virtual.port, daddr, c.dest.port, c.flags, dest, c.fwmark, now, a6);
  }
  cp.state = c.state;
  cp.timeout = c.timeoutMs;
  conns.put(cp, now);
  return cp;
}

/** The master's INACTIVE bit changed: the conn moves between its dest's active and inactive counters. */
function updateActivity(cp: Conn, flags: number): void {
  const d = cp.dest;
  if (!((cp.flags ^ flags) & IP_VS_CONN_F_INACTIVE) || flags & IP_VS_CONN_F_TEMPLATE || d === null) return;
  if (flags & IP_VS_CONN_F_INACTIVE) {
    d.activeConns--;
    d.inactConns++;
  } else {
    d.activeConns++;
    d.inactConns--;
  }
}
