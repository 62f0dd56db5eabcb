// VRRP hosted by the director daemon (modules.ts): started when the director's keepalived.conf has
// vrrp_instances, stopped gracefully (priority 0) before the data plane goes down. Every state
// change is published on the host's events (`vrrpTransition`) for the modules that follow VRRP.
// Options: { keepalivedConf?: string (default: the daemon's), interfaces?: map }.
import { hasVrrpInstances, loadVrrpConfig } from '../vrrp/load.js';
import { VrrpSpeaker } from '../vrrp/speaker.js';
import { ownModuleSpec, type DirectorHost, type DirectorModule, type DirectorModuleFactory, type ModuleSpec } from './modules.js';

export interface VrrpModuleOptions {
  keepalivedConf?: string;
  interfaces?: Record<string, string>;
}

const factory: DirectorModuleFactory = (options: unknown): DirectorModule => {
  const opts = (options ?? {}) as VrrpModuleOptions;
  let speaker: VrrpSpeaker | undefined;
  return {
    name: 'vrrp',
    async start(host: DirectorHost) {
      const text = opts.keepalivedConf ?? host.config.keepalivedConf;
      if (!text) throw new Error('vrrp module: no keepalived.conf (neither module options nor the daemon config have one)');
      const { config } = loadVrrpConfig(text, { file: host.config.keepalivedFile, ...(opts.interfaces ? { interfaces: opts.interfaces } : {}) });
      speaker = await VrrpSpeaker.start({
        config,
        log: (l) => host.log(`vrrp: ${l}`),
        onTransition: (ev) => host.events.emit('vrrpTransition', ev),
      });
    },
    async stop(how) {
      // SIGKILL semantics are the caller's (the process dies); 'kill' here still must not resign
      if (how === 'graceful') await speaker?.stop();
    },
    status() {
      return speaker?.status() ?? { instances: [] };
    },
    control(call) {
      if (call === 'status') return speaker?.status();
      throw new Error(`vrrp module: unknown call '${call}' (status)`);
    },
  };
};
export default factory;

/** The module spec the embedded backend adds to a director's daemon config when it needs VRRP. */
export function vrrpModuleSpec(keepalivedConf: string | undefined, options: VrrpModuleOptions = {}): ModuleSpec | undefined {
  if (!keepalivedConf || !hasVrrpInstances(keepalivedConf)) return undefined;
  return ownModuleSpec(import.meta.url, 'VRRP module', options);
}
