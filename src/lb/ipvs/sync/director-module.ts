// keepalived's lvs_sync_daemon inside the director daemon (src/lb/director/daemon.ts module hook):
// when the director's keepalived.conf names a sync daemon, start/stop the master and backup sync
// daemons with the VRRP instance's state, through the director's ipvsadm entry point, as keepalived
// does through the kernel's. List it before the vrrp module so it sees the first transitions.
// `ipvsadm --start-daemon` works without this module (the core hands it to the daemons directly).
import { fileURLToPath } from 'node:url';
import type { DirectorHost, DirectorModule, DirectorModuleFactory, ModuleSpec } from '../../director/daemon.js';
import { effectiveSyncDaemon, mapInterfaces, parseKeepalivedConf } from '../../keepalived/index.js';
import { vrrpEvents, type VrrpTransitionEvent } from '../../vrrp/events.js';
import type { SyncDaemonOptions } from '../types.js';
import { syncDaemonsOf } from './attach.js';
import { SyncDaemonError } from './daemon.js';
import { SyncDaemonFollower, type SyncDaemonControl, type SyncDaemonPlan } from './follow-vrrp.js';

export interface SyncModuleOptions {
  keepalivedConf?: string;
  interfaces?: Record<string, string>;
}

/** The effective lvs_sync_daemon of a keepalived.conf, or undefined (none, or misspelled). */
export function syncPlanOf(text: string, interfaces?: Record<string, string>): SyncDaemonPlan | undefined {
  const { config } = parseKeepalivedConf(text);
  return effectiveSyncDaemon(interfaces ? mapInterfaces(config, interfaces) : config);
}

/** `ipvsadm --start-daemon ...` argv for one daemon, as keepalived's settings give it. */
export function startDaemonArgv(o: SyncDaemonOptions): string[] {
  const argv = ['--start-daemon', o.state, '--mcast-interface', o.mcastInterface, '--syncid', String(o.syncId)];
  if (o.syncMaxLen !== undefined) argv.push('--syncmaxlen', String(o.syncMaxLen));
  if (o.mcastGroup !== undefined) argv.push('--mcast-group', o.mcastGroup);
  if (o.mcastPort !== undefined) argv.push('--mcast-port', String(o.mcastPort));
  if (o.mcastTtl !== undefined) argv.push('--mcast-ttl', String(o.mcastTtl));
  return argv;
}

function ipvsadmControl(host: DirectorHost): SyncDaemonControl {
  const run = async (argv: string[]) => {
    const r = await host.ipvsadm(argv);
    if (r.status === 0) return;
    const text = r.stderr.trim();
    if (text === 'No daemon is running') throw new SyncDaemonError('ESRCH', text, text);
    throw new Error(text || `ipvsadm ${argv.join(' ')} exited ${r.status}`);
  };
  const daemons = syncDaemonsOf(host.core);
  return {
    start: (o) => run(startDaemonArgv(o)),
    stop: (state) => run(['--stop-daemon', state]),
    ...(daemons ? { idle: () => daemons.idle() } : {}),
  };
}

const factory: DirectorModuleFactory = (options: unknown): DirectorModule => {
  const opts = (options ?? {}) as SyncModuleOptions;
  let follower: SyncDaemonFollower | undefined;
  let plan: SyncDaemonPlan | undefined;
  let hostRef: DirectorHost | undefined;
  const onTransition = (ev: VrrpTransitionEvent) => void follower?.onInstanceState(ev.instance, ev.to);
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
      vrrpEvents.on('transition', onTransition);
      await follower.start();
    },
    async stop(how) {
      vrrpEvents.off('transition', onTransition);
      if (how === 'graceful') await follower?.stop();
    },
    status() {
      // which daemons run and what they did: sent/received datagrams, applied/skipped records and
      // the last reasons something was refused — the answer to "is sync working?"
      const d = hostRef ? syncDaemonsOf(hostRef.core) : undefined;
      return { plan: plan ?? null, daemons: d?.list() ?? [], stats: d?.stats() ?? {} };
    },
  };
};
export default factory;

/**
 * The module spec for every embedded director: it follows VRRP when the keepalived.conf has an
 * effective lvs_sync_daemon, and in any case reports the sync daemons' counters in the status.
 */
export function syncModuleSpec(options: SyncModuleOptions = {}): ModuleSpec {
  // The daemon runs compiled code: under vitest this file is src/...ts, the daemon loads dist/...js.
  const self = fileURLToPath(import.meta.url).replace(/\/src\/(.*)\.ts$/, '/dist/$1.js');
  return { import: self, options };
}
