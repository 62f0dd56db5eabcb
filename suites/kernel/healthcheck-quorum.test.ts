// keepalived's quorum and sorry server on both backends: real keepalived with kernel IPVS (in the
// kernel VM, through the kernel pass) and the embedded director's checker go through the same
// `ipvsadm -Ln` tables — both servers, RS2 gone, the sorry server alone when quorum is lost, both
// servers again when it is back — and the sorry server answers the VIP meanwhile.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { kernelPass, kernelPassHookMs } from '../../test/kernel/pass/pass.js';
import { quorumConf, quorumScenario, type QuorumObservation } from '../../test/kernel/pass/healthcheck-quorum.js';
import { up } from '../../src/api/up.js';
import { needs, probe } from '../../test/capabilities.js';

const kernel = await probe.kernelIpvs();

describe(`keepalived quorum and sorry server, kernel (${kernel.kernel.mode}) and embedded`, needs(await probe.root(), kernel.cap), () => {
  let k: QuorumObservation;
  let e: QuorumObservation;
  beforeAll(async () => {
    // the pass's own bound: whichever suite file starts the shared pass sets it for all of them
    const run: KernelRun = await kernelPass();
    if (run.mode === 'skip') throw new Error(run.reason);
    const r = run.results['keepalived-quorum'];
    if (!r?.ok) throw new Error(`kernel scenario keepalived-quorum failed (${run.mode}):\n${r?.error ?? 'no result'}`);
    k = r.value as QuorumObservation;
    const lab = await up('article-single', { backend: 'embedded', directors: { ds1: { keepalivedConf: quorumConf() } } });
    try {
      e = await quorumScenario(lab, 10_000);
    } finally {
      await lab.down();
    }
  }, kernelPassHookMs() + 160_000);

  it('kernel: the sorry server alone while quorum is lost, both real servers before and after', () => {
    expect(k.tables.map((t) => t.step)).toEqual(['start', 'rs2 down', 'rs1 down: quorum lost', 'both back: quorum gained']);
    expect(k.tables[2]!.ln).toContain('-> 10.0.0.101:8080');
    expect(k.tables[2]!.ln).not.toContain('10.0.0.101:80 ');
    expect(k.sorrySequence).toEqual(['SORRY', 'SORRY', 'SORRY']);
    expect(new Set(k.backSequence)).toEqual(new Set(['RS1', 'RS2']));
  });

  it('the embedded director goes through the same -Ln tables as keepalived on kernel IPVS', () => {
    expect(e.tables).toEqual(k.tables);
    expect(e.sorrySequence).toEqual(k.sorrySequence);
  });
});
