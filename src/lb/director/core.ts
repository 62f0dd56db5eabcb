// Builds the embedded IPVS core the daemon drives, with the IPVS sync daemons attached the way the
// kernel wires them (ipvsadm --start-daemon reaches them through the core). The daemons are owned
// by the built-in `sync-engine` module so they stop with the daemon; the `sync` module
// (sync-module.ts) follows VRRP and reports their counters.
import { Ipvs } from '../ipvs/ipvs.js';
import { kernelProfile } from '../ipvs/kernel.js';
import { createSyncedCore } from './sync-attach.js';
import { runIpvsadm } from '../ipvsadm/run.js';
import type { IpvsCore } from './ipvs-core.js';
import type { DirectorModule } from './modules.js';

/** The core of a director daemon; `kernel` names the kernel it models (kernelProfile; the pinned one by default). */
export function createCore(log: (line: string) => void = () => undefined, kernel?: string): { core: IpvsCore; modules: DirectorModule[] } {
  const profile = kernel === undefined ? undefined : kernelProfile(kernel);
  const { core: ipvs, sync } = createSyncedCore((daemons) => new Ipvs({ daemons, kernel: profile }), { log: (l) => log(`sync: ${l}`) });
  // ipvsadm is userland: it reaches the core through its control API and snapshot
  const core: IpvsCore = {
    inbound: (h) => ipvs.inbound(h),
    outbound: (h) => ipvs.outbound(h),
    ipvsadm: (argv, stdin) => runIpvsadm(ipvs, argv, stdin),
    snapshot: () => ipvs.snapshot(),
    advance: () => ipvs.advance(),
  };
  const syncModule: DirectorModule = {
    name: 'sync-engine',
    start() {},
    stop() {
      sync.stop();
    },
  };
  return { core, modules: [syncModule] };
}
