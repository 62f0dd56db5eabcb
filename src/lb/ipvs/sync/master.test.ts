import { describe, expect, it } from 'vitest';
import { IP_VS_CONN_F_HASHED, IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT, IP_VS_CONN_F_ONE_PACKET, IP_VS_CONN_F_TEMPLATE } from '../flags.js';
import { TCP_S } from '../proto_tcp.js';
import {
  DEFAULT_SYNC_SETTINGS,
  SyncBatcher,
  connFlags,
  markSyncedConn,
  recordFor,
  recordsForIncomingPacket,
  syncConnNeeded,
  syncInPkts,
  type SyncCandidate,
  type SyncSource,
} from './master.js';
import { decodeMessage } from './decode.js';
import type { SyncConn } from './message.js';

const tcp = (state: number, extra: Partial<SyncCandidate> = {}): SyncCandidate => ({
  protocol: 6,
  flags: 0,
  state,
  timeout: 900_000,
  ...extra,
});

/** Feed `n` incoming packets; return the packet numbers that produced a record for the conn itself. */
function syncedAt(c: SyncCandidate, n: number, stateAt?: (pkt: number) => number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    if (stateAt) c.state = stateAt(i);
    const recs = recordsForIncomingPacket(c, i * 10, true);
    if (recs.includes(c)) out.push(i);
  }
  return out;
}

describe('when the master sends (ip_vs_sync_conn_needed)', () => {
  it('sends an established TCP conn on the 3rd incoming packet, then every 50', () => {
    // SYN -> SYN_RECV, ACK -> ESTABLISHED, then data: the 3rd packet is the first sync
    const c = tcp(TCP_S.SYN_RECV);
    const at = syncedAt(c, 160, (i) => (i === 1 ? TCP_S.SYN_RECV : TCP_S.ESTABLISHED));
    expect(at).toEqual([3, 53, 103, 153]);
  });

  it('never sends a conn that stays in SYN_RECV, whatever its packet count', () => {
    expect(syncedAt(tcp(TCP_S.SYN_RECV), 60)).toEqual([]);
  });

  it('sends at once on a change to FIN_WAIT / CLOSE_WAIT / TIME_WAIT / CLOSE, once per change', () => {
    const c = tcp(TCP_S.ESTABLISHED);
    const states: Record<number, number> = { 1: TCP_S.ESTABLISHED, 2: TCP_S.ESTABLISHED, 3: TCP_S.ESTABLISHED, 4: TCP_S.ESTABLISHED, 5: TCP_S.CLOSE_WAIT, 6: TCP_S.CLOSE_WAIT, 7: TCP_S.TIME_WAIT };
    expect(syncedAt(c, 7, (i) => states[i])).toEqual([3, 5, 7]);
  });

  it('sends a single-datagram UDP flow never, and a UDP flow on its 3rd packet', () => {
    const one = { protocol: 17, flags: IP_VS_CONN_F_INACTIVE, state: 0, timeout: 300_000 };
    expect(syncedAt(one, 1)).toEqual([]);
    const many = { ...one };
    expect(syncedAt(many, 60)).toEqual([3, 53]);
  });

  it('never sends one-packet (--ops) conns, but does count their template', () => {
    const tpl = tcp(0, { protocol: 17, flags: IP_VS_CONN_F_TEMPLATE, timeout: 360_000 });
    const c = { protocol: 17, flags: IP_VS_CONN_F_ONE_PACKET, state: 0, timeout: 300_000, control: tpl };
    const recs = recordsForIncomingPacket(c, 0, true);
    expect(recs).toEqual([tpl]); // templates have no threshold rule
    expect(syncInPkts(tpl)).toBe(1);
    expect(syncInPkts(c)).toBe(0);
  });

  it('sends a persistence template along with its conn', () => {
    const tpl = tcp(0, { flags: IP_VS_CONN_F_TEMPLATE, timeout: 360_000 });
    const c = tcp(TCP_S.ESTABLISHED, { control: tpl });
    const seen: SyncCandidate[][] = [];
    for (let i = 1; i <= 3; i++) seen.push(recordsForIncomingPacket(c, i, true));
    expect(seen[0]).toEqual([tpl]);
    expect(seen[2]).toEqual([c, tpl]);
  });

  it('with sync_persist_mode sends the template but not the conns under it', () => {
    const tpl = tcp(0, { flags: IP_VS_CONN_F_TEMPLATE });
    const c = tcp(TCP_S.ESTABLISHED, { control: tpl });
    const s = { ...DEFAULT_SYNC_SETTINGS, persistMode: true };
    for (let i = 1; i <= 3; i++) expect(recordsForIncomingPacket(c, i, true, s)).toEqual([tpl]);
  });

  it('with period 0 sends only once, at the threshold', () => {
    const s = { ...DEFAULT_SYNC_SETTINGS, period: 0 };
    const c = tcp(TCP_S.ESTABLISHED);
    const at: number[] = [];
    for (let i = 1; i <= 120; i++) if (syncConnNeeded(c, i, i, s)) at.push(i);
    expect(at).toEqual([3]);
  });

  it('with sync_refresh_period suppresses resyncs until the expiry moved enough', () => {
    const s = { ...DEFAULT_SYNC_SETTINGS, period: 0, refreshPeriodMs: 60_000 };
    const c = tcp(TCP_S.ESTABLISHED);
    // first packet at t=0: expiry moved 900 s from 0 -> sent
    expect(syncConnNeeded(c, 5, 0, s)).toBe(true);
    expect(syncConnNeeded(c, 6, 30_000, s)).toBe(false); // expiry moved 30 s < 60 s
    expect(syncConnNeeded(c, 7, 61_000, s)).toBe(true);
  });

  it('does nothing but count when not master', () => {
    const c = tcp(TCP_S.ESTABLISHED);
    for (let i = 0; i < 5; i++) expect(recordsForIncomingPacket(c, i, false)).toEqual([]);
    expect(syncInPkts(c)).toBe(5);
  });
});

describe('records from the master table', () => {
  it('carries the state timeout in seconds and the flags without HASHED', () => {
    const src: SyncSource = {
      ...tcp(TCP_S.FIN_WAIT, { flags: IP_VS_CONN_F_HASHED | IP_VS_CONN_F_INACTIVE, timeout: 120_500 }),
      caddr: '192.168.1.10', cport: 40000, vaddr: '192.168.1.112', vport: 80, daddr: '10.0.0.101', dport: 80, fwmark: 0,
    };
    expect(recordFor(src)).toEqual({
      family: 4, protocol: 6, flags: IP_VS_CONN_F_INACTIVE, state: TCP_S.FIN_WAIT, cport: 40000, vport: 80, dport: 80,
      fwmark: 0, timeout: 120, caddr: '192.168.1.10', vaddr: '192.168.1.112', daddr: '10.0.0.101',
    });
  });

  it('derives flags from forwarding as __ip_vs_update_dest does', () => {
    expect(connFlags({ forwarding: 'masq', inactive: true })).toBe(IP_VS_CONN_F_INACTIVE);
    expect(connFlags({ forwarding: 'route', inactive: false })).toBe(0x0003 | IP_VS_CONN_F_NOOUTPUT);
  });
});

describe('batching', () => {
  const rec = (i: number): SyncConn => ({
    family: 4, protocol: 6, flags: 0, state: 1, cport: i, vport: 80, dport: 80, fwmark: 0, timeout: 900,
    caddr: '192.168.1.10', vaddr: '192.168.1.112', daddr: '10.0.0.101',
  });

  it('holds a partly filled buffer until it is 2 s old', () => {
    const b = new SyncBatcher({ syncId: 5, maxLen: 1472 });
    b.add(rec(1), 1000);
    b.add(rec(2), 2500);
    expect(b.take(2999)).toEqual([]);
    const out = b.take(3000);
    expect(out).toHaveLength(1);
    const m = decodeMessage(out[0], { syncId: 5 });
    expect(m).toMatchObject({ kind: 'v1', count: 2 });
    expect(b.take(10_000)).toEqual([]);
  });

  it('queues a full buffer at once when the next record does not fit sync_maxlen', () => {
    const b = new SyncBatcher({ syncId: 5, maxLen: 1472 });
    for (let i = 0; i < 41; i++) b.add(rec(i), 0);
    expect(b.queued).toBe(1);
    expect(b.pendingRecords).toBe(1);
    const [full] = b.take(1);
    expect(full.length).toBe(8 + 40 * 36);
    expect(full.length).toBeLessThanOrEqual(1472);
  });

  it('drops full buffers beyond sync_qlen_max', () => {
    const b = new SyncBatcher({ syncId: 5, maxLen: 8 + 36, qlenMax: 2 });
    for (let i = 0; i < 5; i++) b.add(rec(i), 0);
    expect(b.queued).toBe(2);
    expect(b.dropped).toBe(2);
  });
});

describe('conns a backup got from a master', () => {
  it('are resent on the period rule when this director becomes master, not at once', () => {
    const c = tcp(TCP_S.FIN_WAIT);
    markSyncedConn(c, 0);
    expect(syncInPkts(c)).toBe(3);
    const at: number[] = [];
    for (let i = 4; i <= 60; i++) if (recordsForIncomingPacket(c, i, true).length) at.push(syncInPkts(c));
    expect(at).toEqual([53]);
  });
});
