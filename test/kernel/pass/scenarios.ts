// What the kernel suites observe on the kernel backend. Each scenario runs where kernel IPVS is —
// natively, or inside the kernel VM through suite/main.ts — and returns plain observations; the
// vitest files in suites/kernel/ hold the expectations, so the in-VM part stays small (no test
// runner under emulation) and a failure shows the observed values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DirectorConfig } from '../../../src/lb/backend.js';
import { openKernelBackend } from '../../../src/lb/kernel/backend.js';
import { openKernelReplay } from '../../../src/lb/kernel/replay/replay.js';
import { allTraces } from '../recorder/cases.js';
import { SERVING_PROBE, failoverConfs, healthCheckConf } from './settings.js';
import { quorumConf, quorumScenario, type QuorumObservation } from './healthcheck-quorum.js';
import { keepalivedCrashScenario, type CrashObservation } from './keepalived-crash.js';

const VIP = '192.168.1.112';
const ARTICLE_TCP = [`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 10.0.0.101:80 -m -w 1`, `-a -t ${VIP}:80 -r 10.0.0.102:80 -m -w 1`];
const ARTICLE_UDP = [`-A -u ${VIP}:9999 -s rr`, `-a -u ${VIP}:9999 -r 10.0.0.101:9999 -m -w 1`, `-a -u ${VIP}:9999 -r 10.0.0.102:9999 -m -w 1`];

/**
 * `up(source, { backend: 'kernel', directors })`, but with the agents started one at a time and only
 * where needed (real servers, client): under emulation several node processes starting at once
 * each take longer than the agents' 10 s ready timeout. A start that still times out is retried.
 */
async function kernelUp(source: string, directors: Record<string, DirectorConfig>) {
  // the library API is large: loaded only when a lab scenario runs
  const { LvsLab } = await import('../../../src/api/up.js');
  const { buildLab } = await import('../../../src/lab/build.js');
  const lab = await buildLab(source, { agents: false });
  try {
    for (const host of [...lab.reals, lab.client]) {
      for (let attempt = 1; ; attempt++) {
        try {
          await lab.startAgent(host.name);
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    }
    const api = new LvsLab(lab, await openKernelBackend(lab));
    for (const [name, config] of Object.entries(directors)) await api.director(name).configure(config);
    return api;
  } catch (err) {
    await lab.teardown();
    throw err;
  }
}

export interface ArticleObservation {
  tcpSequence: string[];
  tcpFailed: number;
  ln: string;
  lnc: Array<{ proto: string; state: string; client: string; destination: string }>;
  udpSequence: Array<string | undefined>;
  udpIntact: boolean[];
  udpLnc: Array<{ proto: string; state: string; destination: string; expiresIn: number }>;
}

/** The article's TCP and UDP scenarios on article-single with the kernel backend. */
type KernelLabApi = Awaited<ReturnType<typeof kernelUp>>;

async function article(lab: KernelLabApi): Promise<ArticleObservation> {
  await lab.director('ds1').configure({ ipvsadm: [...ARTICLE_TCP, ...ARTICLE_UDP] });
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-kernel-article-'));
  try {
    const tcp = await lab.client.http(`http://${VIP}/`, { count: 4, timeoutMs: 10_000 });
    const ds1 = lab.director('ds1');
    const ln = (await ds1.ipvsadm('-Ln')).text;
    const lnc = (await ds1.connections()).map((c) => ({ proto: c.proto, state: c.state, client: c.client.addr, destination: `${c.destination.addr}:${c.destination.port}` }));
    const files = [join(dir, '1.txt'), join(dir, '2.txt')];
    writeFileSync(files[0], Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)));
    writeFileSync(files[1], 'the second file\n'.repeat(200));
    const udp = await lab.client.sendFile(`${VIP}:9999`, files);
    const udpLnc = (await ds1.connections())
      .filter((c) => c.proto === 'UDP')
      .map((c) => ({ proto: c.proto, state: c.state, destination: `${c.destination.addr}:${c.destination.port}`, expiresIn: c.expiresIn }));
    return {
      tcpSequence: tcp.sequence,
      tcpFailed: tcp.failed,
      ln,
      lnc,
      udpSequence: udp.deliveries.map((d) => d.server),
      udpIntact: udp.deliveries.map((d) => d.intact),
      udpLnc,
    };
  } finally {
    await lab.director('ds1').stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface KeepalivedObservation {
  /** ipvsadm -Ln on ds1 once keepalived programmed it */
  ln: string;
  tcpSequence: string[];
  /** seconds from killing rs1's HTTP server until a listing showed keepalived's TCP_CHECK had removed it */
  removedAfterS: number | null;
  /** seconds from the kill to the start of the last listing that still showed rs1 (the removal came later) */
  lastListedS: number;
  lnAfterRemoval: string;
  log: string;
}

/** The article's virtual_server blocks run by real keepalived: it programs IPVS and health-checks. */
async function keepalivedHealth(lab: KernelLabApi): Promise<KeepalivedObservation> {
  await lab.director('ds1').configure({ keepalivedConf: healthCheckConf() });
  try {
    const ds1 = lab.director('ds1');
    const masq = (t: string) => t.split('\n').filter((l) => l.includes('Masq') && l.includes(':80 ')).length;
    let ln = '';
    for (let i = 0; i < 120; i++) {
      ln = (await ds1.ipvsadm('-Ln')).text;
      if (masq(ln) === 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const tcp = await lab.client.http(`http://${VIP}/`, { count: 4, timeoutMs: 10_000 });
    await lab.real('rs1').kill();
    const killedAt = Date.now();
    let removedAfterS: number | null = null;
    let lastListedS = 0;
    let lnAfterRemoval = '';
    for (let i = 0; i < 120; i++) {
      // an -Ln takes ~1-2 s under emulation: the removal happened after the start of the last
      // listing that still showed rs1 and before the end of the first that did not
      const startS = (Date.now() - killedAt) / 1000;
      lnAfterRemoval = (await ds1.ipvsadm('-Ln')).text;
      if (masq(lnAfterRemoval) === 1) {
        removedAfterS = (Date.now() - killedAt) / 1000;
        break;
      }
      lastListedS = startS;
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ln, tcpSequence: tcp.sequence, removedAfterS, lastListedS, lnAfterRemoval, log: '' };
  } finally {
    await lab.director('ds1').stop();
  }
}

export interface ReplayObservation {
  traces: Array<{ name: string; text: string; output: string; items: Array<{ line: number; output: string }>; elapsedS: number }>;
}

/** Kernel replays of golden traces (the differential suite runs the same ones through the core). */
async function replays(names: string[]): Promise<ReplayObservation> {
  const all = allTraces();
  const chosen = names.length === 0 ? all : names.map((n) => {
    const t = all.find((x) => x.name === n);
    if (!t) throw new Error(`replays: unknown trace '${n}' (known: ${all.map((x) => x.name).join(', ')})`);
    return t;
  });
  const session = await openKernelReplay(chosen, { connTimeoutMs: 15_000 });
  try {
    const traces: ReplayObservation['traces'] = [];
    for (const t of chosen) {
      const r = await session.replay(t.text, t.name);
      traces.push({ name: t.name, text: t.text, output: r.output, items: r.items, elapsedS: r.elapsedS });
    }
    return { traces };
  } finally {
    await session.close();
  }
}

/**
 * The article scenarios share one article-single lab (a lab build and its agents cost tens of
 * seconds under emulation): ipvsadm first, then keepalived, which ends by killing rs1's services.
 */
let articleLab: Promise<{ article?: ArticleObservation; keepalived?: KeepalivedObservation; errors: Record<string, string> }> | undefined;
function articleRuns() {
  articleLab ??= (async () => {
    const lab = await kernelUp('article-single', {});
    const out: { article?: ArticleObservation; keepalived?: KeepalivedObservation; errors: Record<string, string> } = { errors: {} };
    const fail = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));
    try {
      out.article = await article(lab).catch((err: unknown) => ((out.errors.article = fail(err)), undefined));
      out.keepalived = await keepalivedHealth(lab).catch((err: unknown) => ((out.errors['keepalived-health'] = fail(err)), undefined));
    } finally {
      await lab.down();
    }
    return out;
  })();
  return articleLab;
}

export interface FailoverObservation {
  /** who held the VIP once both keepalived instances settled */
  holderBefore: string[];
  before: string[];
  /** seconds from ds1's crash (SIGKILL + links down) until a look at the addresses found ds2 holding the VIP */
  vipMovedAfterS: number | null;
  /** seconds from the crash to the start of the last look that did not (the VIP moved later) */
  lastMissS: number;
  /** seconds from the crash until a request through the VIP was answered again */
  servingAfterS: number | null;
  holderAfter: string[];
  after: string[];
  /** ipvsadm -Ln on ds2 after the takeover (keepalived programs IPVS on the backup too) */
  lnDs2: string;
}

/**
 * The article's failover with real keepalived and kernel IPVS on both directors (article lab): ds1
 * MASTER 150, ds2 BACKUP 100, the article's keepalived.conf otherwise verbatim (delay_loop 1 to
 * settle faster). ds1 crashes: the kernel backend's kill SIGKILLs keepalived and takes its links down.
 */
async function failover(): Promise<FailoverObservation> {
  const confs = failoverConfs();
  const lab = await kernelUp('article', { ds1: { keepalivedConf: confs.ds1 }, ds2: { keepalivedConf: confs.ds2 } });
  const poll = async (ok: () => Promise<boolean>, limitS: number, stepMs: number): Promise<number | null> => {
    const t0 = Date.now();
    while (Date.now() - t0 < limitS * 1000) {
      if (await ok()) return (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, stepMs));
    }
    return null;
  };
  try {
    await poll(async () => (await lab.addressHolders())[VIP]?.join() === 'ds1', 90, 500);
    const holderBefore = (await lab.addressHolders())[VIP] ?? [];
    // keepalived's checkers add the real servers a moment after VRRP settles
    await poll(async () => ((await lab.director('ds1').ipvsadm('-Ln')).text.match(/Masq/g) ?? []).length >= 4, 60, 500);
    const before = (await lab.client.http(`http://${VIP}/`, { count: 4, timeoutMs: 10_000 })).sequence;
    const crash = Date.now();
    // the director dies: keepalived SIGKILLed and its links down (the kernel backend's kill)
    await lab.director('ds1').kill();
    // One look at the addresses costs ~1.5-2.5 s under emulation (two `ip` in namespaces): the VIP
    // moved after the start of the last look that did not see it on ds2 and before the end of the first that did.
    let lastMissS = 0;
    const vipMoved = await poll(async () => {
      const startS = (Date.now() - crash) / 1000;
      const moved = (await lab.addressHolders())[VIP]?.includes('ds2') ?? false;
      if (!moved) lastMissS = startS;
      return moved;
    }, 90, 200);
    const vipMovedAfterS = vipMoved === null ? null : (Date.now() - crash) / 1000;
    const serving = await poll(async () => (await lab.client.http(`http://${VIP}/`, { count: 1, timeoutMs: SERVING_PROBE.timeoutMs })).failed === 0, 90, SERVING_PROBE.everyMs);
    const servingAfterS = serving === null ? null : (Date.now() - crash) / 1000;
    const holderAfter = (await lab.addressHolders())[VIP] ?? [];
    const after = (await lab.client.http(`http://${VIP}/`, { count: 4, timeoutMs: 10_000 })).sequence;
    const lnDs2 = (await lab.director('ds2').ipvsadm('-Ln')).text;
    return { holderBefore, before, vipMovedAfterS, lastMissS, servingAfterS, holderAfter, after, lnDs2 };
  } finally {
    await lab.down();
  }
}

/** keepalived SIGKILLed on ds1 with its links up: the split brain and its healing (keepalived-crash.ts). */
async function keepalivedCrash(): Promise<CrashObservation> {
  const confs = failoverConfs();
  const lab = await kernelUp('article', { ds1: { keepalivedConf: confs.ds1 }, ds2: { keepalivedConf: confs.ds2 } });
  try {
    const session = lab.session;
    if (!session) throw new Error('keepalived-crash: the lab has no backend session');
    return await keepalivedCrashScenario(lab, session);
  } finally {
    await lab.down();
  }
}

/** keepalived's quorum and sorry server with real keepalived (healthcheck-quorum.ts), in a lab of its own. */
async function keepalivedQuorum(): Promise<QuorumObservation> {
  const lab = await kernelUp('article-single', {});
  try {
    await lab.director('ds1').configure({ keepalivedConf: quorumConf() });
    try {
      // each table change waits for keepalived's next check (delay_loop 1) and a slow -Ln under emulation
      return await quorumScenario(lab, 30_000);
    } finally {
      await lab.director('ds1').stop();
    }
  } finally {
    await lab.down();
  }
}

/** Scenario name -> runner. `replay:a,b,c` replays those golden traces. */
export async function runScenario(name: string): Promise<unknown> {
  if (name === 'article' || name === 'keepalived-health') {
    const runs = await articleRuns();
    const value = name === 'article' ? runs.article : runs.keepalived;
    if (value === undefined) throw new Error(runs.errors[name] ?? `${name}: no observation`);
    return value;
  }
  if (name === 'keepalived-failover') return failover();
  if (name === 'keepalived-quorum') return keepalivedQuorum();
  if (name === 'keepalived-crash') return keepalivedCrash();
  if (name.startsWith('replay:')) return replays(name.slice('replay:'.length).split(',').filter((n) => n !== ''));
  throw new Error(`unknown kernel scenario '${name}' (article, keepalived-health, keepalived-failover, keepalived-crash, keepalived-quorum, replay:TRACE,...)`);
}
