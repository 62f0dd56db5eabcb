// Where scripts/setup-kernel-vm leaves the VM kernel, and reading what it left. The cache lives in the
// repo (.cache/kernel-vm, gitignored) unless LVSLAB_KERNEL_VM_DIR points elsewhere, so CI keeps it
// between the steps of one run.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the VM boots: produced by scripts/setup-kernel-vm, described by <cache>/current/kernel.json. */
export interface VmKernel {
  /** kernel release, e.g. 6.1.0-56-amd64 */
  release: string;
  /** uncompressed ELF kernel (qemu boots it through the PVH entry) */
  vmlinux: string;
  initramfs: string;
  /** host path of the module tree; the VM links /lib/modules/<release> to it */
  modules: string;
}

/** The repository root: this file is src/lab/vm/ (or dist/lab/vm/ once built), three levels down. */
export function repoRoot(): string {
  return resolve(fileURLToPath(new URL('../../..', import.meta.url)));
}

export function kernelVmDir(): string {
  return process.env.LVSLAB_KERNEL_VM_DIR ?? join(repoRoot(), '.cache', 'kernel-vm');
}

/** The prepared kernel, or why there is none (the reason names the fix). */
export function findVmKernel(dir = kernelVmDir()): { ok: true; kernel: VmKernel } | { ok: false; reason: string } {
  const manifest = join(dir, 'current', 'kernel.json');
  if (!existsSync(join(dir, 'current', 'ready'))) {
    return { ok: false, reason: `no kernel VM prepared in ${dir} (run scripts/setup-kernel-vm)` };
  }
  let kernel: VmKernel;
  try {
    kernel = JSON.parse(readFileSync(manifest, 'utf8')) as VmKernel;
  } catch (err) {
    return { ok: false, reason: `${manifest}: unreadable (${(err as Error).message}); rerun scripts/setup-kernel-vm` };
  }
  for (const key of ['vmlinux', 'initramfs', 'modules'] as const) {
    if (typeof kernel[key] !== 'string' || !existsSync(kernel[key])) {
      return { ok: false, reason: `${manifest}: ${key} missing on disk; rerun scripts/setup-kernel-vm` };
    }
  }
  return { ok: true, kernel };
}
