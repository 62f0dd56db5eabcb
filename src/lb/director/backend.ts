// The `embedded` backend: lvslab's director daemon (TypeScript IPVS, NFQUEUE data plane, hosted
// VRRP) started in each director namespace of a built lab. Suites and `lvslab run` use it through
// the BackendSession interface; `lvslab ipvsadm` reaches a running daemon through its socket, and
// kept.ts runs the daemons of labs kept by `lvslab up` from any process.
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
}

export function directorFiles(labId: string, director: string): DirectorFiles {
  const dir = runDirOf(labId);
  return {
    socket: path.join(dir, `director-${director}.sock`),
    config: path.join(dir, `director-${director}.json`),
    lock: path.join(dir, `director-${director}.lock`),
    ops: path.join(dir, `director-${director}.ops.lock`),
    logName: `director-${director}`,
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

  constructor(
    readonly lab: Lab,
    private readonly opts: EmbeddedBackendOptions = {},
  ) {}

  /** The daemon's pid on a director, if this session started one that still runs. */
  pidOf(director: string): number | undefined {
    return this.procs.get(director)?.pid;
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
    const vrrp = vrrpModuleSpec(config.keepalivedConf);
    const checker = checkerModuleSpec(config.keepalivedConf);
    const daemonConfig: DaemonConfig & { coreModule?: string } = {
      director,
      socket: files.socket,
      lock: files.lock,
      dataplane: config.dataplane ?? 'per-packet',
      ...(config.kernel !== undefined ? { kernel: kernelProfile(config.kernel).release } : {}),
      ipvsadm: config.ipvsadm,
      keepalivedConf: config.keepalivedConf,
      ...(config.keepalivedFile ? { keepalivedFile: config.keepalivedFile } : {}),
      // sync first: it follows the VRRP instance's transitions from the very first one
      modules: [syncModuleSpec(), ...(vrrp ? [vrrp] : []), ...(checker ? [checker] : [])],
      ...this.opts.daemon,
    };
    fs.writeFileSync(files.config, JSON.stringify(daemonConfig, null, 2), { mode: 0o600 });
    await this.spawnDaemon(director);
  }

  private directorHost(director: string) {
    const host = this.lab.host(director);
    if (host.role !== 'director') throw new Error(`embedded backend: host '${director}' is a ${host.role}, not a director`);
    return host;
  }

  /**
   * Start the daemon from the configuration recorded in the run directory (by startDirector, here
   * or in another process) and wait until it answers. Its lock makes a second daemon for the same
   * director leave at once; this then says which one runs.
   */
  async spawnDaemon(director: string): Promise<number> {
    const host = this.directorHost(director);
    const files = directorFiles(this.lab.id, director);
    if (!fs.existsSync(files.config)) throw new Error(`embedded backend: ${director} has no recorded director configuration (${files.config})`);
    const proc = await host.spawn([process.execPath, directorEntry(), '--config', files.config], { logName: files.logName, outliveOwner: this.opts.detached ?? false });
    this.procs.set(director, proc);
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 15_000);
    for (;;) {
      try {
        // the answer must come from ours: another daemon holding the lock would answer too
        const { pid } = await controlRequest<{ pid: number }>(files.socket, { op: 'ping' }, 1000);
        if (pid === proc.pid) return proc.pid;
        throw new Error(`pid ${pid} answered`);
      } catch {
        if (exited || Date.now() > deadline) {
          this.procs.delete(director);
          if (!exited) proc.kill('SIGKILL');
          const log = fs.existsSync(proc.logFile) ? fs.readFileSync(proc.logFile, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
          throw new Error(`embedded backend: the director daemon on ${director} ${exited ? 'exited' : 'did not answer'} at start${log ? `:\n${log}` : ''}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async ipvsadm(director: string, args: string[], stdin?: string): Promise<IpvsadmResult> {
    this.lab.host(director);
    return await controlRequest<IpvsadmResult>(this.socketOf(director), { op: 'ipvsadm', argv: args, stdin });
  }

  /** The daemon's counters: packets, NAT rewrites, queue drops, rules state, hosted modules. */
  async status(director: string): Promise<DaemonStatus> {
    return await controlRequest<DaemonStatus>(this.socketOf(director), { op: 'status' });
  }

  /** The core's state as the daemon sees it (for diagnostics; checks judge ipvsadm text). */
  async snapshot(director: string): Promise<IpvsSnapshot> {
    return await controlRequest<IpvsSnapshot>(this.socketOf(director), { op: 'snapshot' });
  }

  async stopDirector(director: string): Promise<void> {
    const proc = this.procs.get(director);
    if (!proc) return;
    proc.kill('SIGTERM');
    if (!(await settlesWithin(proc.exited, 10_000))) {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    this.procs.delete(director);
  }

  /**
   * SIGKILL: the daemon's rules stay behind (its queue is bypassed, so VIP traffic reaches the
   * director's own stack), as a crashed process would leave them; the next start clears them.
   */
  async killDirector(director: string): Promise<void> {
    const proc = this.procs.get(director);
    if (!proc) return;
    proc.kill('SIGKILL');
    await proc.exited;
    this.procs.delete(director);
  }

  /** Not yet: the embedded director still runs IPVS and VRRP in one process (docs/director.md). */
  async killKeepalived(director: string): Promise<void> {
    throw new Error(`${director}: the embedded director runs its data plane and keepalived side in one process; killing keepalived alone is not possible yet`);
  }

  async startKeepalived(director: string): Promise<void> {
    throw new Error(`${director}: the embedded director runs its data plane and keepalived side in one process; starting keepalived alone is not possible yet`);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.procs.keys()].map((d) => this.stopDirector(d)));
  }
}

/** The embedded backend bound to a built lab. */
export function openEmbeddedBackend(lab: Lab, opts: EmbeddedBackendOptions = {}): EmbeddedSession {
  return new EmbeddedSession(lab, opts);
}
