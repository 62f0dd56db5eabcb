// Waiting for the director to catch up with a close. A client's close (FIN) or reset (RST) returns
// as soon as the client's socket is closed, but the segments that end the connection reach the
// director a moment later — under emulation, often after the trace's next SYN, so a scheduler that
// counts active connections (lc, wlc, lblc, lblcr, ...) would see a different state than the trace
// says. The replay therefore follows each connection's TCP state through the trace's own packet
// lines (the kernel's transition table, src/lb/ipvs/proto_tcp.ts) and, after a close, polls
// the director's connection table (the rows `ipvsadm -Lnc` prints, read from /proc: conn-table.ts) until
// that connection shows the state the trace says it ends in.
import { TCP_DIR_INPUT, TCP_DIR_OUTPUT, TCP_S, TCP_STATE_NAMES, TH_SYN, tcpNextState } from '../../ipvs/proto_tcp.js';

/** Each replayed TCP connection's state as the trace's packet lines move it (NAT: INPUT and OUTPUT tables). */
export class TraceTcpStates {
  private readonly states = new Map<string, number>();

  /** a SYN the director scheduled: NONE -> SYN_RECV */
  opened(key: string): void {
    this.states.set(key, tcpNextState(TCP_DIR_INPUT, TCP_S.NONE, TH_SYN));
  }

  /** a connection that got no real server has no entry */
  refused(key: string): void {
    this.states.delete(key);
  }

  /** a further segment of the connection, as the trace spells it */
  segment(key: string, dir: 'in' | 'out', tcpFlags: number): void {
    const s = this.states.get(key);
    if (s === undefined) return;
    this.states.set(key, tcpNextState(dir === 'in' ? TCP_DIR_INPUT : TCP_DIR_OUTPUT, s, tcpFlags));
  }

  /** the state name -Lnc shows for it, or undefined when the replay does not know the connection */
  expected(key: string): string | undefined {
    const s = this.states.get(key);
    return s === undefined ? undefined : TCP_STATE_NAMES[s];
  }
}

/** The state of connection `client -> vip` in `ipvsadm -Lnc` output, or undefined without a row. */
export function connStateIn(lnc: string, client: string, vip: string): string | undefined {
  for (const line of lnc.split('\n')) {
    const f = line.trim().split(/\s+/);
    // pro expire state source virtual destination
    if (f.length >= 6 && f[0] === 'TCP' && f[3] === client && f[4] === vip) return f[2];
  }
  return undefined;
}

export interface SettleOptions {
  /** the director's connection table as `ipvsadm -Lnc` rows */
  listConns(): Promise<string>;
  /** bound for the wait (ms) */
  timeoutMs: number;
  /** between two listings (ms) */
  intervalMs?: number;
}

/**
 * Polls the director's connection table until `client -> vip` is in state `want`; throws, naming the
 * connection, the state it was in and the bound, when it does not get there in time.
 */
export async function settleConn(client: string, vip: string, want: string, o: SettleOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let seen: string | undefined;
  for (;;) {
    seen = connStateIn(await o.listConns(), client, vip);
    if (seen === want) return;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
  throw new Error(`replay: connection ${client} -> ${vip} did not reach ${want} on the director within ${o.timeoutMs / 1000} s (it shows ${seen ?? 'no entry'})`);
}
