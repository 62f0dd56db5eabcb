// lvslab's library API. Each area exports from its own module; this file only gathers them.
export * from './lab/index.js';
export * from './api/index.js';
export { Ipvs, ManualClock, seededRandom, runTrace, runTraceItems, TraceError, SCHEDULER_NAMES } from './lb/ipvs/index.js';
export type { IpvsOptions, IpvsSysctl, ConnObserver, DaemonControl, TraceOptions, TraceResult, TraceItem } from './lb/ipvs/index.js';
export { parseIpvsadm, formatIpvsadm, runIpvsadm, parseRestore, IpvsadmUsageError } from './lb/ipvs/ipvsadm/index.js';
export type { IpvsadmTarget } from './lb/ipvs/ipvsadm/index.js';
