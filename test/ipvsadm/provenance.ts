// The provenance a recording of the real ipvsadm carries in its header: which kernel (package and
// version, from the VM's manifest, checked against what the VM ran), which ipvsadm, when and how —
// the same provenance users' recordings carry (src/lb/kernel/recording/provenance.ts). The recorders
// (record-kernel.ts, record-traffic.ts) collect the VM's facts with FACTS_SCRIPT.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findVmKernel, kernelPin, type KernelPin, type VmKernel } from '../../src/lab/vm/kernel-cache.js';
import { FACTS_SCRIPT, factsFromFiles, provenanceOf, type Provenance } from '../../src/lb/kernel/recording/provenance.js';

export { FACTS_SCRIPT, type Provenance };

/** The provenance of a recording made in `dir` on `kernel`; throws when the VM ran another kernel than its manifest names. */
export function provenance(dir: string, kernel: VmKernel, pin: KernelPin, how: string): Provenance {
  const facts = factsFromFiles((name) => readFileSync(join(dir, name), 'utf8'));
  if (facts.release !== kernel.release) throw new Error(`the VM ran ${facts.release}, its manifest says ${kernel.release}`);
  return provenanceOf(facts, kernel, pin, how);
}

/** Runs `record` with the prepared VM kernel, the pin and a fresh share directory, which it removes afterwards. */
export async function withRecordingDir(prefix: string, record: (kernel: VmKernel, pin: KernelPin, dir: string) => Promise<void>): Promise<void> {
  const found = findVmKernel();
  if (!found.ok) throw new Error(found.reason);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await record(found.kernel, kernelPin(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
