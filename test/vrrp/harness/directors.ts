// Running VRRP on the article lab's two directors for the failover suites and the failover bench:
// the embedded speaker (standalone process, src/lb/vrrp/main.ts) or real keepalived (VRRP only: it
// needs no kernel IPVS), and judging from the outside who holds the VIP and the DIP.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, SpawnedProcess } from '../../../src/lab/index.js';
import { pidExists } from '../../../src/lab/procs.js';
import type { SpeakerStatus } from '../../../src/lb/vrrp/speaker.js';

export const VIP = '192.168.1.112';
export const DIP = '10.0.0.105';
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const vrrpMain = path.join(repoRoot, 'dist/lb/vrrp/main.js');

export type Impl = 'embedded' | 'keepalived';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function keepalivedAvailable(): boolean {
  return ['/usr/sbin/keepalived', '/sbin/keepalived', '/usr/bin/keepalived'].some((p) => existsSync(p));
}

/** One director's VRRP process (embedded or keepalived), started by this suite. */
export class DirectorVrrp {
  proc?: SpawnedProcess;
  private readonly stateFile: string;
  private readonly confFile: string;
  private readonly vrrpPidFile: string;
  private readonly ownedPids = new Set<number>();

  constructor(
    readonly lab: Lab,
    readonly director: 'ds1' | 'ds2',
    readonly impl: Impl,
    private conf: string,
    private readonly tag = '',
  ) {
    const base = path.join(lab.runDir, `vrrp-${director}${tag}`);
    this.stateFile = `${base}.state.json`;
    this.confFile = `${base}.conf`;
    this.vrrpPidFile = `${base}.vrrp.pid`;
  }

  get host() {
    return this.lab.host(this.director);
  }

  async start(conf = this.conf): Promise<void> {
    this.conf = conf;
    writeFileSync(this.confFile, conf);
    // a previous run's state or pid file must not pass for this run's (a stale VRRP child pid would
    // leave the new child unkilled)
    for (const f of [this.stateFile, this.vrrpPidFile]) rmSync(f, { force: true });
    if (this.impl === 'embedded') {
      if (!existsSync(vrrpMain)) throw new Error(`${vrrpMain} is missing: run 'npm run build'`);
      this.proc = await this.host.spawn([process.execPath, vrrpMain, '--config', this.confFile, '--state', this.stateFile], { logName: `vrrp-${this.director}${this.tag}` });
      await waitFor(`${this.director} VRRP speaker ready`, async () => this.status(), 15_000, 50);
    } else {
      const base = path.join(this.lab.runDir, `keepalived-${this.director}${this.tag}`);
      this.proc = await this.host.spawn(
        ['keepalived', '-n', '-l', '-D', '--vrrp', '-f', this.confFile, '-p', `${base}.pid`, '-r', this.vrrpPidFile, '-c', `${base}.checkers.pid`],
        { logName: `keepalived-${this.director}${this.tag}` },
      );
      // keepalived forks its VRRP child: it is ours too, and SIGKILL of the parent must reach it
      const child = await waitFor(`${this.director} keepalived VRRP child`, async () => readPid(this.vrrpPidFile), 15_000, 50);
      this.ownedPids.add(child);
    }
    this.ownedPids.add(this.proc.pid);
  }

  /** the embedded speaker's status (from its state file) */
  status(): SpeakerStatus | undefined {
    if (this.impl !== 'embedded' || !existsSync(this.stateFile)) return undefined;
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as SpeakerStatus;
    } catch {
      return undefined; // between write and rename
    }
  }

  /** graceful stop: embedded and keepalived both resign with priority 0 on SIGTERM */
  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill('SIGTERM');
    await Promise.race([this.proc.exited, sleep(5000)]);
    // keepalived's parent returns once its VRRP child is gone; wait for every pid of ours anyway
    const deadline = Date.now() + 3000;
    while ([...this.ownedPids].some(pidExists) && Date.now() < deadline) await sleep(20);
    await this.reap();
  }

  /** hard failure: SIGKILL every process of this VRRP (keepalived's VRRP child too) */
  async kill(): Promise<void> {
    for (const pid of this.ownedPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (this.proc) await Promise.race([this.proc.exited, sleep(3000)]);
    const deadline = Date.now() + 3000;
    while ([...this.ownedPids].some(pidExists) && Date.now() < deadline) await sleep(20);
    this.ownedPids.clear();
    this.proc = undefined;
  }

  private async reap(): Promise<void> {
    // whatever of ours is still alive after a stop is killed, by pid
    await sleep(100);
    for (const pid of this.ownedPids) {
      if (pidExists(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    this.ownedPids.clear();
    this.proc = undefined;
  }

  log(): string {
    const name = this.impl === 'embedded' ? `vrrp-${this.director}${this.tag}` : `keepalived-${this.director}${this.tag}`;
    const f = path.join(this.lab.runDir, 'logs', `${name}.log`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(n) && n > 0 && pidExists(n) ? n : undefined;
}

/** which addresses a director holds right now (`ip -4 addr`, from outside the VRRP process) */
export async function heldAddresses(lab: Lab, director: string): Promise<Set<string>> {
  const r = await lab.host(director).exec(['ip', '-4', '-o', 'addr', 'show'], { timeoutMs: 5000 });
  return new Set([...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]));
}

/** the directors holding the VIP and the DIP */
export async function holders(lab: Lab): Promise<{ vip: string[]; dip: string[] }> {
  const out = { vip: [] as string[], dip: [] as string[] };
  for (const d of ['ds1', 'ds2']) {
    const a = await heldAddresses(lab, d);
    if (a.has(VIP)) out.vip.push(d);
    if (a.has(DIP)) out.dip.push(d);
  }
  return out;
}

export async function waitHolder(lab: Lab, director: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`${director} to hold exactly the VIP and the DIP`, async () => {
    const h = await holders(lab);
    return h.vip.length === 1 && h.vip[0] === director && h.dip.length === 1 && h.dip[0] === director;
  }, timeoutMs);
  return Date.now() - t0;
}

export async function macOf(lab: Lab, director: string, ifname = 'eth0'): Promise<string> {
  const r = await lab.host(director).exec(['cat', `/sys/class/net/${ifname}/address`]);
  return r.stdout.trim();
}

/** the client's neighbour entry for the VIP (lladdr), if any */
export async function clientNeighbour(lab: Lab): Promise<string | undefined> {
  const r = await lab.client.exec(['ip', 'neigh', 'show', VIP], { check: false });
  return /lladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
}

/** block (or unblock) VRRP on a director, both ways, with iptables in its own namespace */
export async function blockVrrp(lab: Lab, director: string, block: boolean): Promise<void> {
  const op = block ? '-I' : '-D';
  await lab.host(director).exec(['iptables', '-w', op, 'INPUT', '-p', '112', '-j', 'DROP']);
  await lab.host(director).exec(['iptables', '-w', op, 'OUTPUT', '-p', '112', '-j', 'DROP']);
}

export async function setLink(lab: Lab, director: string, ifname: string, up: boolean): Promise<void> {
  await lab.host(director).exec(['ip', 'link', 'set', ifname, up ? 'up' : 'down']);
}
