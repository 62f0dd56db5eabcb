// Snapshots the golden tests format, built by hand so every column width and sort rule is exercised.
import type { ConnSnapshot, Counters, DestOptions, DestSnapshot, IpvsSnapshot, ServiceKey, ServiceOptions, ServiceSnapshot } from '../../types.js';

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
