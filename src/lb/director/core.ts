// Builds the embedded IPVS core the daemon drives (src/lb/ipvs/ipvs.ts, written alongside).
import type { IpvsCore } from './daemon.js';
import { createSyncedCore, type DaemonControlLike, type SyncableCore } from '../ipvs/sync/attach.js';

export async function createCore(): Promise<IpvsCore> {
  // Resolved at run time so the daemon's own layers build and test on their own.
  const mod = (await import(new URL('../ipvs/ipvs.js', import.meta.url).href)) as {
    Ipvs?: new (opts?: { daemons?: DaemonControlLike }) => IpvsCore & SyncableCore;
  };
  const Ipvs = mod.Ipvs;
  if (!Ipvs) throw new Error('the embedded IPVS core (lb/ipvs/ipvs.js) does not export Ipvs');
  // The sync daemons (ipvsadm --start-daemon, keepalived lvs_sync_daemon) live beside the core in
  // this process; their sockets open in the director's namespace.
  const { core } = createSyncedCore((daemons) => new Ipvs({ daemons }), { log: (l) => process.stderr.write(`IPVS: ${l}\n`) });
  return core;
}
