// IPVS connection sync, protocol version 1: wire codec, the kernel's send/receive rules, and the
// master/backup multicast daemons (see docs/sync.md).
export * from './message.js';
export * from './states.js';
export * from './rules.js';
export { SyncDaemons, SyncDaemonError, type SyncTarget, type SyncDaemonStats, type SyncDaemonsOptions, type SyncErrno } from './sync-daemon.js';
export { createSyncedCore, syncDaemonsOf, type SyncableCore, type DaemonControlLike } from './attach.js';
export { lookupInterface, lookupInterfaceSync, interfaceFromIpJson, type SyncInterface, type InterfaceLookup } from './netif.js';
export { dgramTransport, type SyncTransport, type SyncSender, type SyncReceiver } from './transport.js';
