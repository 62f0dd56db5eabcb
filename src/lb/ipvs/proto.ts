// The per-namespace protocol timeout tables (ip_vs_proto.c: each protocol's timeout_table), which
// `ipvsadm --set` changes (ip_vs_set_timeout) and a sync backup reads for records without a timeout.
import { TCP_DEFAULT_TIMEOUTS, TCP_S, TCP_STATE_NAMES } from './proto_tcp.js';
import { UDP_DEFAULT_TIMEOUTS, UDP_S_NORMAL } from './proto_udp.js';

/** A timeout table in seconds: one per TCP state, and UDP's NORMAL one. */
export interface ProtoTimeouts {
  tcp: readonly number[];
  udp: number;
}

/** tcp_timeouts[] for each named state and udp_timeouts[IP_VS_UDP_S_NORMAL], seconds. */
export const DEFAULT_PROTO_TIMEOUTS: ProtoTimeouts = {
  tcp: TCP_DEFAULT_TIMEOUTS.slice(0, TCP_STATE_NAMES.length),
  udp: UDP_DEFAULT_TIMEOUTS[UDP_S_NORMAL],
};

/** `ipvsadm --set tcp tcpfin udp` applied to a table, as ip_vs_set_timeout does: 0 leaves a value. */
export function withSetTimeouts(base: ProtoTimeouts, set: { tcp: number; tcpfin: number; udp: number }): ProtoTimeouts {
  const tcp = [...base.tcp];
  if (set.tcp) tcp[TCP_S.ESTABLISHED] = set.tcp;
  if (set.tcpfin) tcp[TCP_S.FIN_WAIT] = set.tcpfin;
  return { tcp, udp: set.udp || base.udp };
}

/** The live tables, in ms by state for the packet path. */
export class TimeoutTable {
  /** ms by TCP state, the LAST slot included */
  readonly tcp: number[] = TCP_DEFAULT_TIMEOUTS.map((s) => s * 1000);
  /** ms by UDP state */
  readonly udp: number[] = UDP_DEFAULT_TIMEOUTS.map((s) => s * 1000);

  /** The tables in seconds. */
  seconds(): ProtoTimeouts {
    return { tcp: this.tcp.map((ms) => ms / 1000), udp: this.udp[UDP_S_NORMAL] / 1000 };
  }

  /** ip_vs_set_timeout (the caller refuses negative values). */
  set(set: { tcp: number; tcpfin: number; udp: number }): void {
    const t = withSetTimeouts(this.seconds(), set);
    t.tcp.forEach((s, i) => (this.tcp[i] = s * 1000));
    this.udp[UDP_S_NORMAL] = t.udp * 1000;
  }

  /** What `ipvsadm -L --timeout` shows: seconds. */
  shown(): { tcp: number; tcpfin: number; udp: number } {
    return { tcp: this.tcp[TCP_S.ESTABLISHED] / 1000, tcpfin: this.tcp[TCP_S.FIN_WAIT] / 1000, udp: this.udp[UDP_S_NORMAL] / 1000 };
  }
}
