// lvslab's library API. Each area exports from its own module; this file only gathers them.
export * from './lab/index.js';
export * from './api/index.js';
export { Ipvs, ManualClock, seededRandom, parseTrace, TraceError, SCHEDULER_NAMES, PINNED_KERNEL, kernelProfile } from './lb/ipvs/index.js';
export type { IpvsOptions, IpvsSysctl, ConnObserver, DaemonControl, TraceItem, IpvsControl, CtlCommand, CtlError, KernelProfile } from './lb/ipvs/index.js';
export { runTrace, runTraceItems } from './lb/simulate/run.js';
export type { TraceOptions, TraceResult, TraceItemResult } from './lb/simulate/run.js';
export { parseIpvsadm, formatIpvsadm, runIpvsadm, parseRestore, IpvsadmUsageError, filesResolver, systemResolver } from './lb/ipvsadm/index.js';
export type { IpvsadmTarget, IpvsadmEnv, Resolver, NetdbFiles } from './lb/ipvsadm/index.js';
export {
  parseKeepalivedConf,
  renderKeepalivedConf,
  toIpvsadmCommands,
  configToIpvsadmCommands,
  effectiveInstance,
  effectiveSyncDaemon,
  mapInterfaces,
  KeepalivedConfError,
  KEEPALIVED_DEFAULTS,
} from './lb/keepalived/index.js';
export type { KeepalivedConfig, VrrpInstance, VirtualServer, RealServer, ConfDiagnostic, EffectiveVrrpInstance, EffectiveSyncDaemon } from './lb/keepalived/index.js';
export { masterDownUs, skewUs } from './lb/vrrp/index.js';
export type { VrrpState, VrrpTransitionEvent } from './lb/vrrp/index.js';
export { encodeMessage, decodeMessage, SYNC_GROUP, SYNC_PORT } from './lb/ipvs/sync/index.js';
export type { SyncConn, DecodedMessage } from './lb/ipvs/sync/index.js';
export {
  runInVm,
  findVmKernel,
  kernelVmDir,
  detectKernelCapability,
  hostHasIpvs,
  KernelBackend,
  KernelBackendError,
  openKernelBackend,
  replayTraceOnKernel,
  openKernelReplay,
  diffLines,
  recordTrace,
  RecordingInputError,
  checkAgainstRecording,
  formatGolden,
  parseGolden,
  GoldenError,
} from './lb/kernel/index.js';
export type { RunInVmOptions, VmRunResult, VmKernel, KernelCapability, KernelReplaySession, ReplayResult, RecordKernel, RecordOptions, RecordingCheck, RecordingCheckOptions, Golden, GoldenItem, Provenance } from './lb/kernel/index.js';
