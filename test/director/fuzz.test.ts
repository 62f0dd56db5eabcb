// The seeded packet fuzzer (test/director/fuzz.ts) at a unit-test count: every class of odd packet
// held to what the kernel does with it, rewritten packets checked by an independent checksum. The
// seed is fixed so CI repeats itself; LVSLAB_FUZZ_SEED / LVSLAB_FUZZ_COUNT override (the soak's `fuzz`
// phase runs a million and more: docs/lab.md, Soak).
import { describe, expect, it } from 'vitest';
import { FUZZ_CLASSES, runFuzz } from './fuzz.js';

const SEED = process.env.LVSLAB_FUZZ_SEED === undefined ? 12 : Number(process.env.LVSLAB_FUZZ_SEED);
const COUNT = process.env.LVSLAB_FUZZ_COUNT === undefined ? 50_000 : Number(process.env.LVSLAB_FUZZ_COUNT);

describe('packet fuzzer', () => {
  it(`${COUNT} generated packets (seed ${SEED}): no exception, each class as the kernel would have it`, () => {
    expect(Number.isInteger(SEED) && SEED >= 0, 'LVSLAB_FUZZ_SEED must be a whole number').toBe(true);
    expect(Number.isInteger(COUNT) && COUNT > 0, 'LVSLAB_FUZZ_COUNT must be a whole number').toBe(true);
    const r = runFuzz(SEED, COUNT);
    console.log(`fuzz: seed ${SEED}, ${COUNT} packets in ${r.ms} ms (repeat with LVSLAB_FUZZ_SEED=${SEED} LVSLAB_FUZZ_COUNT=${COUNT}); malformed ${r.stats.malformed}, fragments ${r.stats.fragments}, NATed ${r.stats.natted}, ICMP NATed ${r.stats.icmpNatted}`);
    expect(r.failures, `${r.failureCount} broken expectations`).toEqual([]);
    expect(r.stats.coreErrors).toBe(0);
    // every class was generated, and the ones the kernel translates were translated
    for (const c of FUZZ_CLASSES) expect(r.perClass[c], c).toBeGreaterThan(0);
    for (const c of ['tcp-in', 'tcp-reply', 'udp-in', 'udp-reply', 'udp-no-checksum', 'bad-l4-checksum', 'bad-ip-checksum', 'trailing-bytes', 'first-fragment', 'icmp-error-known'] as const) {
      expect(r.rewritten[c], `${c} rewritten`).toBeGreaterThan(0);
    }
  }, 120_000);
});
