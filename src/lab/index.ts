// The lab builder's public API.
export { buildLab, LabPermissionError, type BuildOptions } from './build.js';
export { Lab, attachLab, UnknownHostError } from './lab.js';
export { Host, HostCommandError, type ExecOptions, type ExecResult, type SpawnOptions, type SpawnedProcess } from './host.js';
export { AgentClient, AgentError } from './agent/client.js';
export type * from './agent/protocol.js';
export { identityFromBody, identityPage } from './agent/protocol.js';
export { validateDescription, LabDescriptionError } from './validate.js';
export { loadTopology, parseDescriptionText, resolveTopology, type LabSource } from './load.js';
export { PRESETS, preset, presetNames, SCALE_LIMITS, scaleRealAddress, type ScaleParams, type PresetReference } from './presets.js';
export { planBuild, renderScript, namespaceName, NS_PREFIX, type BuildPlan, type PlanStep } from './plan.js';
export { gc, teardownLab, labState, type GcOptions, type GcResult, type LabState } from './teardown.js';
export { listLabIds, readRecord, readPids, resolveLabId, runDirOf, runRoot, logPath, KEPT_OWNER, type LabRecord, type PidRecord } from './rundir.js';
export { LabBuildError } from './netns.js';
export * from './topology.js';
