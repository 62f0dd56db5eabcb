// IPVS snapshots built by hand for the snapshot tests (src/lb/ipvsadm/snapshots.test.ts, format.test.ts,
// restore.test.ts): every column width, number range and sort rule exercised. Their expected texts
// (test/snapshots/ipvsadm/) are lvslab's own output kept for regression, not recordings.
import type { ConnSnapshot, Counters, DestOptions, DestSnapshot, IpvsSnapshot, ServiceKey, ServiceOptions, ServiceSnapshot } from '../../src/lb/ipvs/types.js';

export const zero = (): Counters => ({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });

export function dest(addr: string, port: number, o: Partial<DestOptions> = {}, extra: Partial<DestSnapshot> = {}): DestSnapshot {
  return {
    addr,
    port,
    options: { forwarding: 'masq', weight: 1, uThreshold: 0, lThreshold: 0, ...o },
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    stats: zero(),
    rate: zero(),
    ...extra,
  };
}

export function service(key: ServiceKey, o: Partial<ServiceOptions>, dests: DestSnapshot[], extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    key,
    options: { scheduler: 'wlc', schedFlags: [], ops: false, ...o },
    dests,
    stats: zero(),
    rate: zero(),
    ...extra,
  };
}

export function snapshot(services: ServiceSnapshot[], more: Partial<IpvsSnapshot> = {}): IpvsSnapshot {
  return {
    tableSize: 4096,
    services,
    connections: [],
    timeouts: { tcp: 900, tcpfin: 120, udp: 300 },
    daemons: [],
    totals: { stats: zero(), rate: zero() },
    ...more,
  };
}

export function conn(c: Partial<ConnSnapshot> & Pick<ConnSnapshot, 'client' | 'virtual' | 'dest'>): ConnSnapshot {
  return { protocol: 'tcp', template: false, state: 'ESTABLISHED', expiresIn: 900, ...c };
}

/** The article's lab: TCP 80 and UDP 9999 on 192.168.1.112, two NAT real servers. */
export const article = (): IpvsSnapshot =>
  snapshot([
    service({ kind: 'udp', addr: '192.168.1.112', port: 9999 }, { scheduler: 'rr' }, [
      dest('10.0.0.2', 9999, {}, { inactConns: 3 }),
      dest('10.0.0.1', 9999, {}, { inactConns: 2 }),
    ]),
    service({ kind: 'tcp', addr: '192.168.1.112', port: 80 }, { scheduler: 'wlc' }, [
      dest('10.0.0.2', 80, { weight: 2 }, { activeConns: 12, inactConns: 101 }),
      dest('10.0.0.1', 80, {}, { activeConns: 7, inactConns: 48 }),
    ]),
  ]);

const counters = (conns: number, inPkts: number, outPkts: number, inBytes: number, outBytes: number): Counters => ({
  conns,
  inPkts,
  outPkts,
  inBytes,
  outBytes,
});

/** Busy services: counters across every print_largenum range, thresholds, persistence, tunnels. */
export const busy = (): IpvsSnapshot =>
  snapshot([
    service(
      { kind: 'tcp', addr: '10.0.0.100', port: 80 },
      { scheduler: 'wrr', persistence: { timeout: 600, netmask: '255.255.255.0' } },
      [
        dest('10.0.1.12', 80, { weight: 3, uThreshold: 500, lThreshold: 100 }, {
          activeConns: 1234,
          inactConns: 56,
          persistConns: 78,
          stats: counters(99999999, 100000000, 999999999, 1000000000, 99999999999),
          rate: counters(123, 4567, 4321, 100000000, 123456789012),
        }),
        dest('10.0.1.11', 8080, { forwarding: 'route', weight: 0 }, {
          activeConns: 0,
          inactConns: 2,
          persistConns: 1,
          stats: counters(100000000000, 99999999999999, 100000000000000, 18446744073709, 7),
          rate: counters(0, 0, 0, 0, 0),
        }),
      ],
      { stats: counters(123456789, 987654321, 5, 123456789012345, 1e15), rate: counters(1, 2, 3, 4, 5) },
    ),
    service({ kind: 'fwmark', fwmark: 3000000000 }, { scheduler: 'sh', schedFlags: ['sh-port'] }, [
      dest('10.0.2.1', 0, { forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, csum: 'remcsum' } }),
      dest('10.0.2.2', 0, { forwarding: 'tunnel' }),
    ]),
    service({ kind: 'udp', addr: '10.0.0.100', port: 53 }, { scheduler: 'rr', ops: true, pe: 'sip', persistence: { timeout: 60, netmask: '255.255.255.255' } }, [
      dest('10.0.1.11', 53, { uThreshold: 10, lThreshold: 5 }, { inactConns: 4294967295 }),
    ]),
  ]);
