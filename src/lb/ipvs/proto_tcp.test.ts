// The TCP state machine and its counters/timeouts, driven through the core as the kernel drives it.
import { describe, expect, it } from 'vitest';
import { TCP_S, TCP_STATE_TABLE, tcpNextState, TCP_DIR_INPUT, TCP_DIR_OUTPUT, TCP_DIR_INPUT_ONLY, parseTcpFlags } from './proto_tcp.js';
import { lab } from '../../../test/ipvs/testkit.js';

const VIP = '192.168.1.112:80';
const C = '10.9.0.1:40000';

function state(l: ReturnType<typeof lab>, client = C): { state: string; expiresIn: number } {
  const c = l.ipvs.snapshot().connections.find((x) => !x.template && `${x.client.addr}:${x.client.port}` === client);
  if (!c) return { state: 'gone', expiresIn: -1 };
  return { state: c.state, expiresIn: c.expiresIn };
}

describe('TCP state tables', () => {
  it('have the kernel rows (spot checks from tcp_states[])', () => {
    const { NONE, ESTABLISHED, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, SYN_SENT, SYNACK } = TCP_S;
    const S = parseTcpFlags('S'), F = parseTcpFlags('F'), A = parseTcpFlags('A'), R = parseTcpFlags('R');
    expect(tcpNextState(TCP_DIR_INPUT, NONE, S)).toBe(SYN_RECV);
    expect(tcpNextState(TCP_DIR_INPUT, ESTABLISHED, F)).toBe(CLOSE_WAIT);
    expect(tcpNextState(TCP_DIR_INPUT, LAST_ACK, A)).toBe(CLOSE);
    expect(tcpNextState(TCP_DIR_INPUT, SYN_RECV, R)).toBe(SYN_RECV);
    expect(tcpNextState(TCP_DIR_OUTPUT, NONE, S)).toBe(SYN_SENT);
    expect(tcpNextState(TCP_DIR_OUTPUT, ESTABLISHED, F)).toBe(FIN_WAIT);
    expect(tcpNextState(TCP_DIR_OUTPUT, CLOSE_WAIT, F)).toBe(TIME_WAIT);
    expect(tcpNextState(TCP_DIR_OUTPUT, TIME_WAIT, R)).toBe(TIME_WAIT);
    expect(tcpNextState(TCP_DIR_INPUT_ONLY, ESTABLISHED, F)).toBe(FIN_WAIT);
    expect(tcpNextState(TCP_DIR_INPUT_ONLY, SYNACK, R)).toBe(CLOSE);
    expect(tcpNextState(TCP_DIR_INPUT, SYNACK, R)).toBe(SYN_RECV);
    // rst wins over syn; syn+ack uses the syn row; fin+ack the fin row
    expect(tcpNextState(TCP_DIR_INPUT, ESTABLISHED, R | S)).toBe(CLOSE);
    expect(tcpNextState(TCP_DIR_OUTPUT, SYN_RECV, S | A)).toBe(SYN_RECV);
    expect(tcpNextState(TCP_DIR_INPUT, ESTABLISHED, F | A)).toBe(CLOSE_WAIT);
    // a segment with none of syn/fin/ack/rst moves to CLOSE
    expect(tcpNextState(TCP_DIR_INPUT, ESTABLISHED, 0x08)).toBe(CLOSE);
    expect(TCP_STATE_TABLE).toHaveLength(12);
    for (const row of TCP_STATE_TABLE) expect(row).toHaveLength(11);
  });
});

describe('NAT connection life (INPUT/OUTPUT tables)', () => {
  it('SYN -> SYN_RECV (60 s, active), SA -> SYN_RECV, A -> ESTABLISHED (900 s), FIN both ways -> TIME_WAIT', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    expect(l.conn('tcp', C, VIP)).toBe('10.0.0.101:80');
    expect(state(l)).toEqual({ state: 'SYN_RECV', expiresIn: 60 });
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    l.packet('tcp', C, VIP, 'out', 'SA');
    expect(state(l).state).toBe('SYN_RECV');
    l.packet('tcp', C, VIP, 'in', 'A');
    expect(state(l)).toEqual({ state: 'ESTABLISHED', expiresIn: 900 });
    l.advance(100);
    expect(state(l).expiresIn).toBe(800);
    l.packet('tcp', C, VIP, 'in', 'PA');
    expect(state(l).expiresIn).toBe(900);
    l.packet('tcp', C, VIP, 'in', 'FA');
    expect(state(l)).toEqual({ state: 'CLOSE_WAIT', expiresIn: 60 });
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 1, persist: 0 });
    l.packet('tcp', C, VIP, 'out', 'FA');
    expect(state(l)).toEqual({ state: 'TIME_WAIT', expiresIn: 120 });
    l.advance(119);
    expect(state(l).state).toBe('TIME_WAIT');
    l.advance(1);
    expect(state(l).state).toBe('gone');
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 0, persist: 0 });
  });

  it('an unanswered SYN_RECV conn expires after 60 s and leaves the active count', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    l.conn('tcp', C, VIP);
    l.advance(59.999);
    expect(l.counts('10.0.0.101:80').active).toBe(1);
    l.advance(0.001);
    expect(l.counts('10.0.0.101:80').active).toBe(0);
  });

  it('a new conn is bound INACTIVE in state NONE with 3 s before its first transition', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    const seen: { state: number; timeout: number; inactive: boolean; inact: number }[] = [];
    l.ipvs.observe({ created: (c) => seen.push({ state: c.state, timeout: c.timeout, inactive: (c.flags & 0x100) !== 0, inact: c.dest!.inactConns }) });
    l.conn('tcp', C, VIP);
    expect(seen).toEqual([{ state: 0, timeout: 3000, inactive: true, inact: 1 }]);
  });

  it('--set tcp tcpfin udp changes the ESTABLISHED, FIN_WAIT and UDP timeouts (0 keeps a value)', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, '--set 100 0 50');
    expect(l.run('-L --timeout')).toBe('Timeout (tcp tcpfin udp): 100 120 50\n');
    l.conn('tcp', C, VIP);
    l.packet('tcp', C, VIP, 'in', 'A');
    expect(state(l)).toEqual({ state: 'ESTABLISHED', expiresIn: 100 });
  });
});

describe('DR connection life (INPUT_ONLY table)', () => {
  it('SYN -> SYN_RECV, ACK -> ESTABLISHED, FIN -> FIN_WAIT (inactive, 120 s), RST -> CLOSE (10 s)', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -g`);
    expect(l.conn('tcp', C, VIP)).toBe('10.0.0.101:80');
    expect(l.packet('tcp', C, VIP, 'in', 'A')).toEqual({ action: 'route', daddr: 0x0a000065 });
    expect(state(l)).toEqual({ state: 'ESTABLISHED', expiresIn: 900 });
    l.packet('tcp', C, VIP, 'in', 'FA');
    expect(state(l)).toEqual({ state: 'FIN_WAIT', expiresIn: 120 });
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 1, persist: 0 });
    l.packet('tcp', C, VIP, 'in', 'A');
    expect(state(l).state).toBe('FIN_WAIT');
    l.packet('tcp', C, VIP, 'in', 'R');
    expect(state(l)).toEqual({ state: 'CLOSE', expiresIn: 10 });
  });
});

describe('UDP', () => {
  it('one state "UDP", 300 s restarted by packets either way, never active', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s rr`, `-a -u ${VIP} -r 10.0.0.101:80 -m`);
    l.conn('udp', C, VIP);
    expect(state(l)).toEqual({ state: 'UDP', expiresIn: 300 });
    l.advance(200);
    l.packet('udp', C, VIP, 'out');
    expect(state(l)).toEqual({ state: 'UDP', expiresIn: 300 });
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 1, persist: 0 });
    l.advance(300);
    expect(state(l).state).toBe('gone');
  });
});
