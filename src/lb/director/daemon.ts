// The director daemon: one per director namespace, the kernel's part of a director. It holds the
// IPVS core, feeds it the packets NFQUEUE gives us, keeps the netfilter/routing rules in step with
// the configured services, answers the control socket, and hosts the modules given to it
// (modules.ts says what they get). The embedded backend gives it the sync daemons' reporting only:
// keepalived's part (VRRP, the health checkers, lvs_sync_daemon) runs in a process of its own,
// keepalived.ts, and reaches this one over the control socket, so it can die alone.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { processStart } from '../../lab/procs.js';
import type { IpvsadmResult, IpvsSnapshot } from '../ipvs/types.js';
import { configToIpvsadmCommands, parseKeepalivedConf } from '../keepalived/index.js';
import { defaultRunner } from './command.js';
import { CONF_WRITER, splitArgs, timestamped } from './lines.js';
import { ControlServer, type ControlRequest } from './control.js';
import { Dataplane, type DataplaneStats } from './dataplane.js';
import type { IpvsCore } from './ipvs-core.js';
import { DestMarks, DEFAULT_MARK_BASE } from './marks.js';
import { callModule, loadModule, type DirectorEvents, type DirectorHost, type DirectorModule, type HostConfig, type ModuleSpec } from './modules.js';
import { RulesManager, type DataplaneMode, type RuleService } from './netfilter.js';
import { emptyQueueStats, NfQueue, parseProcQueue, type KernelQueueCounters, type NfQueueStats, type PacketHandler } from './nfqueue.js';
import { TunnelRoutes } from './tunnel-routes.js';

export interface DaemonConfig extends HostConfig {
  /** control socket path (in the lab's run directory) */
  socket: string;
  /** NFQUEUE number; queues are per network namespace, so 0 suits every director */
  queue?: number;
  /** packets the kernel holds for us before dropping (default 16384, 4096 on the netlink addon); drops show in status */
  queueMaxlen?: number;
  /** the netlink socket: the `netlink` addon (default) or koffi (see netlink-koffi.ts) */
  transport?: 'netlink' | 'koffi';
  dataplane?: DataplaneMode;
  /** the kernel the embedded IPVS models (a kernelProfile name); the pinned one when absent */
  kernel?: string;
  /** ipvsadm argument lines applied at start, after the keepalived.conf's virtual servers */
  ipvsadm?: string[];
  markBase?: number;
  modules?: ModuleSpec[];
  /** the lock file that makes this the director's only daemon (taken by main.ts before anything else) */
  lock?: string;
  /** how often to check that our rules are still installed (default 5000 ms; 0: never) */
  rulesCheckMs?: number;
}

/** The rules side, abstracted so tests can drive the daemon without iptables. */
export type RulesLike = Pick<RulesManager, 'apply' | 'remove'> & Partial<Pick<RulesManager, 'check' | 'reinstall'>>;

export { splitArgs, timestamped } from './lines.js';

/** The queue side, abstracted so tests can drive the daemon without a kernel. */
export interface QueueLike {
  readonly stats: NfQueueStats;
  close(): void;
}
export type QueueOpener = (queue: number, handler: PacketHandler, maxlen?: number) => Promise<QueueLike>;

export interface DaemonDeps {
  rules?: RulesLike;
  openQueue?: QueueOpener;
  log?: (msg: string) => void;
  /** read /proc/net/netfilter/nfnetlink_queue (our netns) for the kernel's drop counters */
  readProcQueue?: () => string;
  /** modules built with the core (the sync engine), started before the configured ones */
  builtinModules?: DirectorModule[];
  /** tunnel endpoint lookups (runs `ip route get` and sysctl in the daemon's namespace) */
  tunnels?: Pick<TunnelRoutes, 'refresh' | 'endpointFor' | 'describe'>;
}

export interface DaemonStatus {
  director: string;
  pid: number;
  mode: DataplaneMode;
  queue: number;
  uptimeSeconds: number;
  dataplane: DataplaneStats;
  nfqueue: NfQueueStats;
  /** the kernel's view: packets waiting, dropped because the queue was full, dropped delivering to us */
  kernelQueue: KernelQueueCounters | null;
  marks: Array<{ dest: string; mark: number }>;
  /** TUN destinations: the source address and MTU their tunnel packets use */
  tunnels: Array<{ dest: string; saddr: string; mtu: number }>;
  rulesError: string | null;
  /** times the rules were found removed behind the daemon's back and installed again */
  rulesReinstalled: number;
  services: RuleService[];
  modules: Record<string, unknown>;
  /** the embedded backend's status only: the director's keepalived side, when it runs (backend.ts mergeStatus) */
  keepalived?: { pid: number; uptimeSeconds: number };
}

export function servicesOf(s: IpvsSnapshot): RuleService[] {
  return s.services.map((svc) => ({
    key: svc.key,
    dests: svc.dests.map((d) => ({ addr: d.addr, port: d.port, forwarding: d.options.forwarding })),
  }));
}

export class DirectorDaemon implements DirectorHost {
  private readonly started = Date.now();
  private readonly marks: DestMarks;
  private readonly dataplane: Dataplane;
  private readonly rules: RulesLike;
  private readonly tunnels: Pick<TunnelRoutes, 'refresh' | 'endpointFor' | 'describe'>;
  private queue: QueueLike | null = null;
  private control: ControlServer | null = null;
  private modules: DirectorModule[] = [];
  private servicesFp = '';
  private services: RuleService[] = [];
  private rulesError: string | null = null;
  private rulesReinstalled = 0;
  private rulesWatch: NodeJS.Timeout | null = null;
  private rulesChain: Promise<void> = Promise.resolve();
  private changeListeners: Array<(s: RuleService[]) => void> = [];
  private stopping: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;
  readonly events = new EventEmitter<DirectorEvents>();
  readonly log: (msg: string) => void;

  private constructor(
    readonly config: DaemonConfig,
    readonly core: IpvsCore,
    private readonly deps: DaemonDeps,
  ) {
    this.marks = new DestMarks(config.markBase ?? DEFAULT_MARK_BASE);
    this.tunnels = deps.tunnels ?? new TunnelRoutes(defaultRunner);
    this.dataplane = new Dataplane(core, this.marks, this.mode, this.tunnels);
    this.rules = deps.rules ?? new RulesManager();
    this.log = deps.log ?? ((m) => process.stderr.write(timestamped(m)));
  }

  get mode(): DataplaneMode {
    return this.config.dataplane ?? 'per-packet';
  }

  /** Configure the core, start the data plane and the modules, then open the control socket. */
  static async start(config: DaemonConfig, core: IpvsCore, deps: DaemonDeps = {}): Promise<DirectorDaemon> {
    // the rules carry this process as their owner, so no other daemon removes them (netfilter.ts)
    const rules = deps.rules ?? new RulesManager(defaultRunner, { director: config.director, pid: process.pid, start: (await processStart(process.pid)) ?? 0 });
    const d = new DirectorDaemon(config, core, { ...deps, rules });
    try {
      d.configure();
      const open: QueueOpener = deps.openQueue ?? ((queue, handler, maxlen) => NfQueue.open({ queue, maxlen, transport: config.transport }, handler));
      d.queue = await open(config.queue ?? 0, d.dataplane.handle, config.queueMaxlen);
      await d.syncRules(true);
      for (const m of deps.builtinModules ?? []) await d.startModule(m);
      for (const spec of config.modules ?? []) await d.startModule(await loadModule(spec));
      d.control = await ControlServer.listen(config.socket, (req) => d.onControl(req));
      // timers also run on packets and on ipvsadm; this keeps expiry and the rate estimator on
      // time while the director is idle
      if (core.advance) d.ticker = setInterval(() => core.advance!(), 1000);
      const every = config.rulesCheckMs ?? 5000;
      if (every > 0 && rules.check) d.rulesWatch = setInterval(() => void d.checkRules(), every);
      d.log(`ready: ${d.mode} data plane (${config.transport ?? 'koffi'}), queue ${config.queue ?? 0}, ${d.services.length} service(s), control ${config.socket}`);
      return d;
    } catch (err) {
      await d.teardown('kill');
      throw err;
    }
  }

  private configure(): void {
    const lines: Array<{ line: string; from: string }> = [];
    if (this.config.keepalivedConf !== undefined) {
      const { config, diagnostics } = parseKeepalivedConf(this.config.keepalivedConf, { file: this.config.keepalivedFile });
      // keepalived's own words, as its process that reads that part of the file prints them (the
      // parent, the checker or the VRRP child); lvslab's notes after them
      for (const dg of diagnostics) this.log(`${dg.level === 'note' ? 'note' : CONF_WRITER[dg.phase]}: ${dg.text}`);
      for (const line of configToIpvsadmCommands(config)) lines.push({ line, from: 'keepalived.conf virtual_server' });
    }
    for (const line of this.config.ipvsadm ?? []) lines.push({ line, from: 'ipvsadm' });
    for (const { line, from } of lines) {
      const r = this.core.ipvsadm(splitArgs(line));
      if (r.status !== 0) throw new Error(`${from}: 'ipvsadm ${line}' failed (status ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
  }

  async ipvsadm(argv: string[], stdin?: string): Promise<IpvsadmResult> {
    const r = this.core.ipvsadm(argv, stdin);
    await this.syncRules(false);
    return r;
  }

  /**
   * The rules watch: a daemon whose rules were removed behind its back (a flush, another process
   * cleaning up) installs them again and says so; if it cannot, it says that loudly (log, status).
   */
  private checkRules(): Promise<void> {
    const run = async () => {
      if (this.stopping || !this.rules.check || !this.rules.reinstall) return;
      const missing = await this.rules.check();
      if (missing.length === 0) return;
      this.log(`rules: this daemon's LVSLAB rules were removed (missing: ${missing.join('; ')}); installing them again`);
      try {
        await this.rules.reinstall();
        this.rulesReinstalled++;
        this.rulesError = null;
        this.log('rules: installed again');
      } catch (err) {
        this.rulesError = `rules were removed and could not be installed again: ${(err as Error).message}`;
        this.log(`rules: ERROR: ${this.rulesError}`);
      }
    };
    this.rulesChain = this.rulesChain.then(run, run);
    return this.rulesChain;
  }

  onServicesChanged(cb: (services: RuleService[]) => void): void {
    this.changeListeners.push(cb);
  }

  /** Re-derive the rules if the service table changed; serialized, and errors are kept for status. */
  private syncRules(first: boolean): Promise<void> {
    const run = async () => {
      const snap = this.core.snapshot();
      const services = servicesOf(snap);
      const fp = JSON.stringify(services);
      if (!first && fp === this.servicesFp) return;
      this.marks.sync(services);
      try {
        await this.rules.apply({
          queue: this.config.queue ?? 0,
          mode: this.mode,
          services,
          rejectMark: this.marks.rejectMark,
          destMarks: this.marks.forRules(services),
        });
        this.rulesError = null;
        // plain IPIP to IPv4 only: a GUE/GRE (or IPv6) destination gets no endpoint, so its packets
        // are dropped as unsupported rather than reach it in an encapsulation it does not expect
        const tunnelDests = [...new Set(snap.services.flatMap((s) => s.dests.filter((d) => d.options.forwarding === 'tunnel' && (d.options.tunnel?.type ?? 'ipip') === 'ipip' && !d.addr.includes(':')).map((d) => d.addr)))];
        const problems = await this.tunnels.refresh(tunnelDests);
        if (problems.length) throw new Error(problems.join('; '));
      } catch (err) {
        this.rulesError = (err as Error).message;
        this.log(`rules: ${this.rulesError}`);
        if (first) throw err;
      }
      this.servicesFp = fp;
      this.services = services;
      if (!first) for (const cb of this.changeListeners) cb(services);
    };
    this.rulesChain = this.rulesChain.then(run, run);
    return this.rulesChain;
  }

  private async startModule(m: DirectorModule): Promise<void> {
    await m.start(this);
    this.modules.push(m);
    this.log(`module ${m.name} started`);
  }

  status(): DaemonStatus {
    let kernelQueue: KernelQueueCounters | null = null;
    try {
      const text = (this.deps.readProcQueue ?? (() => fs.readFileSync('/proc/net/netfilter/nfnetlink_queue', 'utf8')))();
      kernelQueue = parseProcQueue(text, this.config.queue ?? 0);
    } catch {
      kernelQueue = null;
    }
    const modules: Record<string, unknown> = {};
    for (const m of this.modules) modules[m.name] = m.status?.() ?? {};
    return {
      director: this.config.director,
      pid: process.pid,
      mode: this.mode,
      queue: this.config.queue ?? 0,
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      dataplane: { ...this.dataplane.stats },
      nfqueue: { ...(this.queue?.stats ?? emptyQueueStats()) },
      kernelQueue,
      marks: this.marks.describe(),
      tunnels: this.tunnels.describe(),
      rulesError: this.rulesError,
      rulesReinstalled: this.rulesReinstalled,
      services: this.services,
      modules,
    };
  }

  private async onControl(req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'ipvsadm': {
        const argv = req.argv;
        if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new Error('ipvsadm: "argv" must be an array of strings');
        if (req.stdin !== undefined && typeof req.stdin !== 'string') throw new Error('ipvsadm: "stdin" must be a string');
        return await this.ipvsadm(argv as string[], req.stdin as string | undefined);
      }
      case 'status':
        return this.status();
      case 'snapshot':
        return this.core.snapshot();
      case 'ping':
        return { pid: process.pid };
      case 'module':
        return await callModule(this.modules, req.module, req.call, req.args);
      case 'stop':
        // answer first, then stop: the caller waits for the process to exit
        setImmediate(() => void this.stop().then(() => process.exit(0)));
        return { stopping: true };
      default:
        throw new Error(`unknown op '${req.op}' (ipvsadm, status, snapshot, ping, module, stop)`);
    }
  }

  /** Graceful stop: modules first (VRRP resigns), then control socket, rules, queue. */
  stop(): Promise<void> {
    this.stopping ??= this.teardown('graceful');
    return this.stopping;
  }

  private async teardown(how: 'graceful' | 'kill'): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    if (this.rulesWatch) clearInterval(this.rulesWatch);
    for (const m of [...this.modules].reverse()) {
      try {
        await m.stop(how);
      } catch (err) {
        this.log(`module ${m.name} stop: ${(err as Error).message}`);
      }
    }
    this.modules = [];
    await this.control?.close().catch(() => undefined);
    this.control = null;
    const problems = await this.rules.remove().catch((e: Error) => [e.message]);
    for (const p of problems) this.log(`rules removal: ${p}`);
    this.queue?.close();
    this.queue = null;
  }
}
