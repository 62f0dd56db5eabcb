// Differential: the same traces (the `lvslab simulate` format) through the kernel's IPVS — real
// connections from a client namespace, src/lb/kernel/replay — and through the embedded core's trace
// runner; every connection must reach the same real server and every ipvsadm listing must be the
// same text (-Lnc as a set, expiry within the replay's own duration, which the core's manual clock
// does not see). A difference is printed as a diff of the two outputs, item by item.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareTraceItems } from '../../src/lb/kernel/diff.js';
import type { KernelRun } from '../../test/kernel/pass/run.js';
import { kernelPass, kernelPassHookMs, liveTraces } from '../../test/kernel/pass/pass.js';
import type { ReplayObservation } from '../../test/kernel/pass/scenarios.js';
import { runTraceItems } from '../../src/lb/simulate/run.js';
import { needs, probe } from '../../test/capabilities.js';

// Traces replayed live (test/kernel/pass/pass.ts liveTraces; LVSLAB_DIFF_TRACES overrides): every
// scheduler (lblcr included), the kernel rules (thresholds, expiry, templates, one-packet, RST, sh/mh
// flags, -E/-D/-C) and every listing format, --stats and --rate included.
const LIVE = liveTraces();

const kernel = await probe.kernelIpvs();

describe(`differential: kernel IPVS vs embedded core (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap), () => {
  let run: KernelRun;
  const scenario = `replay:${LIVE.join(',')}`;
  beforeAll(async () => {
    run = await kernelPass();
  }, kernelPassHookMs());

  for (const name of LIVE) {
    it(`${name}: same real server for every connection, same ipvsadm text`, () => {
      if (run.mode === 'skip') throw new Error(run.reason);
      const r = run.results[scenario];
      if (!r?.ok) throw new Error(`kernel replay failed (${run.mode}):\n${r?.error ?? 'no result'}`);
      const trace = (r.value as ReplayObservation).traces.find((t) => t.name === name);
      expect(trace, `kernel replay of ${name}`).toBeDefined();
      const embedded = [...runTraceItems(trace!.text)];
      const diff = compareTraceItems(trace!.text, trace!.items, embedded, trace!.elapsedS);
      expect(diff, `${name}: kernel (-) vs embedded (+)\n${diff}`).toBe('');
    });
  }
});
