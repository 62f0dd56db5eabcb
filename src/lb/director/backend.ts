// The `embedded` backend: lvslab's director daemon (TypeScript IPVS, NFQUEUE data plane, hosted
// VRRP) started in each director namespace of a built lab. Suites and `lvslab run` use it through
// the BackendSession interface; `lvslab ipvsadm` reaches a running daemon through its socket.
import fs from 'node:fs';
import path from 'node:path';
import { compiledPath } from '../../lab/dist-path.js';
import { attachLab, type Lab, type SpawnedProcess } from '../../lab/index.js';
import { runDirOf } from '../../lab/rundir.js';
import type { BackendSession, DirectorConfig } from '../backend.js';
import { kernelProfile } from '../ipvs/kernel.js';
import type { IpvsadmResult, IpvsSnapshot } from '../ipvs/types.js';
import { checkerModuleSpec } from './checker-module.js';
import { controlRequest } from './control.js';
import type { DaemonConfig, DaemonStatus } from './daemon.js';
import { syncModuleSpec } from './sync-module.js';
import { vrrpModuleSpec } from './vrrp-module.js';

/** The control socket of a lab's director daemon (in the lab's run directory). */
export function directorSocketPath(labId: string, director: string): string {
  return path.join(runDirOf(labId), `director-${director}.sock`);
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
    const host = this.lab.host(director);
    if (host.role !== 'director') throw new Error(`embedded backend: host '${director}' is a ${host.role}, not a director`);
    if (this.procs.has(director)) throw new Error(`embedded backend: director '${director}' is already running (pid ${this.procs.get(director)!.pid})`);
    const socket = this.socketOf(director);
    const vrrp = vrrpModuleSpec(config.keepalivedConf);
    const checker = checkerModuleSpec(config.keepalivedConf);
    const daemonConfig: DaemonConfig & { coreModule?: string } = {
      director,
      socket,
      dataplane: config.dataplane ?? 'per-packet',
      ...(config.kernel !== undefined ? { kernel: kernelProfile(config.kernel).release } : {}),
      ipvsadm: config.ipvsadm,
      keepalivedConf: config.keepalivedConf,
      // sync first: it follows the VRRP instance's transitions from the very first one
      modules: [syncModuleSpec(), ...(vrrp ? [vrrp] : []), ...(checker ? [checker] : [])],
      ...this.opts.daemon,
    };
    const cfgFile = path.join(this.lab.runDir, `director-${director}.json`);
    fs.writeFileSync(cfgFile, JSON.stringify(daemonConfig, null, 2));
    const proc = await host.spawn([process.execPath, directorEntry(), '--config', cfgFile], { logName: `director-${director}`, outliveOwner: this.opts.detached ?? false });
    this.procs.set(director, proc);
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 15_000);
    for (;;) {
      try {
        await controlRequest(socket, { op: 'ping' }, 1000);
        return;
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
    const done = await Promise.race([proc.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
    if (!done) {
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

  async close(): Promise<void> {
    await Promise.allSettled([...this.procs.keys()].map((d) => this.stopDirector(d)));
  }
}

/** The embedded backend bound to a built lab. */
export function openEmbeddedBackend(lab: Lab, opts: EmbeddedBackendOptions = {}): EmbeddedSession {
  return new EmbeddedSession(lab, opts);
}

/**
 * Make sure a director of a running lab (built by another process, e.g. `lvslab up`) has a daemon:
 * start one with an empty table if its socket does not answer. The daemon outlives the caller; the
 * lab's teardown kills it (its pid is recorded).
 */
export async function ensureDirectorDaemon(labId: string, director: string): Promise<{ started: boolean; pid?: number }> {
  const socket = directorSocketPath(labId, director);
  try {
    await controlRequest(socket, { op: 'ping' }, 1000);
    return { started: false };
  } catch {
    // not running (or a stale socket from a killed daemon): start one
  }
  const lab = await attachLab(labId);
  const session = new EmbeddedSession(lab, { detached: true });
  await session.startDirector(director, {});
  return { started: true, pid: session.pidOf(director) };
}
