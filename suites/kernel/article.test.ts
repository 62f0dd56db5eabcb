// The article's scenarios on the kernel backend (kernel IPVS via ipvsadm, real keepalived): the same
// expectations as the embedded article suites. Runs natively where the kernel has IPVS, else inside
// the kernel VM (test/kernel/pass), else skips saying why.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { kernelPass, kernelPassHookMs } from '../../test/kernel/pass/pass.js';
import type { ArticleObservation, KeepalivedObservation } from '../../test/kernel/pass/scenarios.js';
import { needs, probe } from '../../test/capabilities.js';
import { VM_SLACK_MS, checkerRemovalMs } from '../../test/bounds.js';
import { healthCheckConf } from '../../test/kernel/pass/settings.js';

const kernel = await probe.kernelIpvs();

function value<T>(run: KernelRun | undefined, name: string): T {
  if (!run || run.mode === 'skip') throw new Error(`kernel run skipped: ${run?.mode === 'skip' ? run.reason : 'not run'}`);
  const r = run.results[name];
  if (!r?.ok) throw new Error(`kernel scenario ${name} failed (${run.mode}):\n${r?.error ?? 'no result'}`);
  return r.value as T;
}

describe(`article on the kernel backend (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap), () => {
  let run: KernelRun;
  beforeAll(async () => {
    run = await kernelPass();
  }, kernelPassHookMs());

  it('HTTP requests alternate RS2, RS1, RS2, RS1 (newest real server first)', () => {
    const a = value<ArticleObservation>(run, 'article');
    expect(a.tcpFailed).toBe(0);
    expect(a.tcpSequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  });

  it('-Ln lists the TCP and UDP services with both real servers as Masq, weight 1', () => {
    const lines = value<ArticleObservation>(run, 'article').ln.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    ]);
    expect(lines[3]).toBe('TCP  192.168.1.112:80 rr');
    expect(lines[4]).toMatch(/^ {2}-> 10\.0\.0\.101:80 {16}Masq {4}1 {6}\d+ +\d+ *$/);
    expect(lines[5]).toMatch(/^ {2}-> 10\.0\.0\.102:80 {16}Masq {4}1 {6}\d+ +\d+ *$/);
    expect(lines[6]).toBe('UDP  192.168.1.112:9999 rr');
  });

  it('-Lnc shows the four TCP connections from the client itself, two to each real server', () => {
    const tcp = value<ArticleObservation>(run, 'article').lnc.filter((c) => c.proto === 'TCP');
    expect(tcp).toHaveLength(4);
    expect(new Set(tcp.map((c) => c.client))).toEqual(new Set(['192.168.1.100']));
    expect(tcp.filter((c) => c.destination === '10.0.0.101:80')).toHaveLength(2);
    expect(tcp.filter((c) => c.destination === '10.0.0.102:80')).toHaveLength(2);
  });

  it('UDP: two files from fresh source ports land on RS2 then RS1, intact', () => {
    const a = value<ArticleObservation>(run, 'article');
    expect(a.udpSequence).toEqual(['RS2', 'RS1']);
    expect(a.udpIntact).toEqual([true, true]);
  });

  it('UDP: -Lnc shows one UDP entry per real server, expiring within 5 minutes', () => {
    const udp = value<ArticleObservation>(run, 'article').udpLnc;
    expect(udp).toHaveLength(2);
    expect(new Set(udp.map((c) => c.destination))).toEqual(new Set(['10.0.0.101:9999', '10.0.0.102:9999']));
    for (const c of udp) {
      expect(c.state).toBe('UDP');
      expect(c.expiresIn).toBeLessThanOrEqual(300);
      expect(c.expiresIn).toBeGreaterThan(200);
    }
  });

  it("keepalived programs IPVS from the article's virtual_server blocks and the requests alternate", () => {
    const k = value<KeepalivedObservation>(run, 'keepalived-health');
    expect(k.ln).toContain('TCP  192.168.1.112:80 rr');
    expect(k.ln).toMatch(/-> 10\.0\.0\.101:80 +Masq/);
    expect(k.ln).toMatch(/-> 10\.0\.0\.102:80 +Masq/);
    expect(new Set(k.tcpSequence)).toEqual(new Set(['RS1', 'RS2']));
  });

  it("keepalived's TCP_CHECK removes a real server that refuses connections within delay_loop + retry x delay_before_retry", () => {
    const k = value<KeepalivedObservation>(run, 'keepalived-health');
    expect(k.removedAfterS).not.toBeNull();
    expect(k.lnAfterRemoval).not.toMatch(/-> 10\.0\.0\.101:80 /);
    expect(k.lnAfterRemoval).toMatch(/-> 10\.0\.0\.102:80 +Masq/);
    // rs1's port refuses at once (its server stopped, the host is up): the next check fails, and one
    // retry later keepalived removes it. The removal came after the start of the last listing that
    // still showed rs1 (one -Ln takes seconds under emulation).
    const bound = checkerRemovalMs(healthCheckConf(), '10.0.0.101:80', 'refused', VM_SLACK_MS);
    console.log(`kernel TCP_CHECK: rs1 left -Ln between +${k.lastListedS.toFixed(2)} s and +${k.removedAfterS!.toFixed(2)} s after its server stopped; theory at most ${(bound / 1000).toFixed(2)} s (VM slack ${VM_SLACK_MS} ms)`);
    expect(k.lastListedS * 1000).toBeLessThan(bound);
  });
});
