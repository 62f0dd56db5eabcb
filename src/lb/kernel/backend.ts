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
  /** the director's own addresses ("a.b.c.d/len" per interface) before anything of ours ran on it */
  ownAddresses?: Map<string, Set<string>>;
  /** killDirector took these links down: the director is dead until startDirector boots it */
  deadLinks?: string[];
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
    if (s.deadLinks) await this.boot(director, s);
    s.ownAddresses ??= await this.addresses(director);
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

  /**
   * The director dies: keepalived SIGKILLed (no priority-0 advert) and the director's links down, so
   * nothing reaches its IPVS any more, as when the machine fails. killKeepalived alone leaves the
   * kernel forwarding with its table and the VIPs on their interfaces (a split brain once the backup
   * takes over: docs/kernel-behaviour.md). startDirector afterwards boots it: links up, fresh state.
   */
  async killDirector(director: string): Promise<void> {
    await this.killKeepalived(director);
    const s = this.state(director);
    if (s.deadLinks) return;
    const host = this.lab.host(director);
    // its interfaces as known from its start (one process start less at the moment of the crash)
    const known = s.ownAddresses ? [...s.ownAddresses.keys()] : undefined;
    const names = (known ?? linkNames((await host.exec(['ip', '-o', 'link', 'show'], { check: false, timeoutMs: 30_000 * this.slowdown })).stdout)).filter((n) => n !== 'lo');
    // one `ip` for all links: a process start costs seconds under emulation, and they go down together
    const r = await host.exec(['ip', '-batch', '-'], { input: names.map((n) => `link set dev ${n} down\n`).join(''), check: false, timeoutMs: 30_000 * this.slowdown });
    if (r.exitCode !== 0) throw new KernelBackendError(`${director}: taking its links down failed: ${r.stderr.trim()}`);
    s.deadLinks = names;
  }

  /**
   * A killed director starts again as after a reboot: its links up, the kernel's IPVS table empty, no
   * address but its own (the VIPs the dead keepalived left are gone), no connection tracked.
   */
  private async boot(director: string, s: Running): Promise<void> {
    const host = this.lab.host(director);
    const opts = { check: false, timeoutMs: 30_000 * this.slowdown };
    await host.exec(['ipvsadm', '-C'], opts);
    const own = s.ownAddresses;
    const now = await this.addresses(director);
    const batch = [...(s.deadLinks ?? []).map((n) => `link set dev ${n} up`)];
    if (own) {
      for (const [dev, addrs] of now) for (const a of addrs) if (!own.get(dev)?.has(a)) batch.unshift(`addr del ${a} dev ${dev}`);
    }
    const r = await host.exec(['ip', '-batch', '-'], { ...opts, input: batch.map((l) => `${l}\n`).join('') });
    if (r.exitCode !== 0) throw new KernelBackendError(`${director}: bringing it back failed: ${r.stderr.trim()}`);
    await host.exec(['conntrack', '-F'], opts);
    s.deadLinks = undefined;
    s.ipvsadm = false;
  }

  /** IPv4 addresses per interface, as "a.b.c.d/len". */
  private async addresses(director: string): Promise<Map<string, Set<string>>> {
    const r = await this.lab.host(director).exec(['ip', '-o', '-4', 'addr', 'show'], { check: false, timeoutMs: 30_000 * this.slowdown });
    return addressesOf(r.stdout);
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

/**
 * Signals keepalived and its children, all started by lvslab (the children found via their ppid).
 * SIGKILL stops the parent first: a parent that saw a child die would start a new one, and a child
 * that outlived its parent gets SIGTERM from it (keepalived sets PR_SET_PDEATHSIG) and resigns
 * gracefully — priority-0 adverts, VIPs and IPVS rules removed — which is not what a crash does.
 */
export function signalKeepalived(pid: number, signal: NodeJS.Signals): void {
  const send = (p: number, sig: NodeJS.Signals) => {
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  };
  if (signal !== 'SIGKILL') {
    for (const p of [pid, ...childPids(pid)]) send(p, signal);
    return;
  }
  send(pid, 'SIGSTOP');
  for (const p of childPids(pid)) send(p, 'SIGKILL');
  send(pid, 'SIGKILL');
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

/** Interface names from `ip -o link show` ("2: eth0@if5: <...>" -> eth0). */
export function linkNames(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@[^:\s]+)?:/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** IPv4 addresses per interface from `ip -o -4 addr show` ("2: eth0    inet 10.0.0.1/24 ..."). */
export function addressesOf(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (!m) continue;
    if (!out.has(m[1])) out.set(m[1], new Set());
    out.get(m[1])!.add(m[2]);
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
