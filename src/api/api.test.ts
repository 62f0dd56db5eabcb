import { describe, expect, it } from 'vitest';
import { parseIpvsConnections, parseIpvsList } from '../checks/ipvsadm-text.js';
import { attributeUdp, probeRun } from './probe-run.js';
import { judgeIpvsadm, judgeProbes } from './scenario/expectations.js';
import { parseScenario } from './scenario/load.js';
import { backendsOf, resolveScenarioFiles } from './scenario/run.js';
import { parseTarget } from './targets.js';

describe('targets', () => {
  it('reads URLs, host:port and bare hosts', () => {
    expect(parseTarget('http://192.168.1.112/')).toEqual({ host: '192.168.1.112', path: '/' });
    expect(parseTarget('http://192.168.1.112:8080/x?y')).toEqual({ host: '192.168.1.112', port: 8080, path: '/x?y' });
    expect(parseTarget('192.168.1.112:9999')).toEqual({ host: '192.168.1.112', port: 9999 });
    expect(parseTarget('192.168.1.112')).toEqual({ host: '192.168.1.112' });
  });
  it('names what is wrong', () => {
    expect(() => parseTarget('https://a/')).toThrow(/https is not probed/);
    expect(() => parseTarget('a:70000', 'udp target')).toThrow(/udp target: port 70000 .* outside 1-65535/);
    expect(() => parseTarget('')).toThrow(/expected an address/);
  });
});

describe('UDP attribution from the real servers\' records', () => {
  const rec = (port: number) => ({ ok: true, at: 0, ms: 0, source: { addr: '192.168.1.100', port } });
  it('gives each fresh-port datagram the server that got it, and fails the lost ones', () => {
    const before = new Map();
    const after = new Map([
      ['192.168.1.100:1001', new Map([['RS2', 1]])],
      ['192.168.1.100:1002', new Map([['RS1', 1]])],
    ]);
    const out = attributeUdp([rec(1001), rec(1002), rec(1003)], before, after);
    expect(out.map((r) => r.server ?? r.error)).toEqual(['RS2', 'RS1', 'no real server received it']);
  });
  it('counts only what arrived since the snapshot, split per server for a shared port', () => {
    const before = new Map([['192.168.1.100:40000', new Map([['RS1', 5]])]]);
    const after = new Map([['192.168.1.100:40000', new Map([['RS1', 7], ['RS2', 2]])]]);
    const out = attributeUdp([rec(40000), rec(40000), rec(40000), rec(40000)], before, after);
    expect(out.map((r) => r.server).sort()).toEqual(['RS1', 'RS1', 'RS2', 'RS2']);
  });
});

describe('scenario expectations', () => {
  const run = (seq: string[], failed = 0) =>
    probeRun([...seq.map((s, i) => ({ ok: true, at: i, ms: 1, server: s })), ...Array.from({ length: failed }, (_, i) => ({ ok: false, at: 100 + i, ms: 1, error: 'timeout' }))], [], ['RS1', 'RS2']);

  it('judges probe steps with a verdict per expectation', () => {
    const v = judgeProbes({ sequence: ['RS2', 'RS1'], roundRobin: ['RS1', 'RS2'], counts: { RS1: 1, RS2: 1 }, maxSpread: 0, allAnswered: true, distinctServers: true, answeredBy: ['RS2', 'RS1'] }, run(['RS2', 'RS1']));
    expect(v.map((c) => [c.name, c.pass])).toEqual([
      ['answers are RS2 RS1', true],
      ['round robin over RS1, RS2', true],
      ['counts RS1=1 RS2=1', true],
      ['max-min spread at most 0', true],
      ['all 2 probes answered', true],
      ['each answer from a different real server', true],
      ['answered by RS1, RS2', true],
    ]);
  });

  it('explains failures', () => {
    const v = judgeProbes({ sequence: ['RS2', 'RS1'], allAnswered: true, noneAnswered: true, clientAddressSeen: '192.168.1.100' }, run(['RS2', 'RS2'], 1), { clientAddresses: ['10.0.0.105'] });
    expect(v.every((c) => !c.pass)).toBe(true);
    expect(v[0].message).toBe('expected answers RS2 RS1\n     got answers RS2 RS2 (1 probes failed)');
    expect(v[1].message).toContain('1 of 3 probes failed: timeout');
    expect(v[3].message).toContain('the real servers saw 10.0.0.105');
  });

  const LN = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  192.168.1.112:80 rr\n  -> 10.0.0.101:80                Masq    1      0          0         \n';
  const parse = (text: string) => ({ table: () => parseIpvsList(text), connections: () => parseIpvsConnections(text) });

  it('judges ipvsadm listings: services, real servers, status', () => {
    const ok = judgeIpvsadm({ status: 0, services: [{ service: 'TCP 192.168.1.112:80', scheduler: 'rr', dests: [{ address: '10.0.0.101:80', forward: 'Masq', weight: 1 }] }] }, { stdout: LN, status: 0 }, parse(LN));
    expect(ok.every((c) => c.pass)).toBe(true);
    const bad = judgeIpvsadm({ services: [{ service: 'TCP 192.168.1.112:80', scheduler: 'wlc', dests: [{ address: '10.0.0.102:80' }, { address: '10.0.0.101:80', weight: 3 }] }, { service: 'UDP 192.168.1.112:9999' }] }, { stdout: LN, status: 0 }, parse(LN));
    expect(bad[0].message).toContain('scheduler is rr, not wlc; no real server 10.0.0.102:80 (has 10.0.0.101:80); 10.0.0.101:80 has weight 1, not 3');
    expect(bad[1].message).toBe('no service UDP 192.168.1.112:9999; listed: TCP 192.168.1.112:80');
  });

  it('judges connection tables, expiry included', () => {
    const LNC = 'IPVS connection entries\npro expire state       source             virtual            destination\nUDP 04:59  UDP         192.168.1.100:5000 192.168.1.112:9999 10.0.0.101:9999\n';
    const v = judgeIpvsadm({ connections: [{ proto: 'UDP', destination: '10.0.0.101:9999', expiresBelow: 300 }, { proto: 'UDP', expiresBelow: 200 }], noConnections: [{ proto: 'TCP' }] }, { stdout: LNC, status: 0 }, parse(LNC));
    expect(v.map((c) => c.pass)).toEqual([true, false, true]);
    expect(v[1].message).toContain('entries expiring in 200 s or later');
  });
});

describe('running scenarios', () => {
  it('finds the shipped article set and picks backends', async () => {
    const files = await resolveScenarioFiles('article');
    expect(files.map((f) => f.split('/').pop())).toEqual(['tcp.yaml', 'udp.yaml', 'vrrp-failover.yaml']);
    await expect(resolveScenarioFiles('nope')).rejects.toThrow(/'nope' is not a scenario file.*article/);
    const s = parseScenario('name: x\nlab: article\nbackend: both\nsteps: [{ wait: 1 }]\n', 'x.yaml').scenario;
    expect(backendsOf(s)).toEqual(['embedded', 'kernel']);
    expect(backendsOf(s, ['kernel'])).toEqual(['kernel']);
  });
});
