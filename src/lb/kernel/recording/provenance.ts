// Where a kernel recording came from: which kernel (Debian package, version, release, and whether it
// is the one kernel-pin.json pins), which ipvsadm, when, and how it was made. Every recording carries
// it — the project's own (test/recordings/) and users' `lvslab record` goldens — so a difference
// found later can be told apart as "the kernel changed" or "the embedded IPVS is wrong".
import type { KernelPin } from '../../../lab/vm/kernel-cache.js';
import { run } from '../proc.js';

export interface Provenance {
  kernel: { release: string; package: string; version: string; pinned: boolean };
  ipvsadm: { version: string; package: string };
  /** ISO time of the recording */
  recorded: string;
  /** what made it: the command, where it ran, how the trace became traffic */
  how: string;
}

/** What the machine that recorded says about itself (read there, inside the VM or on the host). */
export interface RecordingFacts {
  /** `uname -r` */
  release: string;
  /** `ipvsadm --version` */
  ipvsadmVersion: string;
  /** the Debian package and version of ipvsadm (`dpkg-query`), or why it is unknown */
  ipvsadmPackage: string;
}

/** Shell lines run in a directory before a recording: the facts factsFromFiles() reads back. */
export const FACTS_SCRIPT = ['uname -r >uname.txt', 'ipvsadm --version >ipvsadm-version.txt', "dpkg-query -W -f '${Package} ${Version}' ipvsadm >ipvsadm-package.txt"];

export function factsFromFiles(read: (name: string) => string): RecordingFacts {
  return { release: read('uname.txt').trim(), ipvsadmVersion: read('ipvsadm-version.txt').trim(), ipvsadmPackage: read('ipvsadm-package.txt').trim() };
}

/** The facts of the machine this process runs on (node:child_process only: it also runs inside the VM). */
export async function readFacts(): Promise<RecordingFacts> {
  const release = (await run('uname', ['-r'])).stdout.trim();
  const version = await run('ipvsadm', ['--version']);
  const pkg = await run('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'ipvsadm']);
  return {
    release,
    ipvsadmVersion: version.status === 0 ? version.stdout.trim() : `ipvsadm --version failed (exit ${version.status})`,
    ipvsadmPackage: pkg.status === 0 && pkg.stdout.trim() !== '' ? pkg.stdout.trim() : 'ipvsadm (no Debian package known)',
  };
}

/**
 * The Debian package of the running host kernel (`linux-image-<release>`, when dpkg knows it), for a
 * native recording; a VM recording takes it from the VM's manifest instead.
 */
export async function hostKernelPackage(release: string): Promise<{ package: string; version: string }> {
  const name = `linux-image-${release}`;
  const r = await run('dpkg-query', ['-W', '-f', '${Version}', name]);
  if (r.status === 0 && r.stdout.trim() !== '') return { package: name, version: r.stdout.trim() };
  return { package: 'host kernel (no Debian package known)', version: (await run('uname', ['-v'])).stdout.trim() || 'unknown' };
}

/**
 * The provenance of a recording made on `kernel` (package and version as the VM's manifest or the
 * host's dpkg names them); throws when the machine ran another kernel than that names.
 */
export function provenanceOf(facts: RecordingFacts, kernel: { release: string; package?: string; version?: string }, pin: KernelPin, how: string, recorded = new Date()): Provenance {
  if (facts.release !== kernel.release) throw new Error(`the recording ran on kernel ${facts.release}, but ${kernel.release} was expected`);
  const version = kernel.version ?? 'unknown';
  return {
    kernel: { release: facts.release, package: kernel.package ?? `linux-image-${facts.release}`, version, pinned: facts.release === pin.release && version === pin.version },
    ipvsadm: { version: facts.ipvsadmVersion, package: facts.ipvsadmPackage },
    recorded: recorded.toISOString(),
    how,
  };
}
