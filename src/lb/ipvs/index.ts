// The embedded IPVS's public API: the core, its clock helpers, the trace runner and the contract types.
export { Ipvs, DEFAULT_SYSCTL } from './ipvs.js';
export type { IpvsOptions, IpvsSysctl, ConnObserver, DaemonControl } from './ipvs.js';
export { Conn } from './conn.js';
export { ManualClock, systemClock, seededRandom } from './clock.js';
export { runTrace, runTraceItems, TraceError } from './trace.js';
export type { TraceOptions, TraceResult, TraceItem } from './trace.js';
export { SCHEDULER_NAMES } from './sched/index.js';
export { TCP_STATE_NAMES, TCP_S, parseTcpFlags } from './proto_tcp.js';
export { formatIPv4, parseIPv4 } from './addr.js';
export * from './types.js';
