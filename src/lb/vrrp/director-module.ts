// VRRP hosted by the director daemon (src/lb/director/daemon.ts module hook): started when the
// director's keepalived.conf has vrrp_instances, stopped gracefully (priority 0) before the data
// plane goes down. Options: { keepalivedConf?: string (default: the daemon's), interfaces?: map }.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DirectorHost, DirectorModule, DirectorModuleFactory, ModuleSpec } from '../director/daemon.js';
import { hasVrrpInstances, loadVrrpConfig } from './load.js';
import { VrrpSpeaker } from './speaker.js';

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
      const { config } = loadVrrpConfig(text, opts.interfaces ? { interfaces: opts.interfaces } : {});
      speaker = await VrrpSpeaker.start({ config, log: (l) => host.log(`vrrp: ${l}`) });
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
  return { import: compiledSelf(), options };
}

/** The daemon runs compiled JS: under vitest this module is src/…/director-module.ts, point at dist/. */
function compiledSelf(): string {
  const here = fileURLToPath(import.meta.url);
  const dist = here.replace(/\/src\/lb\/vrrp\/director-module\.ts$/, '/dist/lb/vrrp/director-module.js');
  if (dist !== here && !existsSync(dist)) throw new Error(`lvslab VRRP module not built: ${dist} is missing (run 'npm run build')`);
  return dist;
}
