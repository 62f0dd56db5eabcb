// keepalived's side of an embedded director, in a process of its own (keepalived-main.ts) beside the
// data plane (daemon.ts), as keepalived runs beside the kernel's IPVS: it reads the keepalived.conf,
// installs the virtual servers it implies and hosts VRRP, the health checkers and lvs_sync_daemon
// (modules.ts). It reaches IPVS only through the data plane's control socket (control.ts), the way
// keepalived reaches the kernel over netlink: services, destinations, sync daemons. The VIPs are its
// own business (the VRRP speaker adds and removes them, with the gratuitous ARPs), so when it is
// SIGKILLed they stay on their interfaces and the data plane keeps forwarding with its table and
// connections — Linux after keepalived crashes. The other way round has no Linux counterpart (the
// kernel's IPVS does not die under a running keepalived): a data plane that is gone takes this
// process with it, as the director's death, so VRRP never advertises a director that forwards nothing.
import { EventEmitter } from 'node:events';
import type { IpvsadmResult } from '../ipvs/types.js';
import { configToIpvsadmCommands, parseKeepalivedConf } from '../keepalived/index.js';
import { ControlError, ControlServer, controlRequest, type ControlRequest } from './control.js';
import { CONF_WRITER, splitArgs, timestamped } from './lines.js';
import { callModule, loadModule, type DirectorEvents, type DirectorHost, type DirectorModule, type HostConfig, type ModuleSpec } from './modules.js';

export interface KeepalivedSideConfig extends HostConfig {
  /** this process's control socket (status, module calls, ping, stop) */
  socket: string;
  /** the data plane's control socket: the only way to IPVS */
  dataplaneSocket: string;
  /** the keepalived-side lock (lock.ts: one per director, taken by keepalived-main.ts first) */
  lock?: string;
  /** the keepalived side's modules, started in this order (sync first: it follows VRRP from the start) */
  modules?: ModuleSpec[];
  /** how often to check that the data plane still listens (default 1000 ms; 0: never) */
  dataplaneCheckMs?: number;
}

export interface KeepalivedSideStatus {
  director: string;
  pid: number;
  uptimeSeconds: number;
  modules: Record<string, unknown>;
}

/** A request to the data plane; the keepalived side never starts one (it reports what went wrong). */
export type DataplaneRequest = <T>(req: ControlRequest) => Promise<T>;

/**
 * `-A`/`-a` of something that already exists: a keepalived started again beside a data plane that
 * kept its table (keepalived was killed, the kernel was not). keepalived takes EEXIST on an add as
 * done and edits the entry to the configuration; so does this.
 */
export function editFor(argv: string[], stderr: string): string[] | undefined {
  if (argv[0] === '-A' && /Service already exists/.test(stderr)) return ['-E', ...argv.slice(1)];
  if (argv[0] === '-a' && /Destination already exists/.test(stderr)) return ['-e', ...argv.slice(1)];
  return undefined;
}

export class KeepalivedSide implements DirectorHost {
  private readonly started = Date.now();
  private modules: DirectorModule[] = [];
  private control: ControlServer | null = null;
  private stopping: Promise<void> | null = null;
  private watch: NodeJS.Timeout | null = null;
  readonly events = new EventEmitter<DirectorEvents>();
  readonly log: (msg: string) => void;
  private readonly request: DataplaneRequest;

  private constructor(
    readonly config: KeepalivedSideConfig,
    deps: { log?: (msg: string) => void; request?: DataplaneRequest },
  ) {
    this.log = deps.log ?? ((m) => process.stderr.write(timestamped(m)));
    this.request = deps.request ?? (<T>(req: ControlRequest) => controlRequest<T>(config.dataplaneSocket, req));
  }

  /**
   * Read the keepalived.conf, install its virtual servers, start the modules, then listen.
   * `onDataplaneGone` is called once nothing listens on the data plane's socket any more (a
   * stopped, silent daemon is not gone); keepalived-main.ts then ends the process.
   */
  static async start(config: KeepalivedSideConfig, deps: { log?: (msg: string) => void; request?: DataplaneRequest; onDataplaneGone?: (why: string) => void } = {}): Promise<KeepalivedSide> {
    const k = new KeepalivedSide(config, deps);
    try {
      await k.configure();
      for (const spec of config.modules ?? []) await k.startModule(await loadModule(spec));
      k.control = await ControlServer.listen(config.socket, (req) => k.onControl(req));
      const every = config.dataplaneCheckMs ?? 1000;
      if (every > 0 && deps.onDataplaneGone) k.watchDataplane(every, deps.onDataplaneGone);
      k.log(`keepalived: ready: ${k.modules.map((m) => m.name).join(', ') || 'no modules'}, data plane ${config.dataplaneSocket}, control ${config.socket}`);
      return k;
    } catch (err) {
      await k.teardown('kill');
      throw err;
    }
  }

  private watchDataplane(everyMs: number, onGone: (why: string) => void): void {
    let busy = false;
    this.watch = setInterval(() => {
      if (busy || this.stopping) return;
      busy = true;
      this.request({ op: 'ping' }).then(
        () => (busy = false),
        (err: Error) => {
          busy = false;
          if (!(err instanceof ControlError) || err.kind !== 'unreachable' || this.stopping) return;
          if (this.watch) clearInterval(this.watch);
          this.watch = null;
          onGone(err.message);
        },
      );
    }, everyMs);
  }

  private async configure(): Promise<void> {
    if (this.config.keepalivedConf === undefined) return;
    const { config, diagnostics } = parseKeepalivedConf(this.config.keepalivedConf, { file: this.config.keepalivedFile });
    // keepalived's own words, as its process that reads that part of the file prints them (the
    // parent, the checker or the VRRP child); lvslab's notes after them
    for (const dg of diagnostics) this.log(`${dg.level === 'note' ? 'note' : CONF_WRITER[dg.phase]}: ${dg.text}`);
    for (const line of configToIpvsadmCommands(config)) {
      const argv = splitArgs(line);
      let r = await this.ipvsadm(argv);
      const edit = r.status === 0 ? undefined : editFor(argv, r.stderr);
      if (edit) r = await this.ipvsadm(edit);
      if (r.status !== 0) throw new Error(`keepalived.conf virtual_server: 'ipvsadm ${line}' failed (status ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
  }

  /** ipvsadm in the data plane, over its control socket. */
  async ipvsadm(argv: string[], stdin?: string): Promise<IpvsadmResult> {
    return await this.request<IpvsadmResult>({ op: 'ipvsadm', argv, ...(stdin !== undefined ? { stdin } : {}) });
  }

  /** Wait until the data plane's sync daemons have settled (after lvs_sync_daemon starts or stops one). */
  async syncIdle(): Promise<void> {
    await this.request({ op: 'module', module: 'sync', call: 'idle' });
  }

  private async startModule(m: DirectorModule): Promise<void> {
    await m.start(this);
    this.modules.push(m);
    this.log(`keepalived: module ${m.name} started`);
  }

  status(): KeepalivedSideStatus {
    const modules: Record<string, unknown> = {};
    for (const m of this.modules) modules[m.name] = m.status?.() ?? {};
    return { director: this.config.director, pid: process.pid, uptimeSeconds: Math.round((Date.now() - this.started) / 1000), modules };
  }

  private async onControl(req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'status':
        return this.status();
      case 'ping':
        return { pid: process.pid };
      case 'module':
        return await callModule(this.modules, req.module, req.call, req.args);
      case 'stop':
        setImmediate(() => void this.stop().then(() => process.exit(0)));
        return { stopping: true };
      default:
        throw new Error(`unknown op '${req.op}' (status, ping, module, stop)`);
    }
  }

  /** Graceful stop, as keepalived on SIGTERM: VRRP resigns (priority 0) and drops its VIPs, the checkers stop. */
  stop(): Promise<void> {
    this.stopping ??= this.teardown('graceful');
    return this.stopping;
  }

  /** Gone with the director: nothing resigns, the VIPs stay where they are, as if the host died. */
  die(): Promise<void> {
    this.stopping ??= this.teardown('kill');
    return this.stopping;
  }

  private async teardown(how: 'graceful' | 'kill'): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    for (const m of [...this.modules].reverse()) {
      try {
        await m.stop(how);
      } catch (err) {
        this.log(`keepalived: module ${m.name} stop: ${(err as Error).message}`);
      }
    }
    this.modules = [];
    await this.control?.close().catch(() => undefined);
    this.control = null;
  }
}
