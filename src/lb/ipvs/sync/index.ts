// IPVS connection sync, protocol version 1: wire codec, what the master sends, what the backup
// applies, the daemons' configuration, and the master/backup multicast daemons (see docs/sync.md).
export * from './message.js';
export { decodeMessage, type DecodeOptions } from './decode.js';
export * from './states.js';
export * from './master.js';
export * from './apply.js';
export * from './config.js';
export { SyncDaemons, SyncDaemonError, type SyncTarget, type SyncDaemonStats, type SyncDaemonsOptions, type SyncErrno } from './sync-daemon.js';
export type { SyncInterface, SyncTransport, SyncSender, SyncReceiver } from './io.js';
