// The embedded VRRP: codec, timers, the pure instance state machine and sync groups, and the speaker
// that runs them on real interfaces (standalone: main.ts; hosted by the director daemon:
// src/lb/director/vrrp-module.ts).
export * from './packet.js';
export * from './ip4.js';
export * from './check.js';
export * from './timers.js';
export { VrrpInstanceMachine, type VrrpState, type InstanceSettings, type InstanceEffects, type Transition, type AdvertIn } from './instance.js';
export { VrrpSyncGroup } from './sync-group.js';
export { ManualVrrpClock, realVrrpClock, type VrrpClock, type TimerHandle } from './clock.js';
export { VrrpSpeaker, type VrrpSpeakerOptions, type SpeakerStatus, type InstanceStatus, type VrrpTransitionEvent } from './speaker.js';
export { loadVrrpConfig, parseInterfaceMap, hasVrrpInstances } from './load.js';
export { notifyCommands, splitCommand } from './io/notify.js';
