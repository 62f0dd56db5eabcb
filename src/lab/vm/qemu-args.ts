// The qemu command line of the kernel VM. Pure, so a unit test can hold the safety-relevant parts
// (no network device, host root read-only) without booting anything.
import type { VmKernel } from './kernel-cache.js';

export const QBOOT_ROM = '/usr/share/qemu/qboot.rom';
/** isa-debug-exit port: a byte v written there makes qemu exit with status (v << 1) | 1 */
export const DEBUG_EXIT_PORT = 0xf4;

export interface QemuArgsInput {
  kernel: VmKernel;
  /** host directory shared read-write, mounted at the same path inside */
  shareDir: string;
  /** script the initramfs runs as PID 1 after switch_root (a path inside shareDir) */
  stage2: string;
  cpus: number;
  memoryMb: number;
}

/** Kernel command-line values cannot carry whitespace or quotes (init receives them as env vars). */
export function assertBootPath(what: string, path: string): void {
  if (!path.startsWith('/')) throw new Error(`kernel VM: ${what} '${path}' must be an absolute path`);
  if (/[\s"'\\]/.test(path)) throw new Error(`kernel VM: ${what} '${path}' must not contain whitespace, quotes or backslashes`);
}

export function qemuArgs(input: QemuArgsInput): string[] {
  const { kernel, shareDir, stage2, cpus, memoryMb } = input;
  assertBootPath('shareDir', shareDir);
  assertBootPath('stage2', stage2);
  assertBootPath('kernel modules', kernel.modules);
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 8) throw new Error(`kernel VM: cpus ${cpus} must be an integer 1..8`);
  if (!Number.isInteger(memoryMb) || memoryMb < 512) throw new Error(`kernel VM: memoryMb ${memoryMb} must be an integer >= 512`);
  const append = [
    'console=ttyS0',
    'quiet',
    'loglevel=3',
    'panic=-1',
    'rdinit=/init',
    `share=${shareDir}`,
    `stage2=${stage2}`,
    `kmods=${kernel.modules}`,
    `kv=${kernel.release}`,
  ].join(' ');
  return [
    '-accel', 'tcg,thread=multi',
    '-cpu', 'max',
    '-smp', String(cpus),
    '-m', String(memoryMb),
    '-bios', QBOOT_ROM,
    '-nographic',
    '-no-reboot',
    // no network device at all: nothing inside the VM can reach any network outside it
    '-nic', 'none',
    '-monitor', 'none',
    '-serial', 'stdio',
    '-kernel', kernel.vmlinux,
    '-initrd', kernel.initramfs,
    '-append', append,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${shareDir},mount_tag=share,security_model=none,multidevs=remap`,
    '-device', `isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=0x04`,
  ];
}
