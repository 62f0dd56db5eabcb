// The kernel backend: the kernel's own IPVS driven by ipvsadm, and real keepalived, inside a lab's
// director namespaces. It needs a kernel with IPVS — natively, or inside the kernel VM where the
// kernel suites run (see docs/kernel.md); elsewhere startDirector says why it cannot.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendSession, DirectorConfig } from '../backend.js';
import type { IpvsadmResult } from '../ipvs/types.js';
import { settlesWithin } from '../../lab/procs.js';
import { hostHasIpvs } from './capability.js';

/** What the backend needs of a lab's host: the lab builder's Host fits (src/lab/host.ts). */
export interface KernelHost {
  readonly name: string;
  readonly namespace: string;
  exec(argv: string[], opts?: { input?: string; timeoutMs?: number; check?: boolean }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  spawn(argv: string[], opts?: { logName?: string; outliveOwner?: boolean }): Promise<{ pid: number; logFile: string; exited: Promise<{ exitCode?: number; signal?: string }>; kill(signal?: NodeJS.Signals): void }>;
}

export interface KernelLab {
  readonly id: string;
  readonly runDir: string;
  host(name: string): KernelHost;
}

export interface KernelBackendOptions {
  /** ipvsadm/keepalived timeouts scale with this (inside the emulated VM: 4-13x slower) */
  slowdown?: number;
  /** let keepalived outlive this process (labs kept by `lvslab up`; teardown still kills it) */
  detached?: boolean;
}

interface Running {
  keepalived?: { pid: number; logFile: string; exited: Promise<unknown>; done: boolean; dir: string };
  ipvsadm: boolean;
}

export class KernelBackendError extends Error {
  override name = 'KernelBackendError';
}

export class KernelBackend implements BackendSession {
  readonly backend = 'kernel' as const;
  private readonly running = new Map<string, Running>();
  private checked: Promise<void> | undefined;
  private readonly slowdown: number;
  private readonly detached: boolean;

  constructor(
    private readonly lab: KernelLab,
    options: KernelBackendOptions = {},
  ) {
    this.slowdown = options.slowdown ?? 1;
    this.detached = options.detached ?? false;
  }

  private requireIpvs(): Promise<void> {
    this.checked ??= hostHasIpvs().then((r) => {
      if (!r.ok) throw new KernelBackendError(`kernel backend: ${r.reason}; run the kernel suites with \`npm run test:kernel\`, which uses the kernel VM`);
    });
    return this.checked;
  }

  private state(director: string): Running {
    let s = this.running.get(director);
    if (!s) {
      s = { ipvsadm: false };
      this.running.set(director, s);
    }
    return s;
  }

  async startDirector(director: string, config: DirectorConfig): Promise<void> {
    await this.requireIpvs();
    const host = this.lab.host(director);
    if (!config.ipvsadm && !config.keepalivedConf) throw new KernelBackendError(`${director}: DirectorConfig needs ipvsadm lines or a keepalivedConf`);
    const s = this.state(director);
    if (s.keepalived && !s.keepalived.done) throw new KernelBackendError(`${director}: keepalived is already running (pid ${s.keepalived.pid}); stop it first`);
    for (const [i, line] of (config.ipvsadm ?? []).entries()) {
      const args = splitArgs(line);
      const r = await this.ipvsadm(director, args);
      if (r.status !== 0) throw new KernelBackendError(`${director}: ipvsadm line ${i + 1} '${line}' failed (exit ${r.status}): ${r.stderr.trim()}`);
      s.ipvsadm = true;
    }
    if (config.keepalivedConf) await this.spawnKeepalived(director, host, config.keepalivedConf);
  }

  async startKeepalived(director: string): Promise<void> {
    const k = this.running.get(director)?.keepalived;
    if (!k) throw new KernelBackendError(`${director}: keepalived was never started here (the director has no keepalived.conf)`);
    if (!k.done) throw new KernelBackendError(`${director}: keepalived is already running (pid ${k.pid}); stop it first`);
    await this.spawnKeepalived(director, this.lab.host(director), readFileSync(join(k.dir, 'keepalived.conf'), 'utf8'));
  }

  private async spawnKeepalived(director: string, host: KernelHost, conf: string): Promise<void> {
    const dir = keepalivedDir(this.lab.runDir, director);
    mkdirSync(dir, { recursive: true });
    const confFile = join(dir, 'keepalived.conf');
    writeFileSync(confFile, conf);
    // Own pid files per director: two keepalived instances share the /run of one mount namespace,
    // and keepalived refuses to start when its default pid file names a live process.
    const argv = [
      'keepalived', '--dont-fork', '--log-console', '--log-detail', '--use-file', confFile,
      '--pid', join(dir, 'keepalived.pid'), '--vrrp_pid', join(dir, 'vrrp.pid'), '--checkers_pid', join(dir, 'checkers.pid'),
    ];
    const p = await host.spawn(argv, { logName: `${director}-keepalived`, outliveOwner: this.detached });
    const entry = { pid: p.pid, logFile: p.logFile, exited: p.exited, done: false, dir };
    void p.exited.then(() => (entry.done = true));
    this.state(director).keepalived = entry;
    // keepalived exits at once on a config it cannot use; catch that here with its own words
    await sleep(500 * this.slowdown);
    if (entry.done) {
      throw new KernelBackendError(`${director}: keepalived exited at start: ${tail(readLog(p.logFile), 8)}`);
    }
  }

  async ipvsadm(director: string, args: string[], stdin?: string): Promise<IpvsadmResult> {
    const host = this.lab.host(director);
    const r = await host.exec(['ipvsadm', ...args], { input: stdin, check: false, timeoutMs: 30_000 * this.slowdown });
    return { stdout: r.stdout, stderr: r.stderr, status: r.exitCode };
  }

  async stopDirector(director: string): Promise<void> {
    const s = this.running.get(director);
    if (!s) return;
    if (s.keepalived && !s.keepalived.done) {
      // SIGTERM: keepalived sends priority-0 adverts, drops its VIPs and the IPVS entries it made
      await this.signalAll(s.keepalived.pid, 'SIGTERM');
      await settlesWithin(s.keepalived.exited, 10_000 * this.slowdown);
      if (!s.keepalived.done) await this.signalAll(s.keepalived.pid, 'SIGKILL');
    }
    if (s.ipvsadm) {
      await this.ipvsadm(director, ['-C']);
      s.ipvsadm = false;
    }
  }

  async killDirector(director: string): Promise<void> {
    await this.killKeepalived(director);
  }

  async killKeepalived(director: string): Promise<void> {
    const s = this.running.get(director);
    if (!s?.keepalived || s.keepalived.done) return;
    // the VRRP and checker children too: killed alone, the parent would leave them running (and
    // they would resign gracefully on its death, which is not what a crash looks like)
    await this.signalAll(s.keepalived.pid, 'SIGKILL');
    await settlesWithin(s.keepalived.exited, 5_000 * this.slowdown);
  }

  private async signalAll(pid: number, signal: NodeJS.Signals): Promise<void> {
    signalKeepalived(pid, signal);
  }

  /** keepalived's log for a director (console log: VRRP transitions, checker results). */
  keepalivedLog(director: string): string {
    const k = this.running.get(director)?.keepalived;
    return k ? readLog(k.logFile) : '';
  }

  async close(): Promise<void> {
    for (const director of this.running.keys()) {
      await this.stopDirector(director).catch(() => undefined);
    }
    this.running.clear();
  }
}

/** Where a director's keepalived keeps its configuration and pid files, in the lab's run directory. */
export function keepalivedDir(runDir: string, director: string): string {
  return join(runDir, 'keepalived', director);
}

/** The pid of a director's running keepalived (from its pid file), for labs driven from another process. */
export function runningKeepalived(runDir: string, director: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(keepalivedDir(runDir, director), 'keepalived.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Signals keepalived and its children, all started by lvslab (the children found via their ppid). */
export function signalKeepalived(pid: number, signal: NodeJS.Signals): void {
  const pids = [pid, ...childPids(pid)];
  if (signal === 'SIGKILL') pids.reverse();
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
}

/** Children of a process (one level is enough: keepalived's VRRP and checker processes). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // field 4 (ppid) follows the state, after the command name's closing parenthesis
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** ipvsadm argument lines are whitespace-separated words (no quoting is ever needed in them). */
export function splitArgs(line: string): string[] {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  if (words[0] === 'ipvsadm') words.shift();
  return words;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export function createKernelBackend(lab: KernelLab, options?: KernelBackendOptions): KernelBackend {
  return new KernelBackend(lab, options);
}

/**
 * The opener src/api/backends.ts loads for `backend: 'kernel'`. Refuses, with the reason, where this
 * kernel has no IPVS (on such a host the kernel suites run inside the kernel VM instead).
 */
export async function openKernelBackend(lab: KernelLab): Promise<KernelBackend> {
  const ipvs = await hostHasIpvs();
  if (!ipvs.ok) throw new KernelBackendError(`kernel backend: ${ipvs.reason}; \`npm run test:kernel\` runs the kernel suites in the kernel VM`);
  // under emulation every process start and check is several times slower
  return new KernelBackend(lab, { slowdown: process.env.LVSLAB_IN_VM === '1' ? 4 : 1 });
}
