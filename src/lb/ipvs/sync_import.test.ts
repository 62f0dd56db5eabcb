// The core's side of the sync daemon: importSyncedConn (ip_vs_proc_conn) and the conn observer.
import { describe, expect, it } from 'vitest';
import type { SyncedConnImport } from './sync/rules.js';
import { lab } from '../../../test/ipvs/testkit.js';

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

describe('importSyncedConn', () => {
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

  it('the observer sees creation, state changes, packets and expiry', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    const ev: string[] = [];
    const off = l.ipvs.observe({
      created: (c) => ev.push(`created ${c.state}`),
      stateChanged: (c, old) => ev.push(`state ${old}->${c.state}`),
      inbound: () => ev.push('in'),
      expired: () => ev.push('expired'),
    });
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'R'); // RST in SYN_RECV stays SYN_RECV (60 s again)
    l.advance(60);
    off();
    l.conn('tcp', '10.9.0.1:2', VIP);
    expect(ev).toEqual(['created 0', 'state 0->3', 'in', 'in', 'expired']);
  });
});
