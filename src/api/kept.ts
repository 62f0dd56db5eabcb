// Labs kept by `lvslab up`, driven from the command line: which load balancer their directors run
// and with what configuration (recorded in the run directory at `up`, so `lvslab fault LAB DS start`
// starts a killed director with it), ipvsadm on a director, the faults `lvslab fault` applies, and
// waiting for VRRP to elect its masters. The embedded daemons' lifecycle is src/lb/director/kept.ts.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../lab/index.js';
import { pidExists } from '../lab/procs.js';
import { logPath } from '../lab/rundir.js';
import { hostLinksDown, rebootNetwork } from '../lab/reboot.js';
import type { BackendName, DirectorConfig } from '../lb/backend.js';
import { EmbeddedSession } from '../lb/director/backend.js';
import type { DaemonStatus } from '../lb/director/daemon.js';
import { DirectorStateError, daemonRequest, daemonState, directorStatus, ensureDaemon, keepalivedState, killKeepalivedSide, signalDaemon, startRecordedDaemon, startRecordedKeepalived, withDirectorOps } from '../lb/director/kept.js';
import type { IpvsadmResult } from '../lb/ipvs/types.js';
import { parseKeepalivedConf } from '../lb/keepalived/index.js';
import { KernelBackend, runningKeepalived, signalKeepalived } from '../lb/kernel/backend.js';
import { heal, partition, setLink } from './faults.js';

export type KeptBackend = BackendName | 'none';

/** What `up` recorded: the backend and each director's configuration (0600: it holds auth_pass). */
export interface KeptRecord {
  backend: KeptBackend;
  directors: Record<string, DirectorConfig>;
}

function recordFile(runDir: string): string {
  return join(runDir, 'lb.json');
}

export function readKeptRecord(lab: Pick<Lab, 'runDir'>): KeptRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(lab.runDir), 'utf8')) as KeptRecord;
  } catch {
    return undefined;
  }
}

/** Start every director of a kept lab (embedded: each gets a daemon, configured or empty). */
export async function startKeptDirectors(lab: Lab, backend: KeptBackend, configs: Record<string, DirectorConfig>): Promise<Array<{ director: string; pid?: number }>> {
  writeFileSync(recordFile(lab.runDir), JSON.stringify({ backend, directors: configs } satisfies KeptRecord, null, 2) + '\n', { mode: 0o600 });
  const out: Array<{ director: string; pid?: number }> = [];
  if (backend === 'embedded') {
    const session = new EmbeddedSession(lab, { detached: true });
    for (const h of lab.directors) {
      await session.startDirector(h.name, configs[h.name] ?? {});
      out.push({ director: h.name, pid: session.pidOf(h.name) });
    }
  } else if (backend === 'kernel') {
    const kernel = new KernelBackend(lab, { detached: true });
    for (const [name, config] of Object.entries(configs)) {
      await kernel.startDirector(name, config);
      out.push({ director: name, pid: runningKeepalived(lab.runDir, name) });
    }
  }
  return out;
}

function backendOf(lab: Lab): KeptBackend {
  return readKeptRecord(lab)?.backend ?? 'embedded';
}

/** The host, if it is a director; otherwise an error naming what it is. */
export function requireDirector(lab: Lab, name: string, what: string): void {
  const h = lab.host(name);
  if (h.role !== 'director') throw new DirectorStateError(`host '${name}' is a ${h.role === 'real' ? 'real server' : h.role}, not a director (${what} applies to directors)`);
}

/**
 * ipvsadm on a kept lab's director: the kernel's ipvsadm in its namespace, or the embedded daemon
 * (started with an empty table only on a lab that never had one; `started` says so).
 */
export async function keptIpvsadm(lab: Lab, director: string, args: string[], stdin?: string): Promise<{ result: IpvsadmResult; started?: number }> {
  requireDirector(lab, director, 'ipvsadm');
  if (backendOf(lab) === 'kernel') {
    const r = await lab.host(director).exec(['ipvsadm', ...args], { input: stdin, check: false });
    return { result: { stdout: r.stdout, stderr: r.stderr, status: r.exitCode } };
  }
  const { started, pid } = await ensureDaemon(lab, director);
  const result = await daemonRequest<IpvsadmResult>(lab.id, director, { op: 'ipvsadm', argv: args, stdin });
  return { result, ...(started ? { started: pid } : {}) };
}

export async function keptStatus(lab: Lab, director: string): Promise<DaemonStatus> {
  requireDirector(lab, director, '--director-status');
  if (backendOf(lab) === 'kernel') throw new DirectorStateError(`lab ${lab.id} runs the kernel backend: there is no director daemon to ask (see 'lvslab logs ${lab.id} ${director}')`);
  await ensureDaemon(lab, director);
  return await directorStatus(lab.id, director);
}

// ---- VRRP ----

interface InstanceState {
  director: string;
  name: string;
  state: string;
  priority: number;
}

async function vrrpInstances(lab: Lab): Promise<InstanceState[]> {
  const out: InstanceState[] = [];
  for (const h of lab.directors) {
    if (daemonState(lab.id, h.name).kind !== 'running') continue;
    const st = await directorStatus(lab.id, h.name, 3000).catch(() => undefined);
    const vrrp = st?.modules.vrrp as { instances?: Array<{ name: string; state: string; effectivePriority: number }> } | undefined;
    for (const i of vrrp?.instances ?? []) out.push({ director: h.name, name: i.name, state: i.state, priority: i.effectivePriority });
  }
  return out;
}

/** Settled: each instance has one MASTER, the one with the highest priority (preemption is done). */
function settled(all: InstanceState[]): boolean {
  for (const name of new Set(all.map((i) => i.name))) {
    const peers = all.filter((i) => i.name === name);
    const masters = peers.filter((i) => i.state === 'MASTER');
    if (masters.length !== 1 || masters[0].priority < Math.max(...peers.map((p) => p.priority))) return false;
  }
  return true;
}

/** How long VRRP may take to elect: the master-down interval of the slowest instance, plus slack. */
export function vrrpSettleBoundMs(lab: Lab): number {
  let advert = 0;
  for (const c of Object.values(readKeptRecord(lab)?.directors ?? {})) {
    if (!c.keepalivedConf) continue;
    try {
      for (const i of parseKeepalivedConf(c.keepalivedConf).config.vrrpInstances) advert = Math.max(advert, i.advertInt ?? 1);
    } catch {
      // checked at up
    }
  }
  return advert === 0 ? 0 : Math.min(60_000, (3 * advert + 1) * 1000 + 3000);
}

/**
 * Wait (at most `boundMs`) until VRRP has elected its masters on the lab's embedded directors, and
 * say who holds what: `ds1: VI_1 MASTER, VI_GATEWAY MASTER`.
 */
export async function waitForVrrp(lab: Lab, boundMs: number): Promise<{ settled: boolean; lines: string[] }> {
  const deadline = Date.now() + boundMs;
  let all = await vrrpInstances(lab);
  while (all.length > 0 && !settled(all) && Date.now() < deadline) {
    await sleep(200);
    all = await vrrpInstances(lab);
  }
  const lines = lab.directors
    .map((h) => ({ h: h.name, inst: all.filter((i) => i.director === h.name) }))
    .filter((x) => x.inst.length > 0)
    .map((x) => `${x.h}: ${x.inst.map((i) => `${i.name} ${i.state}`).join(', ')}`);
  return { settled: settled(all), lines };
}

// ---- faults ----

export type KeptFault =
  | { kind: 'kill' | 'stop' | 'start' | 'restart' | 'reboot' | 'kill-keepalived' | 'start-keepalived' }
  | { kind: 'link-down' | 'link-up'; iface?: string }
  | { kind: 'partition'; from: string[]; to: string[] }
  | { kind: 'heal' };

const PROCESS_FAULTS = new Set(['kill', 'stop', 'start', 'restart', 'reboot', 'kill-keepalived', 'start-keepalived']);

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pidExists(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The kernel backend's director: keepalived (the kernel's IPVS table is not a process). */
async function kernelFault(lab: Lab, director: string, kind: string): Promise<string> {
  const config = readKeptRecord(lab)?.directors[director] ?? {};
  const running = runningKeepalived(lab.runDir, director);
  const halt = async (signal: 'SIGKILL' | 'SIGTERM') => {
    if (running === undefined) return;
    signalKeepalived(running, signal);
    if (!(await gone(running, signal === 'SIGKILL' ? 5000 : 10_000))) signalKeepalived(running, 'SIGKILL');
    await gone(running, 5000);
  };
  const start = async (full: boolean) => {
    if (!config.keepalivedConf && !full) throw new DirectorStateError(`${director} runs no keepalived (none was given at up): nothing to start`);
    await new KernelBackend(lab, { detached: true }).startDirector(director, full ? config : { keepalivedConf: config.keepalivedConf, keepalivedFile: config.keepalivedFile });
    return runningKeepalived(lab.runDir, director);
  };
  // The kernel's IPVS is no process: a killed director is one whose keepalived died and whose links
  // went down with it (as the kernel backend's killDirector does); it starts again as after a reboot.
  const deadMark = join(lab.runDir, `dead-${director}`);
  switch (kind) {
    case 'kill-keepalived':
      if (!config.keepalivedConf) throw new DirectorStateError(`${director} runs no keepalived (it was given no keepalived.conf at up): nothing to kill`);
      if (running === undefined) throw new DirectorStateError(`keepalived is not running on ${director} (nothing to kill)`);
      await halt('SIGKILL');
      return `killed keepalived on ${director} (pid ${running}); the kernel keeps forwarding with its IPVS table, and the VIPs stay`;
    case 'start-keepalived':
      if (!config.keepalivedConf) throw new DirectorStateError(`${director} runs no keepalived (it was given no keepalived.conf at up): nothing to start`);
      if (existsSync(deadMark)) throw new DirectorStateError(`${director} was killed (its links are down): start the director with 'start' or 'reboot', not keepalived alone`);
      if (running !== undefined) throw new DirectorStateError(`keepalived is already running on ${director} (pid ${running})`);
      return `started keepalived on ${director} (pid ${await start(false)})`;
    case 'kill': {
      if (existsSync(deadMark)) throw new DirectorStateError(`${director} is already dead (killed; nothing to kill)`);
      if (running !== undefined) await halt('SIGKILL');
      await hostLinksDown(lab, director);
      writeFileSync(deadMark, `${new Date().toISOString()}\n`, { mode: 0o600 });
      return `killed ${director}: keepalived${running !== undefined ? ` (pid ${running})` : ''} SIGKILLed and its links down, as a director that dies (its IPVS table goes with it when it starts again)`;
    }
    case 'stop':
      if (running === undefined) throw new DirectorStateError(`keepalived is not running on ${director} (nothing to stop)`);
      await halt('SIGTERM');
      return `stopped keepalived on ${director} (pid ${running})`;
    case 'start':
      if (existsSync(deadMark)) {
        const notes = await rebootNetwork(lab, director, async () => {
          await lab.host(director).exec(['ipvsadm', '-C'], { check: false });
        });
        rmSync(deadMark, { force: true });
        const pid = config.keepalivedConf || config.ipvsadm ? await start(true) : undefined;
        return `started ${director} again as after a reboot: links up, IPVS table and VIPs gone${pid ? `, keepalived started (pid ${pid})` : ''}${notes.length ? ` (not cleared: ${notes.join('; ')})` : ''}`;
      }
      if (running !== undefined) throw new DirectorStateError(`keepalived is already running on ${director} (pid ${running})`);
      return `started keepalived on ${director} (pid ${await start(false)})`;
    case 'restart':
      if (existsSync(deadMark)) throw new DirectorStateError(`${director} was killed (its links are down): start it with 'start' or 'reboot'`);
      await halt('SIGTERM');
      return `restarted keepalived on ${director} (pid ${await start(false)})`;
    default: {
      const notes = await rebootNetwork(lab, director, async () => {
        await halt('SIGKILL');
        await lab.host(director).exec(['ipvsadm', '-C'], { check: false });
        for (const state of ['master', 'backup']) await lab.host(director).exec(['ipvsadm', '--stop-daemon', state], { check: false });
      });
      rmSync(deadMark, { force: true });
      const pid = config.keepalivedConf || config.ipvsadm ? await start(true) : undefined;
      return `rebooted ${director}${pid ? `: keepalived started again (pid ${pid})` : ''}${notes.length ? ` (not cleared: ${notes.join('; ')})` : ''}`;
    }
  }
}

async function embeddedFault(lab: Lab, director: string, kind: string): Promise<string> {
  return await withDirectorOps(lab.id, director, async () => {
    const st = daemonState(lab.id, director);
    const either = st.kind === 'running' || keepalivedState(lab.id, director).kind === 'running';
    switch (kind) {
      case 'kill-keepalived':
        return `killed keepalived on ${director} (pid ${await killKeepalivedSide(lab.id, director)}); the director daemon keeps forwarding with its table, and the VIPs stay`;
      case 'start-keepalived':
        return `started keepalived on ${director} (pid ${await startRecordedKeepalived(lab, director)})`;
      case 'kill':
        return `killed the director daemon on ${director} (pid ${await signalDaemon(lab.id, director, 'kill')}); its rules and addresses stay, as a crash leaves them`;
      case 'stop':
        return `stopped the director daemon on ${director} (pid ${await signalDaemon(lab.id, director, 'stop')}): VRRP resigned, its rules are removed`;
      case 'start':
        return `started the director daemon on ${director} (pid ${await startRecordedDaemon(lab, director)})`;
      case 'restart':
        if (either) await signalDaemon(lab.id, director, 'stop');
        return `restarted the director daemon on ${director} (pid ${await startRecordedDaemon(lab, director)})`;
      default: {
        const notes = await rebootNetwork(lab, director, async () => {
          if (daemonState(lab.id, director).kind === 'running' || keepalivedState(lab.id, director).kind === 'running') await signalDaemon(lab.id, director, 'kill');
        });
        const pid = st.kind === 'never' ? undefined : await startRecordedDaemon(lab, director);
        return `rebooted ${director}${pid ? `: director daemon started again (pid ${pid})` : ''}${notes.length ? ` (not cleared: ${notes.join('; ')})` : ''}`;
      }
    }
  });
}

/**
 * Apply one fault to a kept lab; returns what was done, in a sentence, also written (timestamped)
 * to the host's `fault-<host>.log`, so `lvslab logs` shows it among what followed.
 */
export async function applyKeptFault(lab: Lab, host: string, fault: KeptFault): Promise<string> {
  const done = await faultOf(lab, host, fault);
  appendFileSync(logPath(lab.id, host ? `fault-${host}` : 'fault'), `${new Date().toISOString()} ${done}\n`, { mode: 0o600 });
  return done;
}

async function faultOf(lab: Lab, host: string, fault: KeptFault): Promise<string> {
  if (PROCESS_FAULTS.has(fault.kind)) {
    requireDirector(lab, host, `'${fault.kind}'`);
    return backendOf(lab) === 'kernel' ? await kernelFault(lab, host, fault.kind) : await embeddedFault(lab, host, fault.kind);
  }
  switch (fault.kind) {
    case 'link-down':
    case 'link-up':
      lab.host(host);
      await setLink(lab.id, lab.topology, host, fault.iface, fault.kind === 'link-up');
      return `${host}${fault.iface ? ` ${fault.iface}` : ''}: link ${fault.kind === 'link-up' ? 'up' : 'down'}`;
    case 'partition':
      await partition(lab.id, lab.topology, fault.from, fault.to);
      return `partitioned ${fault.from.join(',')} | ${fault.to.join(',')}`;
    case 'heal':
      await heal(lab.id);
      return 'healed the partition';
    default:
      throw new DirectorStateError(`unknown fault '${fault.kind}'`);
  }
}
