// The kernel project's global setup. Vitest runs every project's global setup before the first
// test file of the run, so the kernel pass (VM boot, scenarios, live replays: test/kernel/pass/pass.ts)
// starts here, at the very beginning of `npm test`, and runs while the unit and lab suites do; the
// kernel files, run last, find it done or wait for its result. Only where the pass runs in the VM:
// natively its scenarios are labs on this host, timed like the lab suites, and run after them.
// LVSLAB_KERNEL_OVERLAP=0 keeps the VM pass for the kernel files too (docs/kernel.md, "The kernel
// pass alongside the other projects", has the measurements).
import { detectKernelCapability } from '../../../src/lb/kernel/capability.js';
import { startKernelPassInBackground } from './pass.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.LVSLAB_KERNEL_OVERLAP === '0') return undefined;
  if ((await detectKernelCapability()).mode !== 'vm') return undefined;
  const { done } = await startKernelPassInBackground();
  // the run ends only once the VM has (never leave qemu behind)
  return () => done;
}
