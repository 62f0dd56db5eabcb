// The backup's side of sync: which records it accepts (ip_vs_proc_sync_conn) and how a synced
// connection is created or updated in the core (ip_vs_proc_conn, the one implementation the
// director's backup daemon runs).
import { describe, expect, it } from 'vitest';
import { lab } from '../../../../test/ipvs/testkit.js';
import {
  IP_VS_CONN_F_HASHED,
  IP_VS_CONN_F_INACTIVE,
  IP_VS_CONN_F_ONE_PACKET,
  IP_VS_CONN_F_SYNC,
  IP_VS_CONN_F_TEMPLATE,
} from '../flags.js';
import { DEFAULT_PROTO_TIMEOUTS, withSetTimeouts } from '../proto.js';
import { TCP_S } from '../proto_tcp.js';
import { acceptRecord, existingConnAction, mergeSyncedFlags, type SyncedConnImport } from './apply.js';
import { decodeMessage } from './decode.js';
import { encodeMessage, type SyncConn } from './message.js';
import { recordFor, type SyncSource } from './master.js';

describe('what the backup accepts (ip_vs_proc_sync_conn / ip_vs_proc_conn)', () => {
  const base: SyncConn = {
    family: 4, protocol: 6, flags: 0, state: TCP_S.ESTABLISHED, cport: 40000, vport: 80, dport: 80, fwmark: 0,
    timeout: 900, caddr: '192.168.1.10', vaddr: '192.168.1.112', daddr: '10.0.0.101',
  };

  it('masks the flags, adds SYNC and keeps the master INACTIVE bit', () => {
    const r = acceptRecord({ ...base, flags: IP_VS_CONN_F_INACTIVE | IP_VS_CONN_F_HASHED | 0x8000 }, { version: 'v1' });
    expect(r).toMatchObject({ ok: true, conn: { flags: IP_VS_CONN_F_INACTIVE | IP_VS_CONN_F_SYNC, inactive: true, stateName: 'ESTABLISHED', forwarding: 'masq' } });
  });

  it('pinned kernel: v0 records are masked like v1 ones; one-packet records and port-less templates are refused (ip_vs_sync_validate_flags)', () => {
    const r = acceptRecord({ ...base, flags: IP_VS_CONN_F_HASHED | 0x8000 }, { version: 'v0' });
    expect(r).toMatchObject({ ok: true, conn: { flags: IP_VS_CONN_F_SYNC } });
    for (const version of ['v0', 'v1'] as const) {
      expect(acceptRecord({ ...base, flags: IP_VS_CONN_F_ONE_PACKET | IP_VS_CONN_F_INACTIVE }, { version })).toMatchObject({ ok: false, reason: { code: 25, message: 'invalid flags 0x2100' } });
      expect(acceptRecord({ ...base, flags: IP_VS_CONN_F_TEMPLATE | 0x0800, state: 0 }, { version })).toMatchObject({ ok: false, reason: { code: 25 } });
    }
  });

  it('rejects out-of-range states and unknown protocols', () => {
    expect(acceptRecord({ ...base, state: 11 }, { version: 'v1' })).toMatchObject({ ok: false, reason: { code: 40, message: 'invalid TCP state 11' } });
    expect(acceptRecord({ ...base, protocol: 17, state: 1 }, { version: 'v1' })).toMatchObject({ ok: false, reason: { code: 40 } });
    expect(acceptRecord({ ...base, protocol: 47 }, { version: 'v1' })).toMatchObject({ ok: false, reason: { code: 30, message: 'unsupported protocol 47' } });
    expect(acceptRecord({ ...base, flags: IP_VS_CONN_F_TEMPLATE, state: 2 }, { version: 'v1' })).toMatchObject({ ok: false, reason: { message: 'invalid template state 2' } });
  });

  it('uses the timeout it is given, else the state default, else 3 min for templates', () => {
    const get = (rec: SyncConn, timeouts = DEFAULT_PROTO_TIMEOUTS) => {
      const r = acceptRecord(rec, { version: 'v1', timeouts });
      if (!r.ok) throw new Error(r.reason.message);
      return r.conn.timeoutMs;
    };
    expect(get(base)).toBe(900_000);
    expect(get({ ...base, timeout: 0, state: TCP_S.FIN_WAIT })).toBe(120_000);
    expect(get({ ...base, timeout: 0 }, withSetTimeouts(DEFAULT_PROTO_TIMEOUTS, { tcp: 60, tcpfin: 0, udp: 0 }))).toBe(60_000);
    expect(get({ ...base, protocol: 17, state: 0, timeout: 0 })).toBe(300_000);
    expect(get({ ...base, flags: IP_VS_CONN_F_TEMPLATE, state: 0, timeout: 0 })).toBe(180_000);
  });

  it('refuses pe data without a known pe name with a reason; IPv6 records are accepted', () => {
    expect(acceptRecord({ ...base, peData: Uint8Array.from([1]) }, { version: 'v1' })).toMatchObject({ ok: false, reason: { code: 50 } });
    expect(acceptRecord({ ...base, peData: Uint8Array.from([1]), peName: 'xyz' }, { version: 'v1' })).toMatchObject({ ok: false, reason: { message: 'no xyz engine found' } });
    expect(acceptRecord({ ...base, peData: Uint8Array.from([1]), peName: 'sip' }, { version: 'v1' })).toMatchObject({ ok: true, conn: { peName: 'sip' } });
    expect(acceptRecord({ ...base, family: 6, caddr: '::1', vaddr: '::2', daddr: '::3' }, { version: 'v1' })).toMatchObject({
      ok: true,
      conn: { client: { addr: '::1' }, virtual: { addr: '::2' }, dest: { addr: '::3' } },
    });
  });

  it('replaces a conn held for another real server unless the record is INACTIVE', () => {
    const r = acceptRecord(base, { version: 'v1' });
    const ri = acceptRecord({ ...base, flags: IP_VS_CONN_F_INACTIVE }, { version: 'v1' });
    if (!r.ok || !ri.ok) throw new Error('accept');
    expect(existingConnAction({ daddr: '10.0.0.101', dport: 80 }, r.conn)).toBe('update');
    expect(existingConnAction({ daddr: '10.0.0.102', dport: 80 }, r.conn)).toBe('replace');
    expect(existingConnAction({ daddr: '10.0.0.102', dport: 80 }, ri.conn)).toBe('ignore');
    // only INACTIVE and the SEQ bits are updated
    expect(mergeSyncedFlags(IP_VS_CONN_F_INACTIVE | 0x3, IP_VS_CONN_F_SYNC)).toBe(0x3);
  });
});


const VIP = '192.168.1.112:80';

function rec(over: Partial<SyncedConnImport> = {}): SyncedConnImport {
  return {
    protocol: 'tcp',
    template: false,
    flags: 0x0020, // SYNC, MASQ, active
    forwarding: 'masq',
    inactive: false,
    state: 1,
    stateName: 'ESTABLISHED',
    client: { addr: '10.9.0.1', port: 4000 },
    virtual: { addr: '192.168.1.112', port: 80 },
    dest: { addr: '10.0.0.101', port: 80 },
    fwmark: 0,
    timeoutMs: 900_000,
    ...over,
  };
}

describe('applying a synced connection (ip_vs_proc_conn, through importSyncedConn)', () => {
  it('creates a bound conn with the master state, activity and timeout; packets then follow it', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
    l.ipvs.importSyncedConn(rec());
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    const c = l.ipvs.snapshot().connections[0];
    expect([c.state, c.expiresIn, c.dest.addr]).toEqual(['ESTABLISHED', 900, '10.0.0.101']);
    expect(l.packet('tcp', '10.9.0.1:4000', VIP, 'in', 'A')).toEqual({ action: 'dnat', daddr: 0x0a000065, dport: 80 });
  });

  it('an update flips active/inactive; the expiry news of a replaced conn is ignored', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
    l.ipvs.importSyncedConn(rec());
    l.ipvs.importSyncedConn(rec({ flags: 0x0120, inactive: true, state: 4, stateName: 'FIN_WAIT', timeoutMs: 120_000 }));
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 1, persist: 0 });
    expect(l.ipvs.snapshot().connections[0].state).toBe('FIN_WAIT');
    // a record naming another dest, inactive: stale, ignored
    l.ipvs.importSyncedConn(rec({ dest: { addr: '10.0.0.102', port: 80 }, flags: 0x0120, inactive: true }));
    expect(l.ipvs.snapshot().connections.map((c) => c.dest.addr)).toEqual(['10.0.0.101']);
    // active: replaces it
    l.ipvs.importSyncedConn(rec({ dest: { addr: '10.0.0.102', port: 80 } }));
    expect(l.ipvs.snapshot().connections.map((c) => c.dest.addr)).toEqual(['10.0.0.102']);
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 0, persist: 0 });
  });

  it('templates are imported as templates and pin later clients', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr -p 300`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
    l.ipvs.importSyncedConn(rec({ template: true, flags: 0x1020, state: 0, stateName: 'NONE', client: { addr: '10.9.0.1', port: 0 }, timeoutMs: 300_000 }));
    expect(l.counts('10.0.0.101:80').persist).toBe(1);
    expect(l.conn('tcp', '10.9.0.1:5', VIP)).toBe('10.0.0.101:80');
  });

  it('binds a conn that came before its real server once a later record finds it (ip_vs_try_bind_dest)', () => {
    const l = lab();
    // no service yet: the conn is kept unbound and its packets still handled, NAT as the record says
    expect(l.ipvs.importSyncedConn(rec())).not.toBeNull();
    expect(l.packet('tcp', '10.9.0.1:4000', VIP, 'in', 'A')).toEqual({ action: 'dnat', daddr: 0x0a000065, dport: 80 });
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -g`);
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 0, persist: 0 });
    // the next record of the conn binds it: counted on the dest, forwarded as the dest says (DR)
    l.ipvs.importSyncedConn(rec());
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    expect(l.packet('tcp', '10.9.0.1:4000', VIP, 'in', 'A')).toEqual({ action: 'route', daddr: 0x0a000065 });
    expect(l.ipvs.snapshot().connections).toHaveLength(1);
    // a bound conn is not bound again
    l.ipvs.importSyncedConn(rec({ flags: 0x0120, inactive: true, state: 4, stateName: 'FIN_WAIT' }));
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 1, persist: 0 });
  });
});

describe('IPv6 connections over sync (protocol v1 records with STYPE_F_INET6)', () => {
  const VIP6 = '[2001:db8::112]:80';
  function masterAndBackup() {
    const rules = [`-A -t ${VIP6} -s rr -p 300 -M 64`, `-a -t ${VIP6} -r [fd00::101]:80 -m`, `-a -t ${VIP6} -r [fd00::102]:80 -m`];
    const master = lab();
    const backup = lab();
    master.run(...rules);
    backup.run(...rules);
    return { master, backup };
  }

  it('a master IPv6 conn and its template become 72-byte v6 records, decode, and apply on the backup', () => {
    const { master, backup } = masterAndBackup();
    const got: SyncConn[] = [];
    const stop = master.ipvs.observe({ created: (c) => got.push(recordFor(c as unknown as SyncSource)) });
    expect(master.conn('tcp', '[2001:db8:1:2::10]:40000', VIP6)).toBe('[fd00::102]:80');
    stop();
    expect(got.map((r) => [r.family, r.caddr, r.vaddr, r.daddr, r.cport, r.vport, r.dport])).toEqual([
      [6, '2001:db8:1:2::', '2001:db8::112', 'fd00::102', 0, 80, 80],
      [6, '2001:db8:1:2::10', '2001:db8::112', 'fd00::102', 40000, 80, 80],
    ]);
    const wire = encodeMessage(1, got);
    // header 8 + two v6 records of 72 bytes
    expect(wire.length).toBe(8 + 72 + 72);
    const back = decodeMessage(wire, { syncId: 1 });
    if (back.kind !== 'v1') throw new Error(`decoded as ${back.kind}`);
    for (const r of back.records) {
      if (!r.ok) throw new Error('record refused');
      const a = acceptRecord(r.conn, { version: 'v1' });
      if (!a.ok) throw new Error(a.reason.message);
      backup.ipvs.importSyncedConn(a.conn);
    }
    expect(backup.counts('[fd00::102]:80')).toEqual({ active: 0, inact: 1, persist: 1 });
    // the synced template pins the client's /64 to the same real server on the backup
    expect(backup.conn('tcp', '[2001:db8:1:2::99]:1', VIP6)).toBe('[fd00::102]:80');
    // and the synced conn's packets follow it
    expect(backup.packet('tcp', '[2001:db8:1:2::10]:40000', VIP6, 'in', 'A')).toMatchObject({ action: 'dnat', dport: 80 });
  });

  it('a record naming another IPv6 real server replaces the conn; the same one updates it', () => {
    const { backup } = masterAndBackup();
    const base = rec({ client: { addr: '2001:db8::9', port: 4000 }, virtual: { addr: '2001:db8::112', port: 80 }, dest: { addr: 'fd00::101', port: 80 } });
    backup.ipvs.importSyncedConn(base);
    const cp = backup.ipvs.importSyncedConn({ ...base, dest: { addr: 'fd00:0::101', port: 80 }, state: 4, stateName: 'FIN_WAIT' })!;
    expect(existingConnAction(cp, { ...base, dest: { addr: 'fd00::101', port: 80 } })).toBe('update');
    expect(existingConnAction(cp, { ...base, dest: { addr: 'fd00::102', port: 80 } })).toBe('replace');
    expect(backup.ipvs.snapshot().connections.map((c) => `${c.client.addr} ${c.dest.addr} ${c.state}`)).toEqual(['2001:db8::9 fd00::101 FIN_WAIT']);
  });
});
