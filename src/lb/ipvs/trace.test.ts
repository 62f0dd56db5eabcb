import { describe, expect, it } from 'vitest';
import { runTrace, TraceError } from './trace.js';

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

  it('is deterministic, twos included (seeded)', () => {
    const t = `-A -u 10.0.0.100:53 -s twos\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m\n-a -u 10.0.0.100:53 -r 10.0.1.2 -m -w 3\n${[...Array(20).keys()]
      .map((i) => `conn udp 10.0.0.2:${1000 + i} 10.0.0.100:53`)
      .join('\n')}\n`;
    expect(runTrace(t).output).toBe(runTrace(t).output);
    expect(runTrace(t, { seed: 2 }).output).not.toBe(runTrace(t, { seed: 1 }).output);
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

  it('names the line and the problem for bad input', () => {
    expect(() => runTrace('\nconn tcp 10.0.0.2 10.0.0.100:80')).toThrow(new TraceError(2, "client: expected ADDRESS:PORT, got '10.0.0.2'"));
    expect(() => runTrace('conn sctp 1.1.1.1:1 2.2.2.2:2')).toThrow(/line 1: protocol must be tcp or udp/);
    expect(() => runTrace('packet tcp 1.1.1.1:1 2.2.2.2:2 sideways A')).toThrow(/direction must be 'in' or 'out'/);
    expect(() => runTrace('packet tcp 1.1.1.1:1 2.2.2.2:2 in XYZ')).toThrow(/not a set of TCP flags/);
    expect(() => runTrace('advance -1')).toThrow(/advance: expected a number of seconds/);
    expect(() => runTrace('frobnicate')).toThrow(/unknown item 'frobnicate'/);
  });
});
