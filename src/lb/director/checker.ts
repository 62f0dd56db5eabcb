// The health checker hosted by the director daemon: keepalived's TCP_CHECK / HTTP_GET for the
// real servers of the keepalived.conf's virtual_servers, probed from the director's namespace
// (the daemon runs there). A server that fails its check and retries leaves the service (`-d`),
// or gets weight 0 under inhibit_on_failure; one success puts it back. Changes go through the
// daemon's ipvsadm path, so `ipvsadm -Ln` and the data-plane rules follow.
import net from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parseKeepalivedConf } from '../keepalived/index.js';
import type { DirectorHost, DirectorModule, DirectorModuleFactory, ModuleSpec } from './daemon.js';
import { plansFor, RealServerCheck, type CheckPlan, type ResolvedProbe } from './checker-state.js';

export type ProbeResult = { ok: true } | { ok: false; error: string };
export type Prober = (probe: ResolvedProbe) => Promise<ProbeResult>;

export interface CheckerOptions {
  keepalivedConf?: string;
  /** ms before the first check: keepalived waits 1 s, then a random warmup up to delay_loop */
  bootstrapMs?: number;
  /** false: no random warmup (tests); default true */
  warmup?: boolean;
}

/** TCP_CHECK: a connect within the timeout, then close. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: false, error: e.code ?? e.message });
    });
  });
}

/** HTTP_GET: every url answers an allowed status within the timeout. Digests are not checked. */
async function httpProbe(p: Extract<ResolvedProbe, { kind: 'http' }>): Promise<ProbeResult> {
  const hostPart = p.host.includes(':') ? `[${p.host}]` : p.host;
  for (const u of p.urls) {
    try {
      const res = await request(`http://${hostPart}:${p.port}${u.path}`, {
        method: 'GET',
        signal: AbortSignal.timeout(p.timeoutMs),
        headers: { connection: 'close', ...(p.virtualhost ? { host: p.virtualhost } : {}) },
      });
      await res.body.dump();
      if (!u.status(res.statusCode)) return { ok: false, error: `status ${res.statusCode} for ${u.path}` };
    } catch (e) {
      return { ok: false, error: (e as Error).name === 'TimeoutError' ? `timeout after ${p.timeoutMs} ms` : ((e as NodeJS.ErrnoException).code ?? (e as Error).message) };
    }
  }
  return { ok: true };
}

export const defaultProber: Prober = (p) => (p.kind === 'tcp' ? tcpProbe(p.host, p.port, p.timeoutMs) : httpProbe(p));

export interface CheckerStatus {
  servers: Array<{ vs: string; rs: string; alive: boolean; lastError: string | null; checks: number }>;
  skipped: string[];
}

/** Runs the checks of a set of plans; timers and prober injectable for tests. */
export class HealthChecker {
  private readonly checks: RealServerCheck[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly info = new Map<RealServerCheck, { lastError: string | null; checks: number }>();
  private stopped = false;

  constructor(
    plans: CheckPlan[],
    private readonly apply: (argv: string[]) => Promise<{ status: number; stderr?: string }>,
    private readonly log: (line: string) => void,
    private readonly prober: Prober = defaultProber,
    readonly skipped: string[] = [],
  ) {
    this.checks = plans.map((p) => new RealServerCheck(p));
    for (const c of this.checks) this.info.set(c, { lastError: null, checks: 0 });
  }

  start(firstDelay: (plan: CheckPlan) => number): void {
    for (const c of this.checks) this.schedule(c, firstDelay(c.plan));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  status(): CheckerStatus {
    return {
      servers: this.checks.map((c) => ({ vs: c.plan.vsLabel, rs: c.plan.rsLabel, alive: c.alive, ...this.info.get(c)! })),
      skipped: this.skipped,
    };
  }

  private schedule(c: RealServerCheck, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.runOnce(c);
    }, ms);
    this.timers.add(t);
  }

  private async runOnce(c: RealServerCheck): Promise<void> {
    let result: ProbeResult;
    try {
      result = await this.prober(c.plan.probe);
    } catch (e) {
      result = { ok: false, error: (e as Error).message };
    }
    if (this.stopped) return;
    const info = this.info.get(c)!;
    info.checks++;
    info.lastError = result.ok ? null : result.error;
    const step = c.onResult(result.ok, result.ok ? undefined : result.error);
    for (const line of step.log) this.log(line);
    if (step.action.kind !== 'none') {
      try {
        const r = await this.apply(step.action.argv);
        if (r.status !== 0) this.log(`checker: ipvsadm ${step.action.argv.join(' ')} failed: ${r.stderr || `exit ${r.status}`}`);
      } catch (e) {
        this.log(`checker: ipvsadm ${step.action.argv.join(' ')} failed: ${(e as Error).message}`);
      }
    }
    this.schedule(c, step.nextInMs);
  }
}

/** Checker plans of a keepalived.conf: every virtual_server's checked real servers. */
export function checkerPlans(keepalivedConf: string): { plans: CheckPlan[]; skipped: string[] } {
  const { config } = parseKeepalivedConf(keepalivedConf);
  const plans: CheckPlan[] = [];
  const skipped: string[] = [];
  for (const vs of config.virtualServers) {
    const r = plansFor(vs);
    plans.push(...r.plans);
    skipped.push(...r.skipped);
  }
  for (const p of plans) {
    if (p.probe.kind === 'http' && p.probe.urls.some((u) => u.digest)) skipped.push(`${p.dest}: HTTP_GET digest is not checked (status code only)`);
  }
  return { plans, skipped };
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
  return { import: compiledSelf(), options };
}

/** The daemon runs compiled JS: under vitest this module is src/…/checker.ts, point at dist/. */
function compiledSelf(): string {
  const here = fileURLToPath(import.meta.url);
  const dist = here.replace(/\/src\/lb\/director\/checker\.ts$/, '/dist/lb/director/checker.js');
  if (dist !== here && !existsSync(dist)) throw new Error(`lvslab checker module not built: ${dist} is missing (run 'npm run build')`);
  return dist;
}
