// Snapshot tests of every ipvsadm output format, from IPVS snapshots built by hand
// (test/ipvsadm/snapshots.ts); the expected texts in test/snapshots/ipvsadm/ are our own output kept for regression.
// The layouts match the recording from the real ipvsadm (kernel.test.ts); these add what an idle
// kernel cannot show: counters in every print_largenum range (K/M/G/T, --exact), rates, thresholds,
// persistent connections, tunnel info, the connection list, and 1.31's signed fwmark printing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Resolver, filesResolver, formatIpvsadm, largeNum, parseIpvsadm } from './index.js';
import { busy, conn, snapshot } from '../../../test/ipvsadm/snapshots.js';

const snapshotFile = (name: string): string => readFileSync(new URL(`../../../test/snapshots/ipvsadm/${name}`, import.meta.url), 'utf8');
const NO_NAMES = filesResolver({ hosts: '', services: '' });
const run = (line: string, snap = busy(), resolver: Resolver = NO_NAMES): string => formatIpvsadm(parseIpvsadm(line.split(' '), { resolver }), snap, { resolver });

describe('print_largenum', () => {
  it.each([
    [0, '        0'],
    [99999999, ' 99999999'],
    [100000000, '  100000K'],
    [999999999, '  999999K'],
    [1000000000, '    1000M'],
    [99999999999, '   99999M'],
    [100000000000, '     100G'],
    [99999999999999, '   99999G'],
    [100000000000000, '     100T'],
    [123456789012345678, '  123456T'],
  ])('%d -> %j', (n, text) => {
    expect(largeNum(n, false)).toBe(text);
  });
  it.each([
    [0, '        0'],
    [12345678, ' 12345678'],
    [123456789, ' 123456789'],
    [1000000000000, ' 1000000000000'],
  ])('--exact %d -> %j', (n, text) => {
    expect(largeNum(n, true)).toBe(text);
  });
});

describe('listing formats, byte for byte', () => {
  it.each([
    ['-Ln', 'busy-list.txt'],
    ['-Ln --nosort', 'busy-nosort.txt'],
    ['-Ln --stats', 'busy-stats.txt'],
    ['-Ln --stats --exact', 'busy-stats-exact.txt'],
    ['-Ln --rate', 'busy-rate.txt'],
    ['-Ln --rate --exact', 'busy-rate-exact.txt'],
    ['-Ln --thresholds', 'busy-thresholds.txt'],
    ['-Ln --persistent-conn', 'busy-persistent-conn.txt'],
    ['-Ln --tun-info', 'busy-tun-info.txt'],
    ['-Sn', 'busy-save.txt'],
  ])('ipvsadm %s', (line, file) => {
    expect(run(line)).toBe(snapshotFile(file));
  });

  it('--stats takes precedence over --rate, --thresholds over --tun-info (print_title order)', () => {
    expect(run('-Ln --stats --rate')).toBe(snapshotFile('busy-stats.txt'));
    expect(run('-Ln --tun-info --thresholds')).toBe(snapshotFile('busy-thresholds.txt'));
  });

  it('a service listing has no version header', () => {
    const text = run('-Ln -t 10.0.0.100:80 --stats');
    expect(text.split('\n').slice(0, 2)).toEqual([
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
    ]);
    expect(text.split('\n')[2]).toBe('TCP  10.0.0.100:80                 123456K  987654K        5     123T    1000T');
  });

  it('the fwmark is printed with %d as in the 1.31 release, and found by -f', () => {
    expect(run('-Ln -f 3000000000').split('\n')[2]).toBe('FWM  -1294967296 sh (sh-port)');
  });

  it('-L of a missing service fails like ipvsadm (status 1)', () => {
    expect(() => run('-Ln -t 10.9.9.9:80')).toThrowError(expect.objectContaining({ stderr: 'No such service\n', status: 1 }));
  });

  it('the table size comes from the snapshot', () => {
    expect(run('-L', snapshot([], { tableSize: 1048576 }))).toBe(
      'IP Virtual Server version 1.2.1 (size=1048576)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
    );
  });
});

describe('connection list', () => {
  const conns = snapshot([], {
    connections: [
      conn({ client: { addr: '192.168.100.200', port: 65535 }, virtual: { addr: '192.168.1.112', port: 80 }, dest: { addr: '10.0.0.1', port: 80 }, state: 'FIN_WAIT', expiresIn: 119 }),
      conn({ client: { addr: '10.0.0.2', port: 1 }, virtual: { addr: '10.0.0.100', port: 80 }, dest: { addr: '10.0.1.11', port: 80 }, state: 'SYN_RECV', expiresIn: 6000 }),
    ],
  });
  it('-Lnc: %-18s columns overflow rather than truncate, minutes go past 59', () => {
    expect(run('-Lnc', conns)).toBe(
      'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination\n' +
        'TCP 01:59  FIN_WAIT    192.168.100.200:65535 192.168.1.112:80   10.0.0.1:80\n' +
        'TCP 100:00 SYN_RECV    10.0.0.2:1         10.0.0.100:80      10.0.1.11:80\n',
    );
  });
  it('-Lnc --persistent-conn: pe columns in the header only (no persistence engine data)', () => {
    expect(run('-Lnc --persistent-conn', conns).split('\n').slice(1, 3)).toEqual([
      'pro expire state       source             virtual            destination        pe name          pe_data',
      'TCP 01:59  FIN_WAIT    192.168.100.200:65535 192.168.1.112:80   10.0.0.1:80',
    ]);
  });
  it('-c without -n keeps the layout where the resolver knows no names', () => {
    expect(run('-Lc', conns)).toBe(run('-Lnc', conns));
  });
  it('-c without -n names addresses and TCP/UDP ports; a fwmark template ("IP") keeps its ports', () => {
    const named = filesResolver({ hosts: '192.168.1.112 vip\n10.0.0.1 rs1\n', services: 'http 80/tcp\n' });
    const rows = snapshot([], {
      connections: [
        conn({ client: { addr: '192.168.100.200', port: 80 }, virtual: { addr: '192.168.1.112', port: 80 }, dest: { addr: '10.0.0.1', port: 80 }, expiresIn: 5 }),
        conn({ template: true, fwmark: 7, state: 'NONE', expiresIn: 7, client: { addr: '10.0.0.2', port: 0 }, virtual: { addr: '0.0.0.0', port: 0 }, dest: { addr: '10.0.0.1', port: 80 } }),
      ],
    });
    expect(run('-Lc', rows, named).split('\n').slice(2)).toEqual([
      'TCP 00:05  ESTABLISHED 192.168.100.200:http vip:http           rs1:http',
      'IP  00:07  NONE        10.0.0.2:0         0.0.0.7:0          rs1:80',
      '',
    ]);
  });
});

describe('timeouts, daemons, help, version', () => {
  it('--timeout', () => {
    expect(run('-L --timeout', snapshot([], { timeouts: { tcp: 900, tcpfin: 120, udp: 300 } }))).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
  });
  it('--daemon: master first, optional fields only when set', () => {
    const snap = snapshot([], {
      daemons: [
        { state: 'backup', mcastInterface: 'eth1', syncId: 9 },
        { state: 'master', mcastInterface: 'eth0', syncId: 1, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
      ],
    });
    expect(run('-L --daemon', snap)).toBe(
      'master sync daemon (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\nbackup sync daemon (mcast=eth1, syncid=9)\n',
    );
  });
  it('-h prints the usage (as the recording shows) and -v the version', () => {
    expect(run('-v')).toBe('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n');
    expect(run('-h').split('\n')[1]).toBe('Usage:');
  });
});
