import { describe, expect, it } from 'vitest';
import { parseIpvsConnections, parseIpvsList } from './ipvsadm-text.js';

const LIST = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  'TCP  192.168.1.112:80 rr',
  '  -> 10.0.0.101:80                Masq    1      0          2         ',
  '  -> 10.0.0.102:80                Masq    1      1          2         ',
  'UDP  192.168.1.112:9999 wlc persistent 360 mask 255.255.255.0 ops',
  '  -> 10.0.0.101:9999              Masq    3      0          1         ',
  'FWM  7 sh (sh-fallback,sh-port)',
  '',
].join('\n');

const CONNS = [
  'IPVS connection entries',
  'pro expire state       source             virtual            destination',
  'TCP 01:57  FIN_WAIT    192.168.1.100:45678 192.168.1.112:80   10.0.0.102:80',
  'UDP 04:59  UDP         192.168.1.100:51000 192.168.1.112:9999 10.0.0.101:9999',
  'TCP 14:59  ESTABLISHED 192.168.1.100:45680 192.168.1.112:80   10.0.0.101:80',
].join('\n');

describe('ipvsadm -Ln', () => {
  it('parses services, flags and real servers', () => {
    const t = parseIpvsList(LIST);
    expect(t.tableSize).toBe(4096);
    expect(t.services).toHaveLength(3);
    expect(t.services[0]).toMatchObject({ proto: 'TCP', addr: '192.168.1.112', port: 80, scheduler: 'rr', ops: false });
    expect(t.services[0].dests[1]).toEqual({ address: '10.0.0.102:80', addr: '10.0.0.102', port: 80, forward: 'Masq', weight: 1, activeConn: 1, inactConn: 2 });
    expect(t.services[1]).toMatchObject({ proto: 'UDP', scheduler: 'wlc', persistent: 360, mask: '255.255.255.0', ops: true });
    expect(t.services[2]).toMatchObject({ proto: 'FWM', fwmark: 7, schedFlags: ['sh-fallback', 'sh-port'], dests: [] });
  });

  it('parses an empty table', () => {
    expect(parseIpvsList(LIST.split('\n').slice(0, 3).join('\n'))).toEqual({ tableSize: 4096, services: [] });
  });

  it('names the line it cannot read', () => {
    expect(() => parseIpvsList('  -> 10.0.0.1:80 Masq 1 0 0')).toThrow(/line 1: a real server line before any service/);
    expect(() => parseIpvsList('TCP  web:http rr')).toThrow(/line 1: 'web:http' is not ADDRESS:PORT/);
    expect(() => parseIpvsList('TCP  1.2.3.4:80 rr\n  -> 10.0.0.1:80   5 6 7 8 9')).toThrow(/line 2: expected '-> ADDR:PORT Forward/);
    expect(() => parseIpvsList('bogus')).toThrow(/expected a service line/);
  });
});

describe('ipvsadm -Lnc', () => {
  it('parses rows with expiry in seconds', () => {
    const rows = parseIpvsConnections(CONNS);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      proto: 'TCP',
      expire: '01:57',
      expiresIn: 117,
      state: 'FIN_WAIT',
      client: { addr: '192.168.1.100', port: 45678 },
      virtual: { addr: '192.168.1.112', port: 80 },
      destination: { addr: '10.0.0.102', port: 80 },
    });
    expect(rows[1]).toMatchObject({ proto: 'UDP', state: 'UDP', expiresIn: 299 });
  });

  it('names the line it cannot read', () => {
    expect(() => parseIpvsConnections('TCP soon ESTABLISHED a b c')).toThrow(/line 1: expected 'pro mm:ss/);
  });
});
