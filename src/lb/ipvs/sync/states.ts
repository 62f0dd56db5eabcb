// Connection states as numbers on the wire (the kernel's enums) and as names in `ipvsadm -Lnc`,
// with the per-state default timeouts a backup falls back to when a record carries timeout 0.
import { IPPROTO_TCP, IPPROTO_UDP } from '../types.js';
import { TCP_DEFAULT_TIMEOUTS as CORE_TCP_TIMEOUTS, TCP_STATE_NAMES } from '../proto_tcp.js';

/** enum IP_VS_TCP_S_* (include/net/ip_vs.h), in index order: the core's list, so the two cannot drift. */
export const TCP_STATES = TCP_STATE_NAMES;
export type TcpStateName = (typeof TCP_STATES)[number];

/** IP_VS_UDP_S_NORMAL is the only UDP state; -Lnc prints it as "UDP". */
export const UDP_STATES = ['UDP'] as const;

/** enum IP_VS_CTPL_S_* for persistence templates: NONE, ASSURED (IP_VS_CTPL_S_LAST = 2). */
export const TEMPLATE_STATES = ['NONE', 'ASSURED'] as const;

export const TCP_S = Object.fromEntries(TCP_STATES.map((n, i) => [n, i])) as Record<TcpStateName, number>;

/** tcp_timeouts[] in seconds (ip_vs_proto_tcp.c), one per named state (the core's table also has the LAST slot) */
export const TCP_DEFAULT_TIMEOUTS: readonly number[] = CORE_TCP_TIMEOUTS.slice(0, TCP_STATES.length);
/** udp_timeouts[IP_VS_UDP_S_NORMAL] */
export const UDP_DEFAULT_TIMEOUT = 300;
/** What a backup gives a template synced with timeout 0 (ip_vs_proc_conn: 3*60*HZ). */
export const TEMPLATE_SYNC_TIMEOUT = 180;

/** The state table of a protocol the embedded IPVS handles, or undefined (kernel: ip_vs_proto_get). */
export function protocolStates(protocol: number): readonly string[] | undefined {
  if (protocol === IPPROTO_TCP) return TCP_STATES;
  if (protocol === IPPROTO_UDP) return UDP_STATES;
  return undefined;
}

export function stateName(protocol: number, state: number, template: boolean): string {
  const table = template ? TEMPLATE_STATES : protocolStates(protocol);
  const name = table?.[state];
  if (name === undefined) throw new Error(`state ${state} is not a valid ${template ? 'template' : `protocol ${protocol}`} state`);
  return name;
}

/** The wire index of a state name as the core's snapshot prints it ('ESTABLISHED', 'UDP', 'NONE'). */
export function stateIndex(protocol: number, name: string, template: boolean): number {
  const table = template ? TEMPLATE_STATES : protocolStates(protocol);
  const i = table ? (table as readonly string[]).indexOf(name) : -1;
  if (i < 0) throw new Error(`'${name}' is not a ${template ? 'template' : `protocol ${protocol}`} state`);
  return i;
}

/** The backup's timeout table (seconds) for synced records with timeout 0; `ipvsadm --set` changes it. */
export interface ProtoTimeouts {
  tcp: readonly number[];
  udp: number;
}

export const DEFAULT_PROTO_TIMEOUTS: ProtoTimeouts = { tcp: TCP_DEFAULT_TIMEOUTS, udp: UDP_DEFAULT_TIMEOUT };

/** Apply `ipvsadm --set tcp tcpfin udp` (0 = unchanged) to a timeout table, as ip_vs_set_timeout does. */
export function withSetTimeouts(base: ProtoTimeouts, set: { tcp: number; tcpfin: number; udp: number }): ProtoTimeouts {
  const tcp = [...base.tcp];
  if (set.tcp) tcp[TCP_S.ESTABLISHED] = set.tcp;
  if (set.tcpfin) tcp[TCP_S.FIN_WAIT] = set.tcpfin;
  return { tcp, udp: set.udp || base.udp };
}
