// The grammar: what each command line becomes, and the exact error ipvsadm gives for bad ones. The
// recorded cases (kernel.test.ts) cover the messages against the real binary; these pin the parsed
// commands, ipvsadm's defaults and the popt details those cannot show.
import { describe, expect, it } from 'vitest';
import { IpvsadmUsageError, filesResolver, parseIpvsadm } from './index.js';
import type { IpvsCommand } from '../ipvs/types.js';

/** the names these tests may use (none of the machine's own /etc/hosts or /etc/services) */
const resolver = filesResolver({
  hosts: '10.0.0.80 web.lab web # the web VIP\n255.255.255.0 mask24\n10.0.0.81 web\nfe80::1 ip6host\n',
  services: 'http 80/tcp www\ndomain 53/tcp\ndomain 53/udp\n',
});
const parse = (line: string): IpvsCommand => parseIpvsadm(line === '' ? [] : line.split(' '), { resolver });
const error = (line: string): { stderr: string; status: number } => {
  try {
    parse(line);
  } catch (e) {
    if (e instanceof IpvsadmUsageError) return { stderr: e.stderr, status: e.status };
    throw e;
  }
  throw new Error(`'${line}' parsed without error`);
};

describe('defaults', () => {
  it('-A: scheduler wlc, no persistence, the whole service (edit replaces every field)', () => {
    expect(parse('-A -t 10.0.0.100:80')).toEqual({
      op: 'add-service',
      service: { kind: 'tcp', addr: '10.0.0.100', port: 80 },
      options: { scheduler: 'wlc', schedFlags: [], ops: false },
      complete: true,
    });
  });
  it('-p alone is 360 s with a /32 mask, and allows port 0', () => {
    expect(parse('-E -u 10.0.0.100 -p')).toMatchObject({
      op: 'edit-service',
      service: { kind: 'udp', addr: '10.0.0.100', port: 0 },
      options: { persistence: { timeout: 360, netmask: '255.255.255.255' } },
    });
  });
  it('-a: direct routing, weight 1, thresholds 0; DR takes the service port whatever -r says', () => {
    expect(parse('-a -t 10.0.0.100:80 -r 10.0.1.11:8080')).toEqual({
      op: 'add-dest',
      service: { kind: 'tcp', addr: '10.0.0.100', port: 80 },
      dest: { addr: '10.0.1.11', port: 80 },
      options: { forwarding: 'route', weight: 1, uThreshold: 0, lThreshold: 0 },
    });
  });
  it('NAT keeps the -r port; without one the service port as known when -r was read', () => {
    expect(parse('-e -t 10.0.0.100:80 -r 10.0.1.11:8080 -m -w 0 -x 10 -y 5')).toMatchObject({
      op: 'edit-dest',
      dest: { addr: '10.0.1.11', port: 8080 },
      options: { forwarding: 'masq', weight: 0, uThreshold: 10, lThreshold: 5 },
    });
    expect(parse('-a -t 10.0.0.100:80 -r 10.0.1.11 -m')).toMatchObject({ dest: { port: 80 } });
    expect(parse('-a -r 10.0.1.11 -t 10.0.0.100:80 -m')).toMatchObject({ dest: { port: 0 } });
  });
  it('tunnel dests carry their encapsulation (ipip by default)', () => {
    expect(parse('-a -f 7 -r 10.0.1.11 -i')).toMatchObject({
      service: { kind: 'fwmark', fwmark: 7 },
      dest: { addr: '10.0.1.11', port: 0 },
      options: { forwarding: 'tunnel', tunnel: { type: 'ipip', csum: 'nocsum' } },
    });
    expect(parse('-a -f 7 -r 10.0.1.11 -i --tun-type gue --tun-port 6080 --tun-remcsum')).toMatchObject({
      options: { tunnel: { type: 'gue', port: 6080, csum: 'remcsum' } },
    });
  });
  it('--start-daemon: interface eth0 and syncid 0 unless given', () => {
    expect(parse('--start-daemon backup')).toEqual({ op: 'start-daemon', options: { state: 'backup', mcastInterface: 'eth0', syncId: 0 } });
    expect(parse('--start-daemon=master --mcast-interface=a-very-long-interface-name --syncid 5 --mcast-group 239.0.0.1 --mcast-port 9000 --mcast-ttl 2 --sync-maxlen 1400')).toEqual({
      op: 'start-daemon',
      options: { state: 'master', mcastInterface: 'a-very-long-int', syncId: 5, mcastGroup: '239.0.0.1', mcastPort: 9000, mcastTtl: 2, syncMaxLen: 1400 },
    });
  });
  it('no arguments lists the table; -Z, -C, --set, -S, -R, --stop-daemon', () => {
    expect(parse('')).toMatchObject({ op: 'list', options: { numeric: false, sort: true } });
    expect(parse('-Z')).toEqual({ op: 'zero' });
    expect(parse('-Z -f 9')).toEqual({ op: 'zero', service: { kind: 'fwmark', fwmark: 9 } });
    expect(parse('-C')).toEqual({ op: 'clear' });
    expect(parse('--set 0 10 20')).toEqual({ op: 'set-timeout', tcp: 0, tcpfin: 10, udp: 20 });
    expect(parse('-S')).toEqual({ op: 'save', numeric: false });
    expect(parse('--save --numeric')).toEqual({ op: 'save', numeric: true });
    expect(parse('-R')).toEqual({ op: 'restore' });
    expect(parse('--stop-daemon master')).toEqual({ op: 'stop-daemon', state: 'master' });
  });
});

describe('scheduler flags', () => {
  it('are checked against -s as given so far and shown by the names of the scheduler', () => {
    expect(parse('-A -t 1.2.3.4:80 -s sh -b sh-port,sh-fallback')).toMatchObject({ options: { schedFlags: ['sh-fallback', 'sh-port'] } });
    expect(parse('-A -t 1.2.3.4:80 -s sh -b flag-2')).toMatchObject({ options: { schedFlags: ['sh-port'] } });
    expect(parse('-A -t 1.2.3.4:80 -s rr -b flag-3,flag-1')).toMatchObject({ options: { schedFlags: ['flag-1', 'flag-3'] } });
    expect(parse('-A -t 1.2.3.4:80 -b mh-port -s mh')).toMatchObject({ options: { scheduler: 'mh', schedFlags: ['mh-port'] } });
    expect(error('-A -t 1.2.3.4:80 -b mh-port')).toEqual({ stderr: "incompatible scheduler flag `mh-port'\n", status: 2 });
    expect(error('-A -t 1.2.3.4:80 -s sh -b ,')).toEqual({ stderr: "invalid scheduler flag `'\n", status: 2 });
  });
});

describe('the popt layer', () => {
  it('clusters short options and glues arguments on', () => {
    expect(parse('-Lnc')).toMatchObject({ op: 'list', options: { numeric: true, connections: true } });
    expect(parse('-At10.0.0.1:80 -p60')).toMatchObject({ service: { addr: '10.0.0.1', port: 80 }, options: { persistence: { timeout: 60 } } });
    expect(parse('-At=10.0.0.1:80')).toMatchObject({ service: { addr: '10.0.0.1', port: 80 } });
    expect(parse('--add-service --tcp-service=10.0.0.1:80 --scheduler=rr')).toMatchObject({ options: { scheduler: 'rr' } });
  });
  it("-p takes the next word only when it does not start with '-'", () => {
    expect(parse('-A -t 10.0.0.1:80 -p -s rr')).toMatchObject({ options: { scheduler: 'rr', persistence: { timeout: 360 } } });
    expect(parse('-A -t 10.0.0.1:80 -p 90 -s rr')).toMatchObject({ options: { persistence: { timeout: 90 } } });
  });
  it('an option argument may start with a dash (so the next option is eaten)', () => {
    expect(error('-A -t -s rr')).toEqual({ stderr: 'illegal virtual server address[:port] specified\n', status: 2 });
  });
  it('words that are not options are collected wherever they are, and -- ends options', () => {
    expect(parse('--set 1 -- 2 3')).toEqual({ op: 'set-timeout', tcp: 1, tcpfin: 2, udp: 3 });
    expect(error('-L -- -n')).toEqual({ stderr: 'unexpected argument -n\n', status: 2 });
  });
  it('long names must be exact and need two dashes', () => {
    expect(error('-L --num')).toEqual({ stderr: '--num: unknown option\n', status: 255 });
    // one dash: a cluster -n -u, and -u takes "meric" as its service address
    expect(error('-L -numeric').stderr).toMatch(/^illegal virtual server address\[:port\] specified\n/);
  });
  it('the first option must be a command; a later command is an invalid option', () => {
    expect(error('-t 10.0.0.1:80 -A')).toEqual({ stderr: "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n", status: 255 });
    expect(error('-A -t 10.0.0.1:80 -E')).toEqual({ stderr: "invalid option `-E'\n", status: 2 });
    expect(error('-A -t 10.0.0.1:80 --start-daemon master')).toEqual({ stderr: "invalid option `master'\n", status: 2 });
    expect(parse('-h --bogus')).toEqual({ op: 'help' });
  });
  it('a popt error after the command does not exit inside -R (ipvsadm returns -1)', () => {
    try {
      parse('-L --bogus');
    } catch (e) {
      expect((e as IpvsadmUsageError).exits).toBe(false);
    }
    expect.assertions(1);
  });
});

describe('addresses and numbers', () => {
  it('inet_aton forms: short, octal, hex, trailing blank ignored', () => {
    expect(parse('-A -t 10.1:80')).toMatchObject({ service: { addr: '10.0.0.1' } });
    expect(parse('-A -t 010.0x10.0.1:80')).toMatchObject({ service: { addr: '8.16.0.1' } });
    expect(parse('-A -t 167772161:80')).toMatchObject({ service: { addr: '10.0.0.1' } });
    expect(parse('-A -t 10.0.0.1\tjunk:80')).toMatchObject({ service: { addr: '10.0.0.1' } });
    expect(error('-A -t 09.0.0.1:80').stderr).toBe('illegal virtual server address[:port] specified\n');
  });
  it('ports and weights go through strtol: blanks and + allowed, nothing after', () => {
    expect(parse('-A -t 10.0.0.1:+80')).toMatchObject({ service: { port: 80 } });
    expect(parseIpvsadm(['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2', '-w', ' 7'])).toMatchObject({ options: { weight: 7 } });
    expect(error('-a -t 10.0.0.1:80 -r 10.0.0.2 -w 7x')).toEqual({ stderr: 'illegal weight specified\n', status: 2 });
  });
  it("Debian's build takes weights up to INT_MAX", () => {
    expect(parse('-a -t 10.0.0.1:80 -r 10.0.0.2 -w 2147483647')).toMatchObject({ options: { weight: 2147483647 } });
    expect(error('-a -t 10.0.0.1:80 -r 10.0.0.2 -w 2147483648').stderr).toBe('illegal weight specified\n');
  });
  it('names go to the resolver: hosts by name or alias in any case, services for the protocol so far', () => {
    expect(parse('-A -t WEB:www')).toMatchObject({ service: { kind: 'tcp', addr: '10.0.0.80', port: 80 } });
    expect(parse('-A -u web.lab:domain')).toMatchObject({ service: { kind: 'udp', addr: '10.0.0.80', port: 53 } });
    expect(parse('-a -t 10.0.0.1:80 -r web:http -m')).toMatchObject({ dest: { addr: '10.0.0.80', port: 80 } });
    expect(parse('-A -t 10.0.0.1:80 -p -M mask24')).toMatchObject({ options: { persistence: { netmask: '255.255.255.0' } } });
  });
  it('a name the resolver does not know is an illegal address, with ipvsadm\'s message only', () => {
    expect(error('-A -t web.example:80')).toEqual({ stderr: 'illegal virtual server address[:port] specified\n', status: 2 });
    expect(error('-A -u web:http').stderr).toBe('illegal virtual server address[:port] specified\n');
    expect(error('-A -t ip6host:80').stderr).toBe('illegal virtual server address[:port] specified\n');
    // -r before -t: no protocol yet, so service_to_port() finds nothing
    expect(error('-a -r web:http -t 10.0.0.1:80').stderr).toBe('illegal real server address[:port] specified\n');
    expect(error('-A -t 10.0.0.1:80 -p -M localhost').stderr).toBe('illegal virtual server persistent mask specified\n');
  });
  it('IPv6 parses (src/lb/ipvsadm/ipv6.test.ts has its cases); SCTP is refused with a reason', () => {
    expect(parse('-A -t [::1]:80')).toMatchObject({ service: { kind: 'tcp', addr: '::1', port: 80 } });
    expect(error('-A -t ::1').stderr).toBe('Zero port specified for non-persistent service\n');
    expect(error('-A --sctp-service 10.0.0.1:80').stderr).toMatch(/SCTP services are not supported/);
  });
  it('-M takes any inet_aton value; -s is cut to 15 characters like strncpy', () => {
    expect(parse('-A -t 10.0.0.1:80 -p 5 -M 255.255.0.0')).toMatchObject({ options: { persistence: { netmask: '255.255.0.0' } } });
    expect(parse('-A -t 10.0.0.1:80 -s abcdefghijklmnopq')).toMatchObject({ options: { scheduler: 'abcdefghijklmno' } });
  });
});

describe('checks after parsing, in ipvsadm order', () => {
  it.each([
    ['-A -t 10.0.0.1', 'Zero port specified for non-persistent service'],
    ['-A -t 10.0.0.1:80 -o', 'One-Packet Scheduling is only for UDP virtual services'],
    ['-A -t 10.0.0.1:80 -w 2', "Illegal 'weight' option with the 'add-service' command"],
    ['-L -n -n', "multiple 'numeric' options specified"],
    ['-L --stats -c', 'options conflicts in the list command'],
    ['-L --timeout --daemon', "The option 'daemon' conflicts with the 'timeout' option in the 'list' command"],
    ['-a -t 10.0.0.1:80 -r 10.0.0.2 -m --tun-csum', 'Tunnel options conflict with forward method'],
    ['-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gre --tun-remcsum', "Illegal 'tun-remcsum' option with the 'gre' tunnel type"],
    ['--stop-daemon backup --syncid 3 --mcast-port 1', "Illegal 'mcast-port' option with the 'stop-daemon' command"],
    ['--start-daemon master --mcast-group ff02::1', ''],
    ['--start-daemon master --mcast-group 1::1', "invalid IPv6 mcast-group `1::1'"],
    ['-A -6 -f 5', '-6 used before -f\n'],
  ])('%s', (line, message) => {
    if (message === '') {
      expect(parse(line)).toMatchObject({ op: 'start-daemon', options: { mcastGroup: 'ff02::1' } });
      return;
    }
    expect(error(line)).toEqual({ stderr: `${message}\n`, status: 2 });
  });
});
