import { describe, expect, it } from 'vitest';
import { parseTcpFlags } from '../../ipvs/proto_tcp.js';
import { TraceTcpStates, connStateIn, settleConn } from './settle.js';

const LNC = `IPVS connection entries
pro expire state       source             virtual            destination
TCP 01:59  TIME_WAIT   192.168.1.21:40001 192.168.1.112:80   10.0.0.12:80
TCP 00:09  CLOSE       192.168.1.20:40000 192.168.1.112:80   10.0.0.11:80
UDP 04:59  UDP         192.168.1.20:40000 192.168.1.112:80   10.0.0.11:80
`;

describe('the replay waits for closes', () => {
  it('follows a connection through the trace lines with the kernel table (NAT)', () => {
    const s = new TraceTcpStates();
    const k = 'tcp 192.168.1.20:40000 192.168.1.112:80';
    s.opened(k);
    expect(s.expected(k)).toBe('SYN_RECV');
    for (const [dir, f] of [['out', 'SA'], ['in', 'A'], ['in', 'FA'], ['out', 'A'], ['out', 'FA'], ['in', 'A']] as const) s.segment(k, dir, parseTcpFlags(f));
    expect(s.expected(k)).toBe('TIME_WAIT');
    const r = 'tcp 192.168.1.21:40001 192.168.1.112:80';
    s.opened(r);
    s.segment(r, 'out', parseTcpFlags('SA'));
    s.segment(r, 'in', parseTcpFlags('A'));
    s.segment(r, 'in', parseTcpFlags('RA'));
    expect(s.expected(r)).toBe('CLOSE');
    s.refused(r);
    expect(s.expected(r)).toBeUndefined();
  });

  it('reads a TCP row of -Lnc by client and virtual address', () => {
    expect(connStateIn(LNC, '192.168.1.20:40000', '192.168.1.112:80')).toBe('CLOSE');
    expect(connStateIn(LNC, '192.168.1.21:40001', '192.168.1.112:80')).toBe('TIME_WAIT');
    expect(connStateIn(LNC, '192.168.1.22:40002', '192.168.1.112:80')).toBeUndefined();
  });

  it('polls until the state shows, and names the connection when it never does', async () => {
    const seen = ['ESTABLISHED', 'CLOSE_WAIT', 'TIME_WAIT'];
    let n = 0;
    const row = (st: string) => `TCP 01:00  ${st.padEnd(11)} 1.1.1.1:1 2.2.2.2:80   3.3.3.3:80\n`;
    await settleConn('1.1.1.1:1', '2.2.2.2:80', 'TIME_WAIT', { listConns: async () => row(seen[Math.min(n++, 2)]), timeoutMs: 5000, intervalMs: 1 });
    expect(n).toBe(3);
    await expect(settleConn('1.1.1.1:1', '2.2.2.2:80', 'CLOSE', { listConns: async () => row('ESTABLISHED'), timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      'replay: connection 1.1.1.1:1 -> 2.2.2.2:80 did not reach CLOSE on the director within 0.02 s (it shows ESTABLISHED)',
    );
  });
});
