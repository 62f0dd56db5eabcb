// The kernel side: the kernel VM runner, where kernel IPVS is, the kernel backend, trace replay
// through kernel IPVS.
export { runInVm, type RunInVmOptions, type VmRunResult } from '../../lab/vm/runner.js';
export { findVmKernel, kernelVmDir, type VmKernel } from '../../lab/vm/kernel-cache.js';
export { detectKernelCapability, hostHasIpvs, insideKernelVm, type KernelCapability } from './capability.js';
export { KernelBackend, KernelBackendError, openKernelBackend, createKernelBackend, type KernelBackendOptions } from './backend.js';
export { replayTraceOnKernel, openKernelReplay, type KernelReplaySession, type ReplayOptions, type ReplayResult } from './replay/replay.js';
export { diffLines } from './diff.js';
