// On a heavily loaded host the emulated timer can miss the VM kernel's boot-time IO-APIC check: the
// kernel panics before the job ran. That boot says nothing about the job, so recorders boot again
// (at most three boots in all); any other failure is returned as it is.
import { runInVm, type RunInVmOptions, type VmRunResult } from './runner.js';

export const BOOT_PANIC = /Kernel panic - not syncing: IO-APIC/;

export async function runInVmRetryingBootPanic(options: RunInVmOptions, onRetry: (attempt: number) => void = () => undefined, boots = 3): Promise<VmRunResult> {
  let r = await runInVm(options);
  for (let attempt = 2; attempt <= boots && r.exitCode !== 0 && BOOT_PANIC.test(r.console + r.output); attempt++) {
    onRetry(attempt);
    r = await runInVm(options);
  }
  return r;
}
