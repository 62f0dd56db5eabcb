// The embedded IPVS's public API: the core, its clock helpers, the trace format and the contract types.
export { Ipvs, DEFAULT_SYSCTL } from './ipvs.js';
export type { IpvsOptions, IpvsSysctl, ConnObserver, DaemonControl } from './ipvs.js';
export { Conn } from './conn_entry.js';
export { ManualClock, systemClock, seededRandom, MAX_CLOCK_MS } from './clock.js';
export { parseTrace, parseTraceLine, traceItems, TraceError } from './trace.js';
export type { TraceItem, Endpoint } from './trace.js';
export type { CtlError, Errno, IpvsOp } from './errno.js';
export { SCHEDULER_NAMES } from './sched/index.js';
export { PINNED_KERNEL, kernelProfile } from './kernel.js';
export type { KernelProfile, CountingModel } from './kernel.js';
export { TCP_STATE_NAMES, TCP_S, parseTcpFlags } from './proto_tcp.js';
export { formatIPv4, parseIPv4 } from './addr.js';
export * from './types.js';
