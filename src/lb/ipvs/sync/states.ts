// Connection states as numbers on the wire (the kernel's enums) and as names in `ipvsadm -Lnc`, by
// protocol: the core's own name lists (proto_tcp.ts, proto_udp.ts, conn.ts for templates), looked up
// the way ip_vs_proc_sync_conn checks a record's state.
import { TEMPLATE_STATE_NAMES } from '../conn_entry.js';
import { TCP_STATE_NAMES } from '../proto_tcp.js';
import { UDP_STATE_NAMES } from '../proto_udp.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../types.js';

export { TCP_S } from '../proto_tcp.js';
export type TcpStateName = (typeof TCP_STATE_NAMES)[number];

/** What a backup gives a template synced with timeout 0 (ip_vs_proc_conn: 3*60*HZ). */
export const TEMPLATE_SYNC_TIMEOUT = 180;

/** The state names of a protocol the embedded IPVS handles, or undefined (kernel: ip_vs_proto_get). */
export function protocolStates(protocol: number): readonly string[] | undefined {
  if (protocol === IPPROTO_TCP) return TCP_STATE_NAMES;
  if (protocol === IPPROTO_UDP) return UDP_STATE_NAMES;
  return undefined;
}

export function stateName(protocol: number, state: number, template: boolean): string {
  const table = template ? TEMPLATE_STATE_NAMES : protocolStates(protocol);
  const name = table?.[state];
  if (name === undefined) throw new Error(`state ${state} is not a valid ${template ? 'template' : `protocol ${protocol}`} state`);
  return name;
}

/** The wire index of a state name as the core's snapshot prints it ('ESTABLISHED', 'UDP', 'NONE'). */
export function stateIndex(protocol: number, name: string, template: boolean): number {
  const table = template ? TEMPLATE_STATE_NAMES : protocolStates(protocol);
  const i = table ? (table as readonly string[]).indexOf(name) : -1;
  if (i < 0) throw new Error(`'${name}' is not a ${template ? 'template' : `protocol ${protocol}`} state`);
  return i;
}
