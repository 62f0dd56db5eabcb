// Where the kernel backend can run: natively (the host kernel has IPVS), in the kernel VM (qemu and a
// prepared kernel are there), or nowhere — with the reason, so suites skip saying why.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { findVmKernel, type VmKernel } from '../../lab/vm/kernel-cache.js';
import { QBOOT_ROM } from '../../lab/vm/qemu-args.js';

export type KernelCapability =
  | { mode: 'native'; detail: string }
  | { mode: 'vm'; kernel: VmKernel; hostReason: string }
  | { mode: 'skip'; reason: string };

/** Inside the kernel VM the runner sets LVSLAB_IN_VM=1; the VM's kernel has IPVS as modules. */
export function insideKernelVm(): boolean {
  return process.env.LVSLAB_IN_VM === '1';
}

/**
 * Does this kernel have IPVS? `modprobe ip_vs` loads it where it is a module (harmless where it is
 * built in or absent), then a fresh network namespace must show /proc/net/ip_vs: IPVS state is per
 * namespace, and that file appears only once the module initialised for namespaces.
 */
export async function hostHasIpvs(): Promise<{ ok: true; detail: string } | { ok: false; reason: string }> {
  const probe = await execa('modprobe', ['ip_vs'], { reject: false });
  const fresh = await execa('unshare', ['--net', 'test', '-e', '/proc/net/ip_vs'], { reject: false });
  if (fresh.exitCode === 0) return { ok: true, detail: `IPVS present (${probe.exitCode === 0 ? 'modprobe ip_vs ok' : 'built in'})` };
  const release = (await execa('uname', ['-r'], { reject: false })).stdout.trim();
  const why = probe.exitCode === 0 ? 'modprobe ip_vs succeeded but a fresh namespace has no /proc/net/ip_vs' : `modprobe ip_vs: ${firstLine(probe.stderr) || `exit ${probe.exitCode}`}`;
  return { ok: false, reason: `host kernel ${release} has no IPVS (${why})` };
}

export async function detectKernelCapability(): Promise<KernelCapability> {
  const host = await hostHasIpvs();
  if (host.ok) return { mode: 'native', detail: host.detail };
  if (insideKernelVm()) return { mode: 'skip', reason: `inside the kernel VM but ${host.reason}` };
  const qemu = await execa('qemu-system-x86_64', ['--version'], { reject: false });
  if (qemu.exitCode !== 0) return { mode: 'skip', reason: `${host.reason}; qemu-system-x86_64 is not installed (run scripts/setup)` };
  if (!existsSync(QBOOT_ROM)) return { mode: 'skip', reason: `${host.reason}; ${QBOOT_ROM} is missing (qemu-system-x86)` };
  const kernel = findVmKernel();
  if (!kernel.ok) return { mode: 'skip', reason: `${host.reason}; ${kernel.reason}` };
  return { mode: 'vm', kernel: kernel.kernel, hostReason: host.reason };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
