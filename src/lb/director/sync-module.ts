// keepalived's lvs_sync_daemon inside the director daemon (modules.ts): when the director's
// keepalived.conf names a sync daemon, start/stop the master and backup IPVS sync daemons with the
// VRRP instance's state (the host's `vrrpTransition` events), through the director's ipvsadm entry
// point, as keepalived does through the kernel's. List it before the vrrp module so it is listening
// before the first transition. `ipvsadm --start-daemon` works without this module (the core hands it
// to the daemons directly).
import { startDaemonArgv, syncPlanOf, SyncDaemonFollower, type SyncDaemonControl, type SyncDaemonPlan } from '../keepalived/lvs-syncd.js';
import { syncDaemonsOf } from './sync-attach.js';
import { SyncDaemonError } from '../ipvs/sync/sync-daemon.js';
import type { VrrpTransitionEvent } from '../vrrp/speaker.js';
import { ownModuleSpec, type DirectorHost, type DirectorModule, type DirectorModuleFactory, type ModuleSpec } from './modules.js';

export interface SyncModuleOptions {
  keepalivedConf?: string;
  interfaces?: Record<string, string>;
}

function ipvsadmControl(host: DirectorHost): SyncDaemonControl {
  const run = async (argv: string[]) => {
    const r = await host.ipvsadm(argv);
    if (r.status === 0) return;
    const text = r.stderr.trim();
    if (text === 'No daemon is running') throw new SyncDaemonError('ESRCH', text, text);
    throw new Error(text || `ipvsadm ${argv.join(' ')} exited ${r.status}`);
  };
  const daemons = host.core ? syncDaemonsOf(host.core) : undefined;
  const idle = daemons ? () => daemons.idle() : host.syncIdle?.bind(host);
  return {
    start: (o) => run(startDaemonArgv(o)),
    stop: (state) => run(['--stop-daemon', state]),
    ...(idle ? { idle } : {}),
  };
}

const factory: DirectorModuleFactory = (options: unknown): DirectorModule => {
  const opts = (options ?? {}) as SyncModuleOptions;
  let follower: SyncDaemonFollower | undefined;
  let plan: SyncDaemonPlan | undefined;
  let hostRef: DirectorHost | undefined;
  const onTransition = (ev: VrrpTransitionEvent) => void follower?.onInstanceState(ev.instance, ev.to);
  const status = () => {
    // which daemons run and what they did: sent/received datagrams, applied/skipped records and
    // the last reasons something was refused — the answer to "is sync working?" The daemons live
    // with the core: the keepalived-side process reports its plan only (the embedded backend's
    // status merges both, backend.ts)
    if (hostRef && !hostRef.core) return { plan: plan ?? null };
    const d = hostRef?.core ? syncDaemonsOf(hostRef.core) : undefined;
    return { plan: plan ?? null, daemons: d?.list() ?? [], stats: d?.stats() ?? {} };
  };
  return {
    name: 'sync',
    async start(host: DirectorHost) {
      hostRef = host;
      const text = opts.keepalivedConf ?? host.config.keepalivedConf;
      try {
        plan = text ? syncPlanOf(text, opts.interfaces) : undefined;
      } catch (e) {
        host.log(`sync: keepalived.conf: ${(e as Error).message}`);
        plan = undefined;
      }
      if (!plan) {
        if (text) host.log('sync: no lvs_sync_daemon in keepalived.conf: keepalived would start no connection sync daemon');
        return;
      }
      follower = new SyncDaemonFollower(ipvsadmControl(host), plan, (l) => host.log(`sync: ${l}`));
      host.events.on('vrrpTransition', onTransition);
      await follower.start();
    },
    async stop(how) {
      hostRef?.events.off('vrrpTransition', onTransition);
      if (how === 'graceful') await follower?.stop();
    },
    status,
    async control(call) {
      // the keepalived-side process waits here for the sync daemons to settle (keepalived.ts)
      const d = hostRef?.core ? syncDaemonsOf(hostRef.core) : undefined;
      if (call === 'idle') return void (await d?.idle());
      if (call === 'status') return status();
      throw new Error(`sync module: unknown call '${call}' (idle, status)`);
    },
  };
};
export default factory;

/**
 * The module spec for every embedded director: it follows VRRP when the keepalived.conf has an
 * effective lvs_sync_daemon, and in any case reports the sync daemons' counters in the status.
 */
export function syncModuleSpec(options: SyncModuleOptions = {}): ModuleSpec {
  return ownModuleSpec(import.meta.url, 'sync module', options);
}
