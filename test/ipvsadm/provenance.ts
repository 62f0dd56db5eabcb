// The provenance a recording of the real ipvsadm carries in its header: which kernel (package and
// version, from the VM's manifest, checked against what the VM ran), which ipvsadm, when and how.
// The recorders (record-kernel.ts, record-traffic.ts) collect the VM's facts with FACTS_SCRIPT.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findVmKernel, kernelPin, type KernelPin, type VmKernel } from '../../src/lab/vm/kernel-cache.js';

export interface Provenance {
  kernel: { release: string; package: string; version: string; pinned: boolean };
  ipvsadm: { version: string; package: string };
  recorded: string;
  how: string;
}

/** Shell lines run in the VM's share directory before the recording: the facts provenance() reads. */
export const FACTS_SCRIPT = ['uname -r >uname.txt', 'ipvsadm --version >ipvsadm-version.txt', "dpkg-query -W -f '${Package} ${Version}' ipvsadm >ipvsadm-package.txt"];

/** The provenance of a recording made in `dir` on `kernel`; throws when the VM ran another kernel than its manifest names. */
export function provenance(dir: string, kernel: VmKernel, pin: KernelPin, how: string): Provenance {
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8').trim();
  const release = read('uname.txt');
  if (release !== kernel.release) throw new Error(`the VM ran ${release}, its manifest says ${kernel.release}`);
  return {
    kernel: { release, package: kernel.package ?? `linux-image-${release}`, version: kernel.version ?? 'unknown', pinned: release === pin.release && kernel.version === pin.version },
    ipvsadm: { version: read('ipvsadm-version.txt'), package: read('ipvsadm-package.txt') },
    recorded: new Date().toISOString(),
    how,
  };
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
