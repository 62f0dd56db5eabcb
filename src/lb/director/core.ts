// Builds the embedded IPVS core the daemon drives, with the IPVS sync daemons attached the way the
// kernel wires them (ipvsadm --start-daemon reaches them through the core). The sync engine is
// hosted as the daemon's built-in `sync` module: its status shows in the daemon's status, and it
// stops with the daemon.
import { Ipvs } from '../ipvs/ipvs.js';
import { createSyncedCore } from '../ipvs/sync/attach.js';
import type { DirectorModule, IpvsCore } from './daemon.js';

export function createCore(log: (line: string) => void = () => undefined): { core: IpvsCore; modules: DirectorModule[] } {
  const { core, sync } = createSyncedCore((daemons) => new Ipvs({ daemons }), { log: (l) => log(`sync: ${l}`) });
  const syncModule: DirectorModule = {
    name: 'sync',
    start() {},
    stop() {
      sync.stop();
    },
    status() {
      return { daemons: sync.list(), stats: sync.stats() };
    },
  };
  return { core, modules: [syncModule] };
}
