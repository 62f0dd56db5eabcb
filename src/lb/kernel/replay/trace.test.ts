import { describe, expect, it } from 'vitest';
import { parseReplayTrace, traceAddresses } from './trace.js';
import { allTraces } from '../../../../test/kernel/recorder/cases.js';

describe('parseReplayTrace', () => {
  it('reads ipvsadm lines, conns, packets and advance, skipping comments', () => {
    const items = parseReplayTrace(
      ['# setup', '-A -t 192.168.1.112:80 -s rr  # inline', 'conn tcp 192.168.1.20:40000 192.168.1.112:80', 'packet tcp 192.168.1.20:40000 192.168.1.112:80 in FA', 'advance 1.5', ''].join('\n'),
    );
    expect(items.map((i) => i.kind)).toEqual(['ipvsadm', 'conn', 'packet', 'advance']);
    expect(items[0]).toMatchObject({ args: ['-A', '-t', '192.168.1.112:80', '-s', 'rr'], line: 2 });
    expect(items[1]).toMatchObject({ proto: 'tcp', client: { addr: '192.168.1.20', port: 40000 }, vip: { addr: '192.168.1.112', port: 80 } });
    expect(items[2]).toMatchObject({ dir: 'in', flags: 'FA' });
    expect(items[3]).toMatchObject({ seconds: 1.5 });
  });

  it('names the line and the problem for bad input', () => {
    expect(() => parseReplayTrace('conn sctp 1.2.3.4:1 5.6.7.8:80', 't')).toThrow("t:1: protocol must be tcp or udp, got 'sctp'");
    expect(() => parseReplayTrace('\nconn tcp 1.2.3.400:1 5.6.7.8:80', 't')).toThrow("t:2: client: '1.2.3.400' is not an IPv4 address");
    expect(() => parseReplayTrace('packet tcp 1.2.3.4:1 5.6.7.8:80 sideways A', 't')).toThrow("t:1: direction must be 'in' or 'out', got 'sideways'");
    expect(() => parseReplayTrace('bogus', 't')).toThrow("t:1: unknown item 'bogus'");
    expect(() => parseReplayTrace('advance -1', 't')).toThrow('t:1: advance: expected a number of seconds >= 0');
    expect(() => parseReplayTrace('conn tcp 1.2.3.4:1 5.6.7.8:80 mark=3', 't')).toThrow('t:1: mark= (fwmark) is not supported');
    expect(() => parseReplayTrace('conn tcp 1.2.3.4:0 5.6.7.8:80', 't')).toThrow('t:1: port 0 of 1.2.3.4:0 cannot be replayed');
  });

  it('accepts the len= extra (real packets carry their own length)', () => {
    expect(parseReplayTrace('conn udp 1.2.3.4:1 5.6.7.8:53 len=120')[0]).toMatchObject({ kind: 'conn', proto: 'udp' });
  });
});

describe('traceAddresses', () => {
  it('collects clients, VIPs, real servers and ports the lab must carry', () => {
    const a = traceAddresses(
      parseReplayTrace(['-A -u 192.168.1.113:53 -s rr', '-a -u 192.168.1.113:53 -r 10.0.0.12:5353 -m', '-a -t 192.168.1.112:80 -r 10.0.0.11', 'conn udp 192.168.1.21:40001 192.168.1.113:53', '-A -t 300.1.1.1:80'].join('\n')),
    );
    expect(a).toEqual({ clients: ['192.168.1.21'], vips: ['192.168.1.112', '192.168.1.113'], reals: ['10.0.0.11', '10.0.0.12'], ports: [53, 80, 5353] });
  });

  it('IPv6: [ADDR]:PORT and bare addresses, canonical, after the IPv4 ones; bad IPv6 left to ipvsadm', () => {
    const a = traceAddresses(
      parseReplayTrace(
        [
          '-A -t [2001:DB8::112]:80 -s rr',
          '-a -t [2001:db8::112]:80 -r [fd00::12]:8080 -m',
          '-a -t [2001:db8::112]:80 -r fd00:0::11 -m',
          '-a -t [2001:db8::112]:80 -r 10.0.0.11 -i',
          '-A -t [2001:db8::1::2]:80',
          '-a -t [2001:db8::112]:80 -r [fe80::1]:80 -m',
          '-a -t [2001:db8::112]:80 -r [ff02::1]:80 -m',
          'conn tcp [2001:db8:1::20]:40000 [2001:db8::112]:80',
        ].join('\n'),
      ),
    );
    expect(a).toEqual({ clients: ['2001:db8:1::20'], vips: ['2001:db8::112'], reals: ['10.0.0.11', 'fd00::11', 'fd00::12'], ports: [80, 8080] });
    expect(() => parseReplayTrace('conn tcp [2001:db8::1]:1 10.0.0.1:80', 't')).toThrow('t:1: client [2001:db8::1]:1 and virtual 10.0.0.1:80 are of different address families');
    expect(() => parseReplayTrace('conn tcp [2001:db8::1:1 [::1]:80', 't')).toThrow("t:1: client: expected ADDRESS:PORT, got '[2001:db8::1:1'");
  });

  it('every golden case parses and names at least one real server', () => {
    for (const t of allTraces()) {
      const a = traceAddresses(parseReplayTrace(t.text, t.name));
      expect(a.reals.length, t.name).toBeGreaterThan(0);
    }
  });
});
