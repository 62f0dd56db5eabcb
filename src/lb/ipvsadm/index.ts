// ipvsadm 1.31 for the embedded IPVS (userland): its command-line grammar (argv -> IpvsCommand), its
// output formats byte for byte (IpvsSnapshot -> text), -R input, and a runner that drives an IPVS
// through its control API and snapshot.
export { parseIpvsadm, DEF_SCHED, DEF_MCAST_IFN, IPVS_SVC_PERSISTENT_TIMEOUT, MAX_TIMEOUT, schedFlagNames, schedFlagBits } from './parse.js';
export { formatIpvsadm, formatTimeouts, formatDaemons } from './format.js';
export { formatListAll, formatListService, formatServiceEntry, largeNum, sameService, IPVS_VERSION, PLAIN_FORMAT } from './format-services.js';
export type { ListFormat } from './format-services.js';
export { formatConnections, formatConnRow, formatExpires } from './format-conns.js';
export { parseRestore, parseRestoreLines, splitRestoreLines } from './restore.js';
export type { RestoreLine } from './restore.js';
export { runIpvsadm } from './run.js';
export type { IpvsadmTarget } from './run.js';
export { usageText, versionText } from './usage.js';
export {
  IpvsadmError,
  IpvsadmUsageError,
  kernelErrorMessage,
  EXIT_FAIL,
  EXIT_KERNEL,
  EXIT_LIST,
  EXIT_POPT,
} from './errors.js';
export { glibcMsort, cmpServices, cmpDests } from './sort.js';
export { filesResolver, systemResolver } from './resolver.js';
export type { NetdbFiles, Resolver, ServiceProto } from './resolver.js';
export type { IpvsadmEnv } from './env.js';
