// The embedded VRRP: codec, timers, the pure instance state machine and sync groups, and the speaker
// that runs them on real interfaces (standalone: main.ts; hosted: director-module.ts).
export * from './packet.js';
export * from './timers.js';
export { VrrpInstanceMachine, type VrrpState, type InstanceSettings, type InstanceEffects, type Transition, type AdvertIn } from './instance.js';
export { VrrpSyncGroup } from './sync-group.js';
export { ManualScheduler, realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';
export { VrrpSpeaker, type VrrpSpeakerOptions, type SpeakerStatus, type InstanceStatus } from './speaker.js';
export { vrrpEvents, type VrrpTransitionEvent } from './events.js';
export { loadVrrpConfig, parseInterfaceMap, hasVrrpInstances } from './load.js';
export { vrrpModuleSpec, type VrrpModuleOptions } from './director-module.js';
export { notifyCommands, splitCommand } from './io/notify.js';
