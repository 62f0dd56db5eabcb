// The kernel side: the kernel VM runner, where kernel IPVS is, the kernel backend, trace replay
// through kernel IPVS, users' own kernel recordings (record, check).
export { runInVm, type RunInVmOptions, type VmRunResult } from '../../lab/vm/runner.js';
export { findVmKernel, kernelVmDir, type VmKernel } from '../../lab/vm/kernel-cache.js';
export { detectKernelCapability, hostHasIpvs, insideKernelVm, type KernelCapability } from './capability.js';
export { KernelBackend, KernelBackendError, openKernelBackend, createKernelBackend, type KernelBackendOptions } from './backend.js';
export { replayTraceOnKernel, openKernelReplay, type KernelReplaySession, type ReplayOptions, type ReplayResult } from './replay/replay.js';
export { diffLines } from './diff.js';
export { recordTrace, RecordingInputError, type RecordKernel, type RecordOptions } from './recording/record.js';
export { checkAgainstRecording, type RecordingCheck, type RecordingCheckOptions } from './recording/check.js';
export { formatGolden, parseGolden, GoldenError, type Golden, type GoldenItem } from './recording/golden.js';
export type { Provenance } from './recording/provenance.js';
