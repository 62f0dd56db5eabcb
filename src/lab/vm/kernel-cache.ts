// Where scripts/setup-kernel-vm leaves the VM kernel, and reading what it left. The cache lives in the
// repo (.cache/kernel-vm, gitignored) unless LVSLAB_KERNEL_VM_DIR points elsewhere, so CI keeps it
// between the steps of one run.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the VM boots: produced by scripts/setup-kernel-vm, described by <cache>/current/kernel.json. */
export interface VmKernel {
  /** kernel release, e.g. 6.1.0-57-amd64 */
  release: string;
  /** the Debian package and its version, e.g. linux-image-6.1.0-57-amd64 6.1.192-3 (older caches lack them) */
  package?: string;
  version?: string;
  /** whether this is the kernel kernel-pin.json names (the one the recordings come from) */
  pinned?: boolean;
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

/** The kernel lvslab's recordings come from and its VM boots (kernel-pin.json at the package root). */
export interface KernelPin {
  package: string;
  version: string;
  release: string;
  source: string;
}

export function kernelPin(): KernelPin {
  const file = join(repoRoot(), 'kernel-pin.json');
  const pin = JSON.parse(readFileSync(file, 'utf8')) as Partial<KernelPin>;
  for (const key of ['package', 'version', 'release', 'source'] as const) {
    if (typeof pin[key] !== 'string') throw new Error(`${file}: "${key}" is missing`);
  }
  return pin as KernelPin;
}

/** One line naming a VM kernel for logs and reports: release, package version, and whether it is the pinned one. */
export function describeVmKernel(k: VmKernel, pin: KernelPin = kernelPin()): string {
  const pkg = k.version ? ` (${k.package ?? 'linux-image-' + k.release} ${k.version})` : '';
  const pinned = k.pinned ?? (k.release === pin.release && (k.version === undefined || k.version === pin.version));
  return `${k.release}${pkg}, ${pinned ? 'the pinned kernel' : `NOT the pinned kernel ${pin.release} (${pin.version}) the recordings come from`}`;
}
