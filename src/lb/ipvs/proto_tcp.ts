// TCP connection states, timeouts and the transition tables of ip_vs_proto_tcp.c (the normal tables,
// not the secure_tcp "dos" ones), and set_tcp_state: a state change moves the conn between its
// dest's active and inactive counters and sets the new state's timeout.
import { IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_NOOUTPUT } from './flags.js';

export const TCP_S = {
  NONE: 0,
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT: 4,
  TIME_WAIT: 5,
  CLOSE: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  LISTEN: 9,
  SYNACK: 10,
  LAST: 11,
} as const;

export const TCP_STATE_NAMES = [
  'NONE',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
] as const;

/** tcp_timeouts[], seconds, indexed by state (the LAST slot included) */
export const TCP_DEFAULT_TIMEOUTS = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120, 2];

/** tcp_state_active_table */
export const TCP_STATE_ACTIVE = [false, true, true, true, false, false, false, false, false, false, true];

export const TCP_DIR_INPUT = 0;
export const TCP_DIR_OUTPUT = 4;
export const TCP_DIR_INPUT_ONLY = 8;

const { NONE: sNO, ESTABLISHED: sES, SYN_SENT: sSS, SYN_RECV: sSR, FIN_WAIT: sFW, TIME_WAIT: sTW } = TCP_S;
const { CLOSE: sCL, CLOSE_WAIT: sCW, LAST_ACK: sLA, LISTEN: sLI, SYNACK: sSA } = TCP_S;
void sNO;

/**
 * tcp_states[], the transition table: rows in the order INPUT syn/fin/ack/rst, OUTPUT syn/fin/ack/rst, INPUT_ONLY
 * syn/fin/ack/rst; columns are the current state sNO sES sSS sSR sFW sTW sCL sCW sLA sLI sSA.
 */
// prettier-ignore
export const TCP_STATE_TABLE: readonly (readonly number[])[] = [
  /* INPUT */
  /*syn*/ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  /*fin*/ [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
  /*ack*/ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  /*rst*/ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  /* OUTPUT */
  /*syn*/ [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
  /*fin*/ [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
  /*ack*/ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
  /*rst*/ [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  /* INPUT_ONLY */
  /*syn*/ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  /*fin*/ [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
  /*ack*/ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  /*rst*/ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
];

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;

/** tcp_state_idx: rst first, then syn, fin, ack; -1 for none of them. */
export function tcpStateIdx(flags: number): number {
  if (flags & TH_RST) return 3;
  if (flags & TH_SYN) return 0;
  if (flags & TH_FIN) return 1;
  if (flags & TH_ACK) return 2;
  return -1;
}

/** The next state for a segment with `flags` seen at table offset `off` in state `state`. */
export function tcpNextState(off: number, state: number, flags: number): number {
  const idx = tcpStateIdx(flags);
  // new_state starts as CLOSE and the lookup is skipped for a segment without syn/fin/ack/rst
  if (idx < 0) return TCP_S.CLOSE;
  return TCP_STATE_TABLE[off + idx][state];
}

/** What set_tcp_state reads and changes of a connection (a Conn, conn.ts). */
export interface TcpConnState {
  flags: number;
  state: number;
  timeout: number;
  readonly dest: { activeConns: number; inactConns: number } | null;
}

/**
 * set_tcp_state for a segment with `tcpFlags` seen in direction `dir` (TCP_DIR_INPUT or
 * TCP_DIR_OUTPUT): the new state and its timeout (`timeouts`, ms by state), the dest's active and
 * inactive counters. Returns the old state when the state changed, else -1.
 */
export function setTcpState(cp: TcpConnState, dir: number, tcpFlags: number, timeouts: readonly number[]): number {
  let off = dir;
  if (cp.flags & IP_VS_CONN_F_NOOUTPUT) {
    // DR/TUN never see replies: the INPUT_ONLY table, until an output packet proves otherwise
    if (off === TCP_DIR_OUTPUT) cp.flags &= ~IP_VS_CONN_F_NOOUTPUT;
    else off = TCP_DIR_INPUT_ONLY;
  }
  const ns = tcpNextState(off, cp.state, tcpFlags);
  cp.timeout = timeouts[ns];
  const old = cp.state;
  if (ns === old) return -1;
  const d = cp.dest;
  if (d !== null) {
    const active = TCP_STATE_ACTIVE[ns];
    if (!(cp.flags & IP_VS_CONN_F_INACTIVE) && !active) {
      d.activeConns--;
      d.inactConns++;
      cp.flags |= IP_VS_CONN_F_INACTIVE;
    } else if (cp.flags & IP_VS_CONN_F_INACTIVE && active) {
      d.activeConns++;
      d.inactConns--;
      cp.flags &= ~IP_VS_CONN_F_INACTIVE;
    }
  }
  cp.state = ns;
  return old;
}

/** Parse "S", "SA", "FA", "R", "A", "PA"... into a TCP flags byte. */
export function parseTcpFlags(text: string): number {
  let f = 0;
  for (const ch of text.toUpperCase()) {
    switch (ch) {
      case 'F':
        f |= TH_FIN;
        break;
      case 'S':
        f |= TH_SYN;
        break;
      case 'R':
        f |= TH_RST;
        break;
      case 'P':
        f |= TH_PUSH;
        break;
      case 'A':
        f |= TH_ACK;
        break;
      case 'U':
        f |= 0x20;
        break;
      case '.':
      case '-':
        break;
      default:
        throw new Error(`'${text}' is not a set of TCP flags (use letters F S R P A U, e.g. SA or FA)`);
    }
  }
  return f;
}
