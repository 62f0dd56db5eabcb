// The `embedded` backend: lvslab's director in each director namespace of a built lab, as two
// processes like the kernel and keepalived: the director daemon (main.ts: TypeScript IPVS, NFQUEUE
// data plane, sync daemons, the control socket) and, when the director has a keepalived.conf, its
// keepalived side (keepalived-main.ts: VRRP, health checks, lvs_sync_daemon, the virtual servers it
// implies), which reaches IPVS over the daemon's control socket. Suites and `lvslab run` use it
// through the BackendSession interface; `lvslab ipvsadm` reaches a running daemon through its socket,
// and kept.ts runs the processes of labs kept by `lvslab up` from any process.
import fs from 'node:fs';
import path from 'node:path';
import { compiledPath } from '../../lab/dist-path.js';
import type { Lab, SpawnedProcess } from '../../lab/index.js';
import { settlesWithin } from '../../lab/procs.js';
import { runDirOf } from '../../lab/rundir.js';
import type { BackendSession, DirectorConfig } from '../backend.js';
import { kernelProfile } from '../ipvs/kernel.js';
import type { IpvsadmResult, IpvsSnapshot } from '../ipvs/types.js';
import { checkerModuleSpec } from './checker-module.js';
import { controlRequest } from './control.js';
import type { DaemonConfig, DaemonStatus } from './daemon.js';
import type { KeepalivedSideConfig, KeepalivedSideStatus } from './keepalived.js';
import { lockHolder } from './lock.js';
import { syncModuleSpec } from './sync-module.js';
import { vrrpModuleSpec } from './vrrp-module.js';

/** A director daemon's files in the lab's run directory. */
export interface DirectorFiles {
  /** the control socket */
  socket: string;
  /** the daemon's configuration, written at start and kept: `lvslab fault LAB DS start` reuses it */
  config: string;
  /** flock'd by the daemon for its life (lock.ts): one daemon per director */
  lock: string;
  /** flock'd by whoever starts, stops or reboots the daemon from outside (kept.ts) */
  ops: string;
  /** the log's name under logs/ */
  logName: string;
  /** the keepalived side's files: its socket, recorded configuration (absent: the director has no keepalived.conf), lock and log */
  keepalived: { socket: string; config: string; lock: string; logName: string };
}

export function directorFiles(labId: string, director: string): DirectorFiles {
  const dir = runDirOf(labId);
  return {
    socket: path.join(dir, `director-${director}.sock`),
    config: path.join(dir, `director-${director}.json`),
    lock: path.join(dir, `director-${director}.lock`),
    ops: path.join(dir, `director-${director}.ops.lock`),
    logName: `director-${director}`,
    keepalived: {
      socket: path.join(dir, `keepalived-${director}.sock`),
      config: path.join(dir, `keepalived-${director}.json`),
      lock: path.join(dir, `keepalived-${director}.lock`),
      logName: `keepalived-${director}`,
    },
  };
}

/** The control socket of a lab's director daemon (in the lab's run directory). */
export function directorSocketPath(labId: string, director: string): string {
  return directorFiles(labId, director).socket;
}

/** The daemon's compiled entry point. Under vitest this module runs from src/, the daemon from dist/. */
export function directorEntry(): string {
  return compiledPath(new URL('./main.js', import.meta.url), 'director daemon');
}

/** The keepalived side's compiled entry point. */
export function keepalivedEntry(): string {
  return compiledPath(new URL('./keepalived-main.js', import.meta.url), 'keepalived side');
}

/**
 * One status for both processes: the daemon's, with the keepalived side's modules (vrrp, checker,
 * the sync plan) among its own (the sync daemons' counters), as the one-process daemon gave it.
 */
export function mergeStatus(dataplane: DaemonStatus, keepalived: KeepalivedSideStatus | undefined): DaemonStatus {
  if (!keepalived) return dataplane;
  const modules: Record<string, unknown> = { ...dataplane.modules };
  for (const [name, st] of Object.entries(keepalived.modules)) {
    const own = modules[name];
    modules[name] = own && typeof own === 'object' && st && typeof st === 'object' ? { ...own, ...st } : st;
  }
  return { ...dataplane, modules, keepalived: { pid: keepalived.pid, uptimeSeconds: keepalived.uptimeSeconds } };
}

export interface EmbeddedBackendOptions {
  /** how long a daemon may take to answer its control socket after start (default 15 s) */
  startTimeoutMs?: number;
  /** extra daemon settings for every director (tests: a fixture core, another queue number) */
  daemon?: Partial<Pick<DaemonConfig, 'queue' | 'queueMaxlen' | 'markBase' | 'transport'>> & { coreModule?: string };
  /** let the daemons outlive this process (labs kept by `lvslab up`; teardown still kills them) */
  detached?: boolean;
}

export class EmbeddedSession implements BackendSession {
  readonly backend = 'embedded' as const;
  private readonly procs = new Map<string, SpawnedProcess>();
  private readonly keepalived = new Map<string, SpawnedProcess>();

  constructor(
    readonly lab: Lab,
    private readonly opts: EmbeddedBackendOptions = {},
  ) {}

  /** The daemon's pid on a director, if this session started one that still runs. */
  pidOf(director: string): number | undefined {
    return this.procs.get(director)?.pid;
  }

  /** The keepalived side's pid on a director, if this session started one that still runs. */
  keepalivedPidOf(director: string): number | undefined {
    return this.keepalived.get(director)?.pid;
  }

  socketOf(director: string): string {
    return directorSocketPath(this.lab.id, director);
  }

  async startDirector(director: string, config: DirectorConfig): Promise<void> {
    this.directorHost(director);
    if (this.procs.has(director)) throw new Error(`embedded backend: director '${director}' is already running (pid ${this.procs.get(director)!.pid})`);
    const files = directorFiles(this.lab.id, director);
    const holder = lockHolder(files.lock);
    if (holder !== undefined) throw new Error(`embedded backend: a director daemon is already running on ${director} (pid ${holder})`);
    const kHolder = lockHolder(files.keepalived.lock);
    if (kHolder !== undefined) throw new Error(`embedded backend: keepalived is already running on ${director} (pid ${kHolder})`);
    // the data plane: IPVS, the ipvsadm lines, the sync daemons (the sync module reports them)
    const daemonConfig: DaemonConfig & { coreModule?: string } = {
      director,
      socket: files.socket,
      lock: files.lock,
      dataplane: config.dataplane ?? 'per-packet',
      ...(config.kernel !== undefined ? { kernel: kernelProfile(config.kernel).release } : {}),
      ipvsadm: config.ipvsadm,
      modules: [syncModuleSpec()],
      ...this.opts.daemon,
    };
    fs.writeFileSync(files.config, JSON.stringify(daemonConfig, null, 2), { mode: 0o600 });
    // keepalived's side, after the ipvsadm lines as on Linux (ipvsadm, then keepalived)
    if (config.keepalivedConf !== undefined) {
      const vrrp = vrrpModuleSpec(config.keepalivedConf);
      const checker = checkerModuleSpec(config.keepalivedConf);
      const kConfig: KeepalivedSideConfig = {
        director,
        socket: files.keepalived.socket,
        dataplaneSocket: files.socket,
        lock: files.keepalived.lock,
        keepalivedConf: config.keepalivedConf,
        ...(config.keepalivedFile ? { keepalivedFile: config.keepalivedFile } : {}),
        // sync first: it follows the VRRP instance's transitions from the very first one
        modules: [syncModuleSpec(), ...(vrrp ? [vrrp] : []), ...(checker ? [checker] : [])],
      };
      fs.writeFileSync(files.keepalived.config, JSON.stringify(kConfig, null, 2), { mode: 0o600 });
    } else {
      fs.rmSync(files.keepalived.config, { force: true });
    }
    await this.spawnDaemon(director);
  }

  private directorHost(director: string) {
    const host = this.lab.host(director);
    if (host.role !== 'director') throw new Error(`embedded backend: host '${director}' is a ${host.role}, not a director`);
    return host;
  }

  /** Whether the director's recorded configuration has a keepalived side (a keepalived.conf). */
  hasKeepalived(director: string): boolean {
    return fs.existsSync(directorFiles(this.lab.id, director).keepalived.config);
  }

  /**
   * Start the director from the configuration recorded in the run directory (by startDirector, here
   * or in another process) — the daemon, then its keepalived side if it has one — and wait until
   * both answer. Their locks make a second daemon or keepalived for the same director leave at once;
   * this then says which one runs. A keepalived side that cannot start takes the daemon down with
   * it: the director starts whole or not at all.
   */
  async spawnDaemon(director: string): Promise<number> {
    const files = directorFiles(this.lab.id, director);
    if (!fs.existsSync(files.config)) throw new Error(`embedded backend: ${director} has no recorded director configuration (${files.config})`);
    const pid = await this.spawnRole(director, 'daemon');
    if (this.hasKeepalived(director)) {
      try {
        await this.spawnRole(director, 'keepalived');
      } catch (err) {
        await this.stopDirector(director);
        throw err;
      }
    }
    return pid;
  }

  /** Start keepalived's side alone, beside a running daemon (after killKeepalived). Returns its pid. */
  async spawnKeepalived(director: string): Promise<number> {
    return await this.spawnRole(director, 'keepalived');
  }

  private async spawnRole(director: string, role: 'daemon' | 'keepalived'): Promise<number> {
    const host = this.directorHost(director);
    const files = directorFiles(this.lab.id, director);
    const [entry, config, logName, socket, procs, what] =
      role === 'daemon'
        ? [directorEntry(), files.config, files.logName, files.socket, this.procs, 'the director daemon']
        : [keepalivedEntry(), files.keepalived.config, files.keepalived.logName, files.keepalived.socket, this.keepalived, 'keepalived'];
    const proc = await host.spawn([process.execPath, entry, '--config', config], { logName, outliveOwner: this.opts.detached ?? false });
    procs.set(director, proc);
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 15_000);
    for (;;) {
      try {
        // the answer must come from ours: another process holding the lock would answer too
        const { pid } = await controlRequest<{ pid: number }>(socket, { op: 'ping' }, 1000);
        if (pid === proc.pid) return proc.pid;
        throw new Error(`pid ${pid} answered`);
      } catch {
        if (exited || Date.now() > deadline) {
          procs.delete(director);
          if (!exited) proc.kill('SIGKILL');
          const log = fs.existsSync(proc.logFile) ? fs.readFileSync(proc.logFile, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
          throw new Error(`embedded backend: ${what} on ${director} ${exited ? 'exited' : 'did not answer'} at start${log ? `:\n${log}` : ''}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async ipvsadm(director: string, args: string[], stdin?: string): Promise<IpvsadmResult> {
    this.lab.host(director);
    return await controlRequest<IpvsadmResult>(this.socketOf(director), { op: 'ipvsadm', argv: args, stdin });
  }

  /** The daemon's counters (packets, NAT rewrites, queue drops, rules state) and both processes' modules. */
  async status(director: string): Promise<DaemonStatus> {
    const dp = await controlRequest<DaemonStatus>(this.socketOf(director), { op: 'status' });
    const ka = this.keepalived.has(director) ? await controlRequest<KeepalivedSideStatus>(directorFiles(this.lab.id, director).keepalived.socket, { op: 'status' }) : undefined;
    return mergeStatus(dp, ka);
  }

  /** The core's state as the daemon sees it (for diagnostics; checks judge ipvsadm text). */
  async snapshot(director: string): Promise<IpvsSnapshot> {
    return await controlRequest<IpvsSnapshot>(this.socketOf(director), { op: 'snapshot' });
  }

  /** SIGTERM, SIGKILL after 10 s; resolves once the process is gone. */
  private async terminate(procs: Map<string, SpawnedProcess>, director: string): Promise<void> {
    const proc = procs.get(director);
    if (!proc) return;
    proc.kill('SIGTERM');
    if (!(await settlesWithin(proc.exited, 10_000))) {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    procs.delete(director);
  }

  private async killRole(procs: Map<string, SpawnedProcess>, director: string): Promise<void> {
    const proc = procs.get(director);
    if (!proc) return;
    proc.kill('SIGKILL');
    await proc.exited;
    procs.delete(director);
  }

  /** keepalived first (VRRP resigns with priority 0, its VIPs go), then the data plane (its rules go). */
  async stopDirector(director: string): Promise<void> {
    await this.terminate(this.keepalived, director);
    await this.terminate(this.procs, director);
  }

  /**
   * SIGKILL both processes, keepalived's side first (so no advert leaves after the data plane is
   * gone): the daemon's rules stay behind (its queue is bypassed, so VIP traffic reaches the
   * director's own stack), and so do the VIPs, as a crash would leave them; the next start clears
   * the rules.
   */
  async killDirector(director: string): Promise<void> {
    await this.killRole(this.keepalived, director);
    await this.killRole(this.procs, director);
  }

  /**
   * SIGKILL keepalived's side only: the data plane keeps forwarding with its table and connections,
   * the VIPs stay on their interfaces, and the peers stop hearing adverts (a backup takes the VIP
   * too after its master-down interval) — Linux when keepalived crashes.
   */
  async killKeepalived(director: string): Promise<void> {
    this.directorHost(director);
    if (!this.procs.has(director) && !this.keepalived.has(director)) throw new Error(`${director}: the director is not running (nothing to kill)`);
    if (!this.hasKeepalived(director)) throw new Error(`${director}: the director runs no keepalived (it was started without a keepalived.conf)`);
    if (!this.keepalived.has(director)) throw new Error(`${director}: keepalived is not running (nothing to kill)`);
    await this.killRole(this.keepalived, director);
  }

  /** Start keepalived's side again with the director's keepalived.conf, beside its running data plane. */
  async startKeepalived(director: string): Promise<void> {
    this.directorHost(director);
    if (!this.hasKeepalived(director)) throw new Error(`${director}: the director runs no keepalived (it was started without a keepalived.conf): nothing to start`);
    if (this.keepalived.has(director)) throw new Error(`${director}: keepalived is already running (pid ${this.keepalived.get(director)!.pid})`);
    const kHolder = lockHolder(directorFiles(this.lab.id, director).keepalived.lock);
    if (kHolder !== undefined) throw new Error(`${director}: keepalived is already running (pid ${kHolder})`);
    if (!this.procs.has(director)) throw new Error(`${director}: the director daemon is not running: keepalived needs its IPVS (start the director instead)`);
    await this.spawnKeepalived(director);
  }

  async close(): Promise<void> {
    const all = new Set([...this.procs.keys(), ...this.keepalived.keys()]);
    await Promise.allSettled([...all].map((d) => this.stopDirector(d)));
  }
}

/** The embedded backend bound to a built lab. */
export function openEmbeddedBackend(lab: Lab, opts: EmbeddedBackendOptions = {}): EmbeddedSession {
  return new EmbeddedSession(lab, opts);
}
