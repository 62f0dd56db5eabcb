// keepalived crashes on the master director while its links stay up (the article's two directors, real
// keepalived, kernel IPVS): the kernel keeps forwarding with its table and the VIP stays on DS1's
// interface, DS2 takes the VIP too after its master-down interval (a split brain), the client and the
// real servers follow whichever ARP they heard last; keepalived restarted on DS1 makes one master again.
// Runs where kernel IPVS is (the kernel pass, test/kernel/pass/scenarios.ts); the expectations are in
// suites/kernel/keepalived-crash.test.ts, the facts in docs/kernel-behaviour.md.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LvsLab } from '../../../src/api/up.js';
import type { BackendSession } from '../../../src/lb/backend.js';

const VIP = '192.168.1.112';
const DIP = '10.0.0.105';

/** One look at who holds the VIP and the DIP, timed from the crash: started at `atS`, done at `doneS`. */

/** the kernel estimator's period (ip_vs_est.c: every 2 s it copies the per-CPU counters --stats shows) */
const ESTIMATOR_PERIOD_MS = 2000;
export interface HolderLook {
  atS: number;
  doneS: number;
  vip: string[];
  dip: string[];
}

export interface CrashObservation {
  /** eth0 (client side) and eth1 (real-server side) MAC addresses of each director */
  macs: Record<string, { eth0: string; eth1: string }>;
  holderBefore: string[];
  before: string[];
  /** ds1's `-Ln` and `-Lnc` before the crash, and after it once ds2 also held the VIP */
  lnBefore: string;
  lncBefore: string;
  lnAfterKill: string;
  lncAfterKill: string;
  /** requests sent right after the crash (before DS2's takeover could start), and when they were done */
  afterKill: { sequence: string[]; failed: number; doneS: number };
  /** new connections each director's IPVS counted for those requests */
  connsAfterKill: Record<string, number>;
  /** the looks at the addresses from the crash until DS2 also held the VIP */
  splitLooks: HolderLook[];
  /** seconds from the crash to the end of the first look finding the VIP on both directors */
  splitAfterS: number | null;
  /** seconds from the crash to the start of the last look finding it on DS1 alone (the split came later) */
  lastSingleS: number;
  /** during the split brain: which director's MAC the client and RS1 resolve the VIP and the DIP to */
  clientVipMacSplit: string;
  rs1DipMacSplit: string;
  /** requests during the split brain, and how many new connections each director's IPVS counted for them */
  split: { sequence: string[]; failed: number };
  connsDuringSplit: Record<string, number>;
  /** seconds from the crash to the restart of keepalived on ds1 */
  restartAtS: number;
  /** the crash and the restart, epoch ms (keepalived's log lines carry the same clock, to the second) */
  crashAt: number;
  restartAt: number;
  /** the looks from the restart until ds1 alone held the VIP and the DIP again (times from the restart) */
  healLooks: HolderLook[];
  /** seconds from the restart to the end of the first look finding ds1 alone holding both again */
  healedAfterS: number | null;
  /** seconds from the restart to the start of the last look still finding the split */
  lastSplitS: number;
  holderAfter: { vip: string[]; dip: string[] };
  clientVipMacAfter: string;
  rs1DipMacAfter: string;
  after: { sequence: string[]; failed: number };
  connsAfter: Record<string, number>;
  lnDs1After: string;
  /** keepalived's VRRP lines (states, priorities) on each director, from its console log */
  log: Record<string, string[]>;
}

/** The crash scenario on a lab with both directors running their keepalived.conf (ds1 MASTER 150, ds2 BACKUP 100). */
export async function keepalivedCrashScenario(lab: LvsLab, session: BackendSession & { keepalivedLog?(d: string): string }): Promise<CrashObservation> {
  const sinceS = (t0: number) => (Date.now() - t0) / 1000;
  const look = async (t0: number): Promise<HolderLook> => {
    const atS = sinceS(t0);
    const h = await lab.addressHolders();
    return { atS, doneS: sinceS(t0), vip: (h[VIP] ?? []).sort(), dip: (h[DIP] ?? []).sort() };
  };
  const poll = async <T>(what: string, f: () => Promise<T | undefined>, limitS: number, stepMs: number): Promise<T> => {
    const t0 = Date.now();
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (sinceS(t0) > limitS) throw new Error(`keepalived-crash: ${what} not within ${limitS} s`);
      await new Promise((r) => setTimeout(r, stepMs));
    }
  };
  const mac = async (host: string, dev: string) => /link\/ether ([0-9a-f:]{17})/.exec((await lab.host(host).exec(['ip', '-o', 'link', 'show', 'dev', dev])).stdout)?.[1] ?? '?';
  const neighbour = async (host: string, addr: string) => /lladdr ([0-9a-f:]{17})/.exec((await lab.host(host).exec(['ip', 'neigh', 'show', addr], { check: false })).stdout)?.[1] ?? 'none';
  // new connections the director's IPVS scheduled for the VIP's TCP service (`-Ln --stats`, Conns)
  // The kernel's --stats counters are what its estimator last copied from the per-CPU counters, every
  // 2 s (ip_vs_est.c): a read right after the requests can miss them. Wait out one period first.
  const conns = async (d: string) => {
    const text = (await lab.director(d).ipvsadm('-Ln', '--stats')).text;
    return Number(new RegExp(`^TCP\\s+${VIP.replace(/\./g, '\\.')}:80\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  };
  const connsBoth = async () => {
    await sleep(ESTIMATOR_PERIOD_MS + 200);
    return { ds1: await conns('ds1'), ds2: await conns('ds2') };
  };
  const request = async (count: number) => {
    const r = await lab.client.http(`http://${VIP}/`, { count, timeoutMs: 10_000 });
    return { sequence: r.sequence, failed: r.failed };
  };

  // settled: ds1 holds both addresses and keepalived's checkers have added the real servers
  await poll('ds1 holding the VIP and the DIP alone', async () => {
    const h = await lab.addressHolders();
    return h[VIP]?.join() === 'ds1' && h[DIP]?.join() === 'ds1' ? true : undefined;
  }, 90, 500);
  await poll("keepalived's real servers on ds1", async () => (((await lab.director('ds1').ipvsadm('-Ln')).text.match(/Masq/g) ?? []).length >= 4 ? true : undefined), 60, 500);
  const macs: CrashObservation['macs'] = {};
  for (const d of ['ds1', 'ds2']) macs[d] = { eth0: await mac(d, 'eth0'), eth1: await mac(d, 'eth1') };
  const holderBefore = (await lab.addressHolders())[VIP] ?? [];
  const before = (await request(4)).sequence;
  const lnBefore = (await lab.director('ds1').ipvsadm('-Ln')).text;
  const lncBefore = (await lab.director('ds1').ipvsadm('-Lnc')).text;
  const conns0 = await connsBoth();

  // the crash: keepalived and its children SIGKILLed, links up
  const crash = Date.now();
  await session.killKeepalived('ds1');
  const afterKillReq = await request(2);
  const afterKill = { ...afterKillReq, doneS: sinceS(crash) };

  // DS2 takes the VIP too: each look costs seconds under emulation, so the split happened after the
  // start of the last look that saw ds1 alone and before the end of the first that saw both
  const splitLooks: HolderLook[] = [];
  let lastSingleS = 0;
  const split = await poll('ds2 taking the VIP', async () => {
    const l = await look(crash);
    splitLooks.push(l);
    if (l.vip.includes('ds2')) return l;
    lastSingleS = l.atS;
    return undefined;
  }, 90, 200).catch(() => undefined);
  const splitAfterS = split ? split.doneS : null;
  // ds1's table and connections, looked at once the split is there (a look costs seconds in the VM:
  // made before, it would have delayed the first look at the addresses)
  const lnAfterKill = (await lab.director('ds1').ipvsadm('-Ln')).text;
  const lncAfterKill = (await lab.director('ds1').ipvsadm('-Lnc')).text;
  const connsK = await connsBoth();
  // the gratuitous ARPs of DS2's takeover have gone out by now (it sends them on becoming master)
  const clientVipMacSplit = await neighbour('client', VIP);
  const rs1DipMacSplit = await neighbour('rs1', DIP);
  const splitReq = await request(4);
  const conns2 = await connsBoth();

  // keepalived starts again on ds1 with its keepalived.conf
  const restartAtS = sinceS(crash);
  const restart = Date.now();
  await session.startKeepalived('ds1');
  const healLooks: HolderLook[] = [];
  let lastSplitS = 0;
  const healed = await poll('ds1 alone holding the VIP and the DIP again', async () => {
    const l = await look(restart);
    healLooks.push(l);
    // ds1 has the higher priority (150): it preempts, and ds2 gives both addresses up
    if (l.vip.join() === 'ds1' && l.dip.join() === 'ds1') return l;
    lastSplitS = l.atS;
    return undefined;
  }, 90, 200).catch(() => undefined);
  const healedAfterS = healed ? healed.doneS : null;
  const holderAfter = healed ? { vip: healed.vip, dip: healed.dip } : { vip: [], dip: [] };
  const clientVipMacAfter = await neighbour('client', VIP);
  const rs1DipMacAfter = await neighbour('rs1', DIP);
  const conns3 = await connsBoth();
  const after = await request(4);
  const conns4 = await connsBoth();
  const lnDs1After = (await lab.director('ds1').ipvsadm('-Ln')).text;

  const vrrpLines = (d: string) =>
    (session.keepalivedLog?.(d) ?? '')
      .split('\n')
      .filter((l) => /STATE|priority|VIPs|Stopped|Starting|exited/.test(l));
  return {
    macs,
    holderBefore,
    before,
    lnBefore,
    lncBefore,
    lnAfterKill,
    lncAfterKill,
    afterKill,
    connsAfterKill: { ds1: connsK.ds1 - conns0.ds1, ds2: connsK.ds2 - conns0.ds2 },
    splitLooks,
    splitAfterS,
    lastSingleS,
    clientVipMacSplit,
    rs1DipMacSplit,
    split: splitReq,
    connsDuringSplit: { ds1: conns2.ds1 - connsK.ds1, ds2: conns2.ds2 - connsK.ds2 },
    restartAtS,
    crashAt: crash,
    restartAt: restart,
    healLooks,
    healedAfterS,
    lastSplitS,
    holderAfter,
    clientVipMacAfter,
    rs1DipMacAfter,
    after,
    connsAfter: { ds1: conns4.ds1 - conns3.ds1, ds2: conns4.ds2 - conns3.ds2 },
    lnDs1After,
    log: { ds1: vrrpLines('ds1'), ds2: vrrpLines('ds2') },
  };
}
