// The kernel project's global setup. Vitest runs every project's global setup before the first
// test file of the run, so with LVSLAB_KERNEL_OVERLAP=1 the kernel pass (VM boot, scenarios, live
// replays: test/kernel/pass/pass.ts) starts here, at the very beginning of `npm test`, and runs
// while the unit and lab suites do; the kernel files, run last, wait for its result. Off by default:
// the VM then shares the two cores with the timing-sensitive lab suites (docs/kernel.md, "The kernel
// pass alongside the other projects", has the measurement).
import { startKernelPassInBackground } from './pass.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.LVSLAB_KERNEL_OVERLAP !== '1') return undefined;
  const { done } = await startKernelPassInBackground();
  // the run ends only once the VM has (never leave qemu behind)
  return () => done;
}
