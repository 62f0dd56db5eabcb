// The article's failover with real keepalived (VRRP + virtual_server) and kernel IPVS on both
// directors: ds1 crashes (keepalived SIGKILLed, links cut) and ds2 takes the VIP and serves.
// LVSLAB_KERNEL_FAILOVER=0 leaves it out of the kernel pass (it costs ~35 s in the VM).
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { failoverEnabled, kernelPass } from '../../test/kernel/pass/pass.js';
import type { FailoverObservation } from '../../test/kernel/pass/scenarios.js';
import { capability, needs, probe } from '../../test/capabilities.js';

const kernel = await probe.kernelIpvs();

describe(`keepalived failover on the kernel backend (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap, capability('kernel-failover', failoverEnabled(), 'LVSLAB_KERNEL_FAILOVER=0 leaves it out of the kernel pass', 'switched-off')), () => {
  let f: FailoverObservation;
  beforeAll(async () => {
    const run: KernelRun = await kernelPass({ timeoutMs: 540_000 });
    if (run.mode === 'skip') throw new Error(run.reason);
    const r = run.results['keepalived-failover'];
    if (!r?.ok) throw new Error(`kernel scenario keepalived-failover failed (${run.mode}):\n${r?.error ?? 'no result'}`);
    f = r.value as FailoverObservation;
  }, 600_000);

  it('ds1 (MASTER, priority 150) holds the VIP and its IPVS alternates RS2, RS1, RS2, RS1', () => {
    expect(f.holderBefore).toEqual(['ds1']);
    expect(f.before).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  });

  it('after ds1 crashes, ds2 takes the VIP (3 adverts + skew in theory; emulation stretches it) and serves', () => {
    expect(f.vipMovedAfterS).not.toBeNull();
    expect(f.vipMovedAfterS!).toBeLessThan(60);
    expect(f.servingAfterS).not.toBeNull();
    expect(f.holderAfter).toContain('ds2');
    expect(new Set(f.after)).toEqual(new Set(['RS1', 'RS2']));
    expect(f.lnDs2).toContain('TCP  192.168.1.112:80 rr');
  });
});
