// ipvsadm with IPv6: parse_service's "[addr]:port" grammar, -M as a prefix length, -6 for fwmark
// services, the mixed-family check, and the listings' brackets and column widths (ipvsadm.c
// print_service_entry / print_conn: IPv6 names are never cut, IPv4 ones are).
import { describe, expect, it } from 'vitest';
import { lab } from '../../../test/ipvs/testkit.js';
import { IpvsadmUsageError, filesResolver, parseIpvsadm } from './index.js';
import type { IpvsCommand } from '../ipvs/types.js';

const resolver = filesResolver({ hosts: '', services: 'http 80/tcp www\n' });
const parse = (line: string): IpvsCommand => parseIpvsadm(line.split(' '), { resolver });
const error = (line: string): string => {
  try {
    parse(line);
  } catch (e) {
    if (e instanceof IpvsadmUsageError) return e.stderr;
    throw e;
  }
  throw new Error(`'${line}' parsed without error`);
};

describe('parse_service with IPv6', () => {
  it('[addr]:port, a port name, and the canonical text', () => {
    expect(parse('-A -t [2001:DB8:0::112]:http -s rr')).toMatchObject({ service: { kind: 'tcp', addr: '2001:db8::112', port: 80 } });
    expect(parse('-a -u [2001:db8::112]:53 -r [fd00::101]:5353 -m')).toMatchObject({ service: { kind: 'udp', addr: '2001:db8::112', port: 53 }, dest: { addr: 'fd00::101', port: 5353 } });
  });
  it('a bare IPv6 address has no port: the real server takes the service port', () => {
    expect(parse('-a -t [2001:db8::112]:80 -r fd00::101 -m')).toMatchObject({ dest: { addr: 'fd00::101', port: 80 } });
    expect(error('-A -t 2001:db8::112')).toBe('Zero port specified for non-persistent service\n');
  });
  it('brackets must close and be followed by ":"; inside them an IPv4 address loses its port', () => {
    expect(error('-A -t [2001:db8::112]')).toBe('illegal virtual server address[:port] specified\n');
    expect(error('-A -t [2001:db8::112')).toBe('illegal virtual server address[:port] specified\n');
    expect(error('-A -t [2001:db8::112]:')).toBe('illegal virtual server address[:port] specified\n');
    expect(error('-A -t [2001:db8::112]:65536')).toBe('illegal virtual server address[:port] specified\n');
    expect(error('-a -t [2001:db8::112]:80 -r [fd00::1]')).toBe('illegal real server address[:port] specified\n');
    expect(error('-A -t [10.0.0.1]:80')).toBe('Zero port specified for non-persistent service\n');
    expect(error('-A -t [fe80::1%eth0]:80')).toBe('illegal virtual server address[:port] specified\n');
  });
  it('-M after an IPv6 service is a prefix length (atoi, 1..128); an IPv6 address resets it to 128', () => {
    expect(parse('-A -t [2001:db8::112]:80 -p 60 -M 64')).toMatchObject({ options: { persistence: { timeout: 60, netmask: '64' } } });
    expect(parse('-A -t [2001:db8::112]:80 -p 60 -M 48bits')).toMatchObject({ options: { persistence: { netmask: '48' } } });
    for (const m of ['0', '129', 'ffff::', '-1']) expect(error(`-A -t [2001:db8::112]:80 -p -M ${m}`)).toBe('illegal ipv6 netmask specified\n');
    expect(parse('-A -M 255.255.0.0 -t [2001:db8::112]:80 -p')).toMatchObject({ options: { persistence: { netmask: '128' } } });
  });
  it('-6 makes a fwmark service IPv6 (and resets its netmask); before -f it is an error', () => {
    expect(parse('-A -f 5 -6 -s rr')).toMatchObject({ service: { kind: 'fwmark', fwmark: 5, af: 10 } });
    expect(parse('-A -f 5 -M 64 -6 -p')).toMatchObject({ options: { persistence: { netmask: '128' } } });
    expect(parse('-A -f 5 -6 -M 64 -p')).toMatchObject({ options: { persistence: { netmask: '64' } } });
    expect(parse('-A -f 5 -s rr')).toEqual(expect.objectContaining({ service: { kind: 'fwmark', fwmark: 5 } }));
  });
  it('a real server of the other family only with -i', () => {
    expect(error('-a -t [2001:db8::112]:80 -r 10.0.0.1:80 -m')).toBe('Different address family is allowed only for tunneling servers\n');
    expect(error('-a -t 10.0.0.1:80 -r [fd00::1]:80')).toBe('Different address family is allowed only for tunneling servers\n');
    expect(error('-a -f 5 -r [fd00::1]:80 -m')).toBe('Different address family is allowed only for tunneling servers\n');
    expect(parse('-a -t 10.0.0.1:80 -r [fd00::1]:80 -i')).toMatchObject({ dest: { addr: 'fd00::1', port: 80 }, options: { forwarding: 'tunnel' } });
  });
});

function listing() {
  const l = lab();
  l.run(
    '-A -t [2001:db8::112]:80 -s rr -p 300 -M 64',
    '-a -t [2001:db8::112]:80 -r [fd00::101]:80 -m -w 2',
    '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r 10.0.0.1 -i',
    '-A -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -s wlc',
    '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r [fd00:ffff:ffff:ffff:ffff:ffff:ffff:101]:8080 -m',
    '-A -f 9 -6 -s sh',
    '-A -u 10.0.0.80:53 -s rr',
  );
  return l;
}

describe('listings', () => {
  it('-Ln: brackets, IPv6 names never cut, the prefix as "mask N", "FWM  N IPv6"', () => {
    const l = lab();
    l.run(
      '-A -t [2001:db8::112]:80 -s rr -p 300 -M 64',
      '-a -t [2001:db8::112]:80 -r [fd00::101]:80 -m -w 2',
      '-A -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -s wlc',
      '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r [fd00:ffff:ffff:ffff:ffff:ffff:ffff:101]:8080 -m',
      '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r 10.0.0.1 -i',
      '-A -f 9 -6 -s sh',
      '-A -f 9 -s rr',
      '-A -u 10.0.0.80:53 -s rr',
    );
    expect(l.run('-Ln')).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        // libipvs's comparators: af first (IPv4 before IPv6), then words subtracted as int, so
        // 2001:db8:ffff:... sorts before 2001:db8::112 ((int)(0 - 0xffffffff) is 1),
        // and fd00:... before 10.0.0.1 (0x0a000001 - 0xfd00ffff is positive as an int)
        'UDP  10.0.0.80:53 rr',
        'TCP  [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 wlc',
        '  -> [fd00:ffff:ffff:ffff:ffff:ffff:ffff:101]:8080 Masq    1      0          0         ',
        '  -> 10.0.0.1:80                  Tunnel  1      0          0         ',
        'TCP  [2001:db8::112]:80 rr persistent 300 mask 64',
        '  -> [fd00::101]:80               Masq    2      0          0         ',
        'FWM  9 rr',
        'FWM  9 IPv6 sh',
        '',
      ].join('\n'),
    );
    expect(l.run('-S -n')).toBe(
      [
        '-A -u 10.0.0.80:53 -s rr',
        '-A -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -s wlc',
        '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r [fd00:ffff:ffff:ffff:ffff:ffff:ffff:101]:8080 -m -w 1',
        '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80 -r 10.0.0.1:80 -i -w 1 --tun-type ipip',
        '-A -t [2001:db8::112]:80 -s rr -p 300 -M 64',
        '-a -t [2001:db8::112]:80 -r [fd00::101]:80 -m -w 2',
        '-A -f 9 -s rr',
        '-A -f 9 -6 -s sh',
        '',
      ].join('\n'),
    );
    // the restored rules are the same rules
    const m = lab();
    expect(m.ipvsadm(['-R'], l.run('-S -n')).status).toBe(0);
    expect(m.run('-Ln')).toBe(l.run('-Ln'));
    expect(l.run('-Ln --stats')).toContain('TCP  [2001:db8:ffff:ffff:ffff:ffff:ffff:102]:80        0        0        0        0        0\n');
    expect(l.run('-Ln --rate')).toContain('  -> [fd00:ffff:ffff:ffff:ffff:ffff:ffff:101]:8080        0        0        0        0        0\n');
    expect(l.run('-Ln -t [2001:db8:0::112]:80')).toContain('TCP  [2001:db8::112]:80 rr persistent 300 mask 64\n');
  });

  it('-Lnc: "[addr]:port" in the 18-wide columns, overflowing them', () => {
    const l = lab();
    l.run('-A -t [2001:db8::112]:80 -s rr -p 300 -M 64', '-a -t [2001:db8::112]:80 -r [fd00::101]:80 -m');
    l.conn('tcp', '[2001:db8::9]:40000', '[2001:db8::112]:80');
    expect(l.run('-Lnc')).toBe(
      [
        'IPVS connection entries',
        'pro expire state       source             virtual            destination',
        'TCP 05:00  NONE        [2001:db8::]:0     [2001:db8::112]:80 [fd00::101]:80',
        'TCP 01:00  SYN_RECV    [2001:db8::9]:40000 [2001:db8::112]:80 [fd00::101]:80',
        '',
      ].join('\n'),
    );
  });
});
