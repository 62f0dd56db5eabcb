// What a suite needs from the machine (root, a kernel module, kernel IPVS, a binary, a build) and
// what happens when it is missing: locally the suite skips, saying why; under CI (CI=true) it fails
// naming the capability, unless test/ci-exceptions.ts declares that cause of absence an exception.
// Every skip is recorded in the test's meta, and test/capability-reporter.ts lists them at the end
// of the run, so nothing disappears silently.
//
//   describe('article lab', needs(await probe.root()), () => { ... });   // the whole suite
//   it('needs ipip', (ctx) => { skipUnless(ctx, ipip); ... });          // one test
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { it, type TestContext } from 'vitest';
import { findVmKernel, repoRoot } from '../src/lab/vm/kernel-cache.js';
import { detectKernelCapability, type KernelCapability } from '../src/lb/kernel/capability.js';
import { CI_EXCEPTIONS, type CiException } from './ci-exceptions.js';

export type Capability =
  | { name: string; ok: true; detail?: string }
  | { name: string; ok: false; reason: string; /** what kind of absence, for test/ci-exceptions.ts */ cause?: string };

/** A skip taken for a missing capability: recorded on the test, listed after the run. */
export interface CapabilitySkip {
  capability: string;
  reason: string;
  /** set when the skip happened under CI through a declared exception */
  exception?: Pick<CiException, 'when' | 'why'>;
}

declare module 'vitest' {
  interface TaskMeta {
    capabilitySkips?: CapabilitySkip[];
  }
}

export function present(name: string, detail?: string): Capability {
  return detail === undefined ? { name, ok: true } : { name, ok: true, detail };
}

export function missing(name: string, reason: string, cause?: string): Capability {
  return cause === undefined ? { name, ok: false, reason } : { name, ok: false, reason, cause };
}

/** `requireCapability`'s plain form: available or not, and why not. */
export function capability(name: string, available: boolean, reason: string, cause?: string): Capability {
  return available ? present(name) : missing(name, reason, cause);
}

/** CI as the usual runners set it (CI=true, CI=1); CI=false or CI=0 is not CI. */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

export type Decision = { run: true } | { run: false; skip: CapabilitySkip } | { run: false; capability: string; fail: string };

/** Run, skip (locally, or under CI by a declared exception) or fail (under CI, undeclared). */
export function decide(cap: Capability, ci = onCi(), exceptions: readonly CiException[] = CI_EXCEPTIONS): Decision {
  if (cap.ok) return { run: true };
  if (!ci) return { run: false, skip: { capability: cap.name, reason: cap.reason } };
  const declared = exceptions.find((e) => e.capability === cap.name && e.cause === cap.cause);
  if (declared) return { run: false, skip: { capability: cap.name, reason: cap.reason, exception: { when: declared.when, why: declared.why } } };
  return {
    run: false,
    capability: cap.name,
    fail:
      `capability '${cap.name}' is missing under CI: ${cap.reason}. ` +
      `A suite that cannot run fails under CI; if this absence is expected on some hosts, declare it in test/ci-exceptions.ts` +
      (cap.cause ? ` (cause '${cap.cause}')` : ''),
  };
}

export class CapabilityMissingError extends Error {
  override name = 'CapabilityMissingError';
}

/** The first capability of `caps` that stops the suite, decided. */
function firstStop(caps: Capability[]): Exclude<Decision, { run: true }> | undefined {
  for (const c of caps) {
    const d = decide(c);
    if (!d.run) return d;
  }
  return undefined;
}

const failuresRegistered = new Set<string>();

/**
 * Suite options for `describe(title, needs(a, b), fn)`: nothing when every capability is there; a
 * skip carrying the reason otherwise; under CI an undeclared absence also registers a failing test
 * named after the capability (next to the skipped suite), whose error gives the reason.
 */
export function needs(...caps: Capability[]): { skip?: boolean; meta?: { capabilitySkips: CapabilitySkip[] } } {
  const stop = firstStop(caps);
  if (!stop) return {};
  if ('skip' in stop) return { skip: true, meta: { capabilitySkips: [stop.skip] } };
  if (!failuresRegistered.has(stop.fail)) {
    failuresRegistered.add(stop.fail);
    it(`needs capability '${stop.capability}'`, () => {
      throw new CapabilityMissingError(stop.fail);
    });
  }
  return { skip: true };
}

/** Inside a test: return when every capability is there; else skip with the reason, or fail under CI. */
export function skipUnless(ctx: TestContext, ...caps: Capability[]): void {
  const stop = firstStop(caps);
  if (!stop) return;
  if ('fail' in stop) throw new CapabilityMissingError(stop.fail);
  ctx.task.meta.capabilitySkips = [...(ctx.task.meta.capabilitySkips ?? []), stop.skip];
  ctx.skip(`${stop.skip.capability}: ${stop.skip.reason}`);
}

// --- probes: each says what it found, or why not, with the cause for test/ci-exceptions.ts ---

let rootProbe: Promise<Capability> | undefined;

/** Root that can build labs: uid 0 and a fresh network namespace (what every lab starts with). */
function root(): Promise<Capability> {
  rootProbe ??= (async () => {
    if (process.getuid?.() !== 0) return missing('root', `runs as uid ${process.getuid?.()}; labs build network namespaces (run as root)`, 'not-root');
    const r = await execa('unshare', ['--net', 'true'], { reject: false });
    if (r.exitCode !== 0) return missing('root', `uid 0 but no new network namespace: unshare --net says "${firstLine(r.stderr) || `exit ${r.exitCode}`}"`, 'no-netns');
    return present('root');
  })();
  return rootProbe;
}

/** Files of the build (dist/..., absolute or relative to the repository); `npm test` builds first (pretest). */
function built(...paths: string[]): Capability {
  const absent = paths.filter((p) => !existsSync(isAbsolute(p) ? p : join(repoRoot(), p)));
  return capability('build', absent.length === 0, `${absent.join(', ')} not built (npm run build)`, 'not-built');
}

/** keepalived installed and starting (`keepalived --version`). */
async function keepalived(): Promise<Capability> {
  const r = await execa('keepalived', ['--version'], { reject: false, all: true });
  const version = firstLine(r.all ?? '');
  if (r.exitCode === 0 || /^Keepalived v/.test(version)) return present('keepalived', version);
  return missing('keepalived', `keepalived does not start (${version || (r as { code?: string }).code || `exit ${r.exitCode}`}); scripts/setup installs Debian's keepalived`, 'not-installed');
}

/** Can a namespace create an ipip device (the kernel's ipip module)? A throwaway namespace, always removed. */
async function ipip(): Promise<Capability> {
  const r = await root();
  if (!r.ok) return missing('ipip', `cannot probe: ${r.reason}`, 'not-root');
  const ns = `lvs-capipip${process.pid}-probe`;
  try {
    await execa('ip', ['netns', 'add', ns]);
    const add = await execa('ip', ['netns', 'exec', ns, 'ip', 'link', 'add', 'lvsipip0', 'type', 'ipip', 'remote', '192.0.2.1'], { reject: false });
    if (add.exitCode === 0) return present('ipip');
    const mod = await execa('modprobe', ['ipip'], { reject: false });
    const release = (await execa('uname', ['-r'], { reject: false })).stdout.trim();
    const says = `'ip link add ... type ipip' in a namespace says "${firstLine(add.stderr)}"`;
    if (mod.exitCode !== 0 && /Unknown device type/i.test(add.stderr)) {
      return missing('ipip', `the host kernel ${release} has no ipip module: modprobe ipip says "${firstLine(mod.stderr)}"; ${says}`, 'no-ipip-module');
    }
    return missing('ipip', `${says} (modprobe ipip: ${mod.exitCode === 0 ? 'ok' : firstLine(mod.stderr)})`);
  } finally {
    await execa('ip', ['netns', 'del', ns], { reject: false });
  }
}

/** Kernel IPVS natively or in the kernel VM, as detectKernelCapability decides (needs root). */
async function kernelIpvs(): Promise<{ cap: Capability; kernel: KernelCapability }> {
  const r = await root();
  const kernel: KernelCapability = r.ok ? await detectKernelCapability() : { mode: 'skip', reason: r.reason };
  if (kernel.mode === 'skip') return { cap: missing('kernel-ipvs', kernel.reason, r.ok ? 'no-ipvs-no-vm' : 'not-root'), kernel };
  return { cap: present('kernel-ipvs', kernel.mode === 'native' ? kernel.detail : `kernel VM ${kernel.kernel.release}`), kernel };
}

/** The prepared kernel VM (some suites always run their kernel side in it). */
function vmKernel(): Capability {
  const k = findVmKernel();
  return k.ok ? present('kernel-vm', k.kernel.release) : missing('kernel-vm', `the kernel side runs in the kernel VM: ${k.reason}`, 'no-vm-kernel');
}

/** A headless browser for the HTML report's rendering test. */
function chromium(): { cap: Capability; path?: string } {
  const path = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  return { cap: capability('chromium', path !== undefined, "chromium is not installed (scripts/setup installs Debian's chromium package)", 'not-installed'), path };
}

/** The probes, by what they look for: `needs(await probe.root(), probe.built('dist/x.js'))`. */
export const probe = { root, built, keepalived, ipip, kernelIpvs, vmKernel, chromium };

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
