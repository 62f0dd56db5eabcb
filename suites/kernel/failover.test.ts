// The article's failover with real keepalived (VRRP + virtual_server) and kernel IPVS on both
// directors: ds1 crashes (keepalived SIGKILLed, links cut) and ds2 takes the VIP and serves.
// LVSLAB_KERNEL_FAILOVER=0 leaves it out of the kernel pass (it costs ~35 s in the VM).
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { failoverEnabled, kernelPass, kernelPassHookMs } from '../../test/kernel/pass/pass.js';
import type { FailoverObservation } from '../../test/kernel/pass/scenarios.js';
import { capability, needs, probe } from '../../test/capabilities.js';
import { VM_SLACK_MS, takeoverWindowMs, vrrpTimers } from '../../test/bounds.js';
import { SERVING_PROBE, failoverConfs } from '../../test/kernel/pass/settings.js';

const kernel = await probe.kernelIpvs();

describe(`keepalived failover on the kernel backend (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap, capability('kernel-failover', failoverEnabled(), 'LVSLAB_KERNEL_FAILOVER=0 leaves it out of the kernel pass', 'switched-off')), () => {
  let f: FailoverObservation;
  beforeAll(async () => {
    const run: KernelRun = await kernelPass();
    if (run.mode === 'skip') throw new Error(run.reason);
    const r = run.results['keepalived-failover'];
    if (!r?.ok) throw new Error(`kernel scenario keepalived-failover failed (${run.mode}):\n${r?.error ?? 'no result'}`);
    f = r.value as FailoverObservation;
  }, kernelPassHookMs());

  it('ds1 (MASTER, priority 150) holds the VIP and its IPVS alternates RS2, RS1, RS2, RS1', () => {
    expect(f.holderBefore).toEqual(['ds1']);
    expect(f.before).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  });

  it("after ds1 crashes, ds2 takes the VIP within its master-down interval (3 adverts + skew, from ds2's conf) and serves", () => {
    expect(f.vipMovedAfterS).not.toBeNull();
    // The VIP moved after lastMissS and by vipMovedAfterS (each look at the addresses takes seconds
    // under emulation); keepalived's timers put the move in the window, widened by the VM's slack.
    const t = vrrpTimers(failoverConfs().ds2);
    const w = takeoverWindowMs(t, VM_SLACK_MS);
    console.log(
      `kernel failover: the VIP moved to ds2 between +${f.lastMissS.toFixed(2)} s and +${f.vipMovedAfterS!.toFixed(2)} s after the crash, served at +${f.servingAfterS?.toFixed(2)} s; ` +
        `theory ${(w.min / 1000).toFixed(2)}-${(w.max / 1000).toFixed(2)} s (master-down ${t.masterDownMs} ms after the last advert, VM slack ${VM_SLACK_MS} ms)`,
    );
    expect(f.vipMovedAfterS! * 1000).toBeGreaterThanOrEqual(w.min);
    expect(f.lastMissS * 1000).toBeLessThan(w.max);
    // once the VIP is there, at most one request (racing the gratuitous ARP) times out before one is answered
    expect(f.servingAfterS).not.toBeNull();
    expect(f.servingAfterS! * 1000).toBeLessThanOrEqual(f.vipMovedAfterS! * 1000 + 2 * SERVING_PROBE.timeoutMs + SERVING_PROBE.everyMs + VM_SLACK_MS);
    expect(f.holderAfter).toContain('ds2');
    expect(new Set(f.after)).toEqual(new Set(['RS1', 'RS2']));
    expect(f.lnDs2).toContain('TCP  192.168.1.112:80 rr');
  });
});
