// keepalived crashes on the master director, its links up (the article's two directors, real
// keepalived and kernel IPVS): the kernel keeps forwarding with its table and keeps the VIP, DS2 takes
// the VIP too after its master-down interval (split brain), the client and the real servers follow
// the gratuitous ARPs they heard last, and keepalived restarted on DS1 makes one master again. What
// the real kernel does here is written down in docs/kernel-behaviour.md. The observations come from
// the kernel pass (test/kernel/pass/keepalived-crash.ts); LVSLAB_KERNEL_FAILOVER=0 leaves it out.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { failoverEnabled, kernelPass, kernelPassHookMs } from '../../test/kernel/pass/pass.js';
import type { CrashObservation } from '../../test/kernel/pass/keepalived-crash.js';
import { capability, needs, probe } from '../../test/capabilities.js';
import { VM_SLACK_MS, takeoverWindowMs, vrrpTimers } from '../../test/bounds.js';
import { failoverConfs } from '../../test/kernel/pass/settings.js';
import { parseIpvsConnections } from '../../src/checks/ipvsadm-text.js';
import { lineTime } from '../../src/lab/logs.js';

const kernel = await probe.kernelIpvs();

/** A -Ln listing's services and destinations without the counters (they move with traffic). */
function tableShape(ln: string): string[] {
  return ln
    .split('\n')
    .filter((l) => /^(TCP|UDP)\s|^\s+->\s+\d/.test(l))
    .map((l) => l.trim().split(/\s+/).slice(0, l.trim().startsWith('->') ? 4 : 3).join(' '));
}

/**
 * When keepalived logged a line matching `pattern` (the n-th such line, 0 first): its console log
 * gives the time to the second, so the event was in [at, at + 1000).
 */
function loggedAt(lines: readonly string[], pattern: RegExp, n = 0): number {
  const line = lines.filter((l) => pattern.test(l))[n];
  if (!line) throw new Error(`keepalived logged no line matching ${pattern} (#${n + 1}) in:\n  ${lines.join('\n  ')}`);
  const at = lineTime(line).at;
  if (at === undefined) throw new Error(`no time in keepalived's line '${line}'`);
  return at;
}

describe(`keepalived crashes, links up, on the kernel backend (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap, capability('kernel-failover', failoverEnabled(), 'LVSLAB_KERNEL_FAILOVER=0 leaves it out of the kernel pass', 'switched-off')), () => {
  let c: CrashObservation;
  const ds1 = vrrpTimers(failoverConfs().ds1);
  const ds2 = vrrpTimers(failoverConfs().ds2);
  beforeAll(async () => {
    const run: KernelRun = await kernelPass();
    if (run.mode === 'skip') throw new Error(run.reason);
    const r = run.results['keepalived-crash'];
    if (!r?.ok) throw new Error(`kernel scenario keepalived-crash failed (${run.mode}):\n${r?.error ?? 'no result'}`);
    c = r.value as CrashObservation;
    const w = takeoverWindowMs(ds2, VM_SLACK_MS);
    console.log(
      `keepalived crash on ds1 (links up): ds2 also took the VIP between +${c.lastSingleS.toFixed(2)} s and +${c.splitAfterS?.toFixed(2)} s ` +
        `(theory ${(w.min / 1000).toFixed(2)}-${(w.max / 1000).toFixed(2)} s); keepalived restarted at +${c.restartAtS.toFixed(2)} s, ` +
        `ds1 alone again between +${c.lastSplitS.toFixed(2)} s and +${c.healedAfterS?.toFixed(2)} s after the restart (ds1's master-down ${ds1.masterDownMs} ms)\n` +
        `ds1 keepalived:\n  ${c.log.ds1.join('\n  ')}\nds2 keepalived:\n  ${c.log.ds2.join('\n  ')}`,
    );
  }, kernelPassHookMs());

  it('before: ds1 (MASTER, priority 150) holds the VIP and its IPVS alternates RS2, RS1, RS2, RS1', () => {
    expect(c.holderBefore).toEqual(['ds1']);
    expect(c.before).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    expect(tableShape(c.lnBefore)).toContain('TCP 192.168.1.112:80 rr');
  });

  it('keepalived SIGKILLed: the kernel keeps its table (-Ln) and its connections (-Lnc), and ds1 keeps forwarding', () => {
    expect(tableShape(c.lnAfterKill)).toEqual(tableShape(c.lnBefore));
    const key = (r: { client: { addr: string; port: number }; destination: { addr: string; port: number } }) => `${r.client.addr}:${r.client.port}>${r.destination.addr}:${r.destination.port}`;
    const after = new Set(parseIpvsConnections(c.lncAfterKill).map(key));
    const before = parseIpvsConnections(c.lncBefore);
    expect(before.length).toBeGreaterThan(0);
    for (const row of before) expect(after).toContain(key(row));
    expect(c.afterKill.failed).toBe(0);
    // before ds2 can take over (its master-down interval less one advert, at the earliest), the
    // client still resolves the VIP to ds1: ds1's IPVS scheduled those connections
    const earliest = takeoverWindowMs(ds2, VM_SLACK_MS).min;
    expect(c.connsAfterKill.ds1 + c.connsAfterKill.ds2).toBe(2);
    if (c.afterKill.doneS * 1000 < earliest) expect(c.connsAfterKill).toEqual({ ds1: 2, ds2: 0 });
    else console.log(`the requests after the kill ended at +${c.afterKill.doneS.toFixed(2)} s, past the earliest takeover: ds1 counted ${c.connsAfterKill.ds1} of 2`);
  });

  it("ds2 also takes the VIP and the DIP within its master-down interval; ds1 keeps both (split brain)", () => {
    expect(c.splitAfterS).not.toBeNull();
    const w = takeoverWindowMs(ds2, VM_SLACK_MS);
    // the looks at the addresses bracket the split ...
    expect(c.splitAfterS! * 1000).toBeGreaterThanOrEqual(w.min);
    expect(c.lastSingleS * 1000).toBeLessThan(w.max);
    // ... and ds2's keepalived says when, to the second: that second overlaps the window
    const master = loggedAt(c.log.ds2!, /\(VI_1\) Entering MASTER STATE/) - c.crashAt;
    expect(master + 1000).toBeGreaterThanOrEqual(w.min);
    expect(master).toBeLessThanOrEqual(w.max);
    const split = c.splitLooks[c.splitLooks.length - 1]!;
    expect(split.vip).toEqual(['ds1', 'ds2']);
    expect(split.dip).toEqual(['ds1', 'ds2']);
    expect(tableShape(c.lnAfterKill)).toEqual(tableShape(c.lnBefore));
  });

  it("the client and the real servers follow ds2's gratuitous ARPs, the last they heard: ds2 forwards", () => {
    expect(c.clientVipMacSplit).toBe(c.macs.ds2!.eth0);
    expect(c.rs1DipMacSplit).toBe(c.macs.ds2!.eth1);
    expect(c.split.failed).toBe(0);
    expect(new Set(c.split.sequence)).toEqual(new Set(['RS1', 'RS2']));
    expect(c.connsDuringSplit).toEqual({ ds1: 0, ds2: 4 });
  });

  it('keepalived restarted on ds1 removes the VIPs it finds, then preempts after its master-down interval; ds2 lets go: one master again', () => {
    expect(c.healedAfterS).not.toBeNull();
    expect(c.holderAfter).toEqual({ vip: ['ds1'], dip: ['ds1'] });
    // ds1 starts in BACKUP and discards ds2's lower-priority adverts until its own down timer fires
    expect(c.healedAfterS! * 1000).toBeGreaterThanOrEqual(ds1.masterDownMs - VM_SLACK_MS);
    const init = loggedAt(c.log.ds1!, /\(VI_1\) Entering BACKUP STATE \(init\)/, 1);
    const master = loggedAt(c.log.ds1!, /\(VI_1\) Entering MASTER STATE/, 1);
    // ds2 steps down on ds1's first advert, which keepalived 2.2.7 sends before it logs "Entering
    // MASTER STATE" and sets its VIPs ("the old master needs to remove the VIPs before we send the
    // gratuitous ARPs, so send the advert first": vrrp_state_master_tx, docs/kernel-behaviour.md):
    // both lines to the second, ds2's may carry the second before ds1's (seen at load)
    const backup = loggedAt(c.log.ds2!, /\(VI_1\) Entering BACKUP STATE$/);
    // at start keepalived removes the addresses of its instances and enters BACKUP ("(init)"): once a
    // look finds ds1 without the VIP, every look that ended before the handover's second (the first
    // of ds1's MASTER and ds2's BACKUP lines) finds ds2 alone. (Looks from then on are left out: a
    // look reads the two directors with two `ip` runs, not at one instant, and by design ds2 lets
    // go before ds1 takes over, so one may catch both, or neither.)
    const firstWithout = c.healLooks.findIndex((l) => !l.vip.includes('ds1'));
    // a look found ds1 without the VIP before the look that found it healed (the last one)
    expect(firstWithout).toBeGreaterThanOrEqual(0);
    expect(firstWithout).toBeLessThan(c.healLooks.length - 1);
    const handover = Math.min(master, backup);
    for (const l of c.healLooks.slice(firstWithout).filter((l) => c.restartAt + l.doneS * 1000 < handover)) expect(l.vip).toEqual(['ds2']);
    expect(init).toBeGreaterThanOrEqual(Math.floor(c.restartAt / 1000) * 1000);
    // both to the second: the interval is master-down, give or take the second of each line
    expect(master - init).toBeGreaterThanOrEqual(ds1.masterDownMs - 1000);
    expect(master - init).toBeLessThanOrEqual(ds1.masterDownMs + 1000 + VM_SLACK_MS);
    // ds2's BACKUP line within a second of ds1's MASTER line, either way round (above)
    expect(backup - master).toBeGreaterThanOrEqual(-1000);
    expect(backup - master).toBeLessThanOrEqual(1000 + VM_SLACK_MS);
    expect(c.clientVipMacAfter).toBe(c.macs.ds1!.eth0);
    expect(c.rs1DipMacAfter).toBe(c.macs.ds1!.eth1);
    expect(c.after.failed).toBe(0);
    expect(c.connsAfter).toEqual({ ds1: 4, ds2: 0 });
    expect(tableShape(c.lnDs1After)).toEqual(tableShape(c.lnBefore));
  });
});
