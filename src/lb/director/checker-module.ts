// keepalived's health checkers hosted by the director daemon (modules.ts): every TCP_CHECK, HTTP_GET,
// SSL_GET and MISC_CHECK of the keepalived.conf's real servers, probed (and scripts run) from the
// director's namespace, where the daemon runs. A server failing a check leaves the service (`-d`, or
// weight 0 under inhibit_on_failure) and returns when all its checks pass; quorum, hysteresis and the
// sorry server decide the pool. Changes go through the daemon's ipvsadm path, so `ipvsadm -Ln` and the
// data-plane rules follow; log lines as keepalived's. The checking itself: src/lb/keepalived/healthcheck/.
import { HealthChecker } from '../keepalived/healthcheck/checker.js';
import { checkerPlans } from '../keepalived/healthcheck/plan.js';
import { ownModuleSpec, type DirectorHost, type DirectorModule, type DirectorModuleFactory, type ModuleSpec } from './modules.js';

export interface CheckerOptions {
  keepalivedConf?: string;
  /** ms before the first check: keepalived waits 1 s, then a random warmup (default up to delay_loop) */
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
      const { virtualServers, plans } = checkerPlans(text);
      checker = new HealthChecker(virtualServers, (argv) => host.ipvsadm(argv), (l) => host.log(`checker: ${l}`));
      const bootstrap = opts.bootstrapMs ?? 1000;
      const warmup = opts.warmup ?? true;
      checker.start((p) => bootstrap + (warmup ? Math.floor(Math.random() * p.warmupMs) : 0));
      host.log(`checker: ${plans.length} check(s) started`);
    },
    async stop() {
      await checker?.stop();
    },
    status() {
      return checker?.status() ?? { servers: [], virtualServers: [] };
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
