// keepalived's health checkers hosted by the director daemon (modules.ts): TCP_CHECK / HTTP_GET for
// the real servers of the keepalived.conf's virtual_servers, probed from the director's namespace
// (the daemon runs there). A server that fails its check and retries leaves the service (`-d`), or
// gets weight 0 under inhibit_on_failure; one success puts it back. Changes go through the daemon's
// ipvsadm path, so `ipvsadm -Ln` and the data-plane rules follow. The checking itself:
// src/lb/keepalived/healthcheck/.
import { HealthChecker } from '../keepalived/healthcheck/checker.js';
import { checkerPlans } from '../keepalived/healthcheck/plan.js';
import { defaultProber } from '../keepalived/healthcheck/probe.js';
import { ownModuleSpec, type DirectorHost, type DirectorModule, type DirectorModuleFactory, type ModuleSpec } from './modules.js';

export interface CheckerOptions {
  keepalivedConf?: string;
  /** ms before the first check: keepalived waits 1 s, then a random warmup up to delay_loop */
  bootstrapMs?: number;
  /** false: no random warmup (tests); default true */
  warmup?: boolean;
}

const factory: DirectorModuleFactory = (options: unknown): DirectorModule => {
  const opts = (options ?? {}) as CheckerOptions;
  let checker: HealthChecker | undefined;
  return {
    name: 'checker',
    start(host: DirectorHost) {
      const text = opts.keepalivedConf ?? host.config.keepalivedConf;
      if (!text) return;
      const { plans, skipped } = checkerPlans(text);
      for (const s of skipped) host.log(`checker: ${s}`);
      checker = new HealthChecker(plans, (argv) => host.ipvsadm(argv), (l) => host.log(`checker: ${l}`), defaultProber, skipped);
      const bootstrap = opts.bootstrapMs ?? 1000;
      const warmup = opts.warmup ?? true;
      checker.start((p) => bootstrap + (warmup ? Math.floor(Math.random() * p.delayLoopMs) : 0));
      host.log(`checker: ${plans.length} real server check(s) started`);
    },
    stop() {
      checker?.stop();
    },
    status() {
      return checker?.status() ?? { servers: [], skipped: [] };
    },
    control(call) {
      if (call === 'status') return checker?.status();
      throw new Error(`checker module: unknown call '${call}' (status)`);
    },
  };
};
export default factory;

/** The module spec the embedded backend adds when the keepalived.conf has checked real servers. */
export function checkerModuleSpec(keepalivedConf: string | undefined, options: CheckerOptions = {}): ModuleSpec | undefined {
  if (!keepalivedConf || checkerPlans(keepalivedConf).plans.length === 0) return undefined;
  return ownModuleSpec(import.meta.url, 'checker module', options);
}
