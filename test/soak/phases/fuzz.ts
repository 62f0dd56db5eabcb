// The packet fuzzer (test/director/fuzz.ts) at full size: --packets generated packets (default a
// million) through the data plane, seeded by the soak's seed. No lab needed; it counts as one cycle.
import { FUZZ_CLASSES, runFuzz } from '../../director/fuzz.js';
import type { Phase } from './phase.js';

export const fuzz: Phase = {
  name: 'fuzz',
  summary: 'generated odd packets through the parser, NAT rewrite and checksums; each class held to the kernel',
  async run(ctx) {
    const r = runFuzz(ctx.random.seed, ctx.packets);
    const s = r.stats;
    ctx.log(`fuzz: ${r.count} packets in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.count / (r.ms / 1000))}/s, seed ${r.seed}): ` +
      `${s.natted} NATed, ${s.icmpNatted} ICMP errors translated, ${s.malformed} malformed, ${s.fragments} later fragments, ${s.dropped} dropped, ${s.coreErrors} core errors`);
    ctx.log(`fuzz: per class (generated/rewritten): ${FUZZ_CLASSES.map((c) => `${c} ${r.perClass[c]}/${r.rewritten[c]}`).join(', ')}`);
    for (const f of r.failures) ctx.log(`fuzz: FAIL ${f}`);
    if (r.failureCount > r.failures.length) ctx.log(`fuzz: ... ${r.failureCount - r.failures.length} more`);
    ctx.log(`fuzz: ${r.failureCount} broken expectations`);
    return { cycles: 1, leftovers: 0, failures: r.failureCount + s.coreErrors };
  },
};
