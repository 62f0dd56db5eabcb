import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TraceError } from '../ipvs/trace.js';
import { kernelProfile } from '../ipvs/kernel.js';
import { runTrace } from './run.js';

const ARTICLE = `
# the article's NAT service, rr
-A -t 192.168.1.112:80 -s rr
-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1
-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1
conn tcp 10.0.0.2:40001 192.168.1.112:80
conn tcp 10.0.0.2:40002 192.168.1.112:80
packet tcp 10.0.0.2:40001 192.168.1.112:80 out SA
packet tcp 10.0.0.2:40001 192.168.1.112:80 in A   # established
-Ln
-Lnc
advance 61
-Lnc
`;

describe('runTrace', () => {
  it('prints decisions and ipvsadm listings, advancing time', () => {
    const r = runTrace(ARTICLE);
    expect(r.status).toBe(0);
    const lines = r.output.split('\n');
    expect(lines.slice(0, 2)).toEqual(['10.0.0.2:40001 -> 10.0.0.102:80', '10.0.0.2:40002 -> 10.0.0.101:80']);
    expect(r.output).toContain('  -> 10.0.0.101:80                Masq    1      1          0         \n');
    expect(r.output).toContain('TCP 15:00  ESTABLISHED 10.0.0.2:40001     192.168.1.112:80   10.0.0.102:80\n');
    expect(r.output).toContain('TCP 01:00  SYN_RECV    10.0.0.2:40002     192.168.1.112:80   10.0.0.101:80\n');
    // after 61 s the SYN_RECV conn is gone, the established one has 14:59 left
    const last = r.output.slice(r.output.lastIndexOf('IPVS connection entries'));
    expect(last).toContain('TCP 13:59  ESTABLISHED');
    expect(last).not.toContain('SYN_RECV');
  });

  it('is deterministic, twos included (seeded; a kernel that has the module)', () => {
    const kernel = kernelProfile('6.7');
    const t = `-A -u 10.0.0.100:53 -s twos\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m\n-a -u 10.0.0.100:53 -r 10.0.1.2 -m -w 3\n${[...Array(20).keys()]
      .map((i) => `conn udp 10.0.0.2:${1000 + i} 10.0.0.100:53`)
      .join('\n')}\n`;
    expect(runTrace(t, { kernel }).output).toBe(runTrace(t, { kernel }).output);
    expect(runTrace(t, { seed: 2, kernel }).output).not.toBe(runTrace(t, { seed: 1, kernel }).output);
    // the pinned kernel (Debian's 6.1 build) has no ip_vs_twos: ipvsadm's own refusal
    expect(runTrace(t).output.split('\n')[0]).toBe('Scheduler or persistence engine not found');
  });

  it('reports none when nothing is available, and ipvsadm errors with their status', () => {
    const r = runTrace('-A -t 10.0.0.100:80\nconn tcp 10.0.0.2:1 10.0.0.100:80\n-D -t 10.0.0.1:80\n');
    expect(r.output).toBe('10.0.0.2:1 -> none\nNo such service\n');
    expect(r.status).toBe(255);
  });

  it('DR conns print the real server with the service port', () => {
    const r = runTrace('-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.1.1 -g\nconn tcp 10.0.0.2:1 10.0.0.100:80\n');
    expect(r.output).toBe('10.0.0.2:1 -> 10.0.1.1:80\n');
  });

  it('IPv6 endpoints: [ADDR]:PORT in and out, NAT replies, DR and a mixed-family tunnel', () => {
    const r = runTrace(
      [
        '-A -t [2001:db8::112]:80 -s rr',
        '-a -t [2001:db8::112]:80 -r [fd00::101]:8080 -m',
        '-a -t [2001:db8::112]:80 -r 10.0.1.1 -i',
        'conn tcp [2001:db8:0::2]:1 [2001:db8::112]:80',
        'conn tcp [2001:db8::2]:2 [2001:db8::112]:80',
        'packet tcp [2001:db8::2]:2 [2001:db8::112]:80 out SA',
        'packet tcp [2001:db8::2]:2 [2001:db8::112]:80 in A',
        '-A -u [2001:db8::113]:53 -s rr',
        '-a -u [2001:db8::113]:53 -r fd00::102 -g',
        'conn udp [2001:db8::2]:3 [2001:db8::113]:53',
        '-Lnc',
      ].join('\n'),
    );
    expect(r.output.split('\n').slice(0, 3)).toEqual(['[2001:db8::2]:1 -> 10.0.1.1:80', '[2001:db8::2]:2 -> [fd00::101]:8080', '[2001:db8::2]:3 -> [fd00::102]:53']);
    // the NAT reply moved the conn on: ESTABLISHED
    expect(r.output).toContain('TCP 15:00  ESTABLISHED [2001:db8::2]:2    [2001:db8::112]:80 [fd00::101]:8080\n');
  });

  it('names the line and the problem for bad input', () => {
    expect(() => runTrace('\nconn tcp 10.0.0.2 10.0.0.100:80')).toThrow(new TraceError(2, "client: expected ADDRESS:PORT, got '10.0.0.2'"));
    expect(() => runTrace('conn sctp 1.1.1.1:1 2.2.2.2:2')).toThrow(/line 1: protocol must be tcp or udp/);
    expect(() => runTrace('packet tcp 1.1.1.1:1 2.2.2.2:2 sideways A')).toThrow(/direction must be 'in' or 'out'/);
    expect(() => runTrace('packet tcp 1.1.1.1:1 2.2.2.2:2 in XYZ')).toThrow(/not a set of TCP flags/);
    expect(() => runTrace('advance -1')).toThrow(/advance: expected a number of seconds/);
    expect(() => runTrace('frobnicate')).toThrow(/unknown item 'frobnicate'/);
  });
});

describe('time bounds', () => {
  // A runner that loops on a huge step never yields, so it is run in a child process that can be
  // killed: the test fails on the time limit instead of hanging the test run.
  it('a huge advance runs in bounded time, and one past the clock range is an error naming the line', () => {
    const traces = {
      tooBig: 'advance 1e17\n',
      pastRange: '-A -u 10.0.0.1:53 -s rr\nadvance 999999999999\nadvance 1\nadvance 0.001\n',
      // across 999,999,999,999 s: lblc's checks (with an entry for a day), a conn, the estimator,
      // and the trash holding the deleted dest until the conn and the entry let go of it
      longest: [
        '-A -t 10.0.0.1:80 -s lblc',
        '-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m',
        '-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m',
        'conn tcp 10.0.0.9:1 10.0.0.1:80',
        '-d -t 10.0.0.1:80 -r 10.0.0.3:80',
        'advance 999999999999',
        '-Lnc',
        '-Ln --rate',
        'conn tcp 10.0.0.9:2 10.0.0.1:80',
      ].join('\n'),
    };
    const script = `
      const { runTrace } = await import(${JSON.stringify(new URL('./run.ts', import.meta.url).href)});
      const out = {};
      for (const [name, text] of Object.entries(${JSON.stringify(traces)})) {
        try { out[name] = runTrace(text).output; } catch (e) { out[name] = 'error: ' + e.message; }
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error?.message, 'the runner did not finish within 20 s').toBeUndefined();
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<keyof typeof traces, string>;
    expect(out.tooBig).toBe("error: line 1: advance: 1e17 seconds is more than the clock's range of 1000000000000 seconds");
    expect(out.pastRange).toBe("error: line 4: advance: 0.001 more seconds would take the trace's clock past 1000000000000 seconds");
    expect(out.longest).toBe(
      '10.0.0.9:1 -> 10.0.0.3:80\n' +
        'IPVS connection entries\npro expire state       source             virtual            destination\n' +
        'IP Virtual Server version 1.2.1 (size=4096)\n' +
        'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n' +
        '  -> RemoteAddress:Port\n' +
        'TCP  10.0.0.1:80                         0        0        0        0        0\n' +
        '  -> 10.0.0.2:80                         0        0        0        0        0\n' +
        '10.0.0.9:2 -> 10.0.0.2:80\n',
    );
  }, 30_000);
});
