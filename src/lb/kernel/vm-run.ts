// Running kernel-backend scenarios inside the kernel VM, for a host whose kernel has no IPVS: one VM
// boot per run (not per scenario), the entry src/api/scenario/vm-entry.ts started there from dist/
// with the host's own node, the lab built inside, and the ScenarioReports back through the share —
// the same objects a host-side run produces, so the caller merges them into one report.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioReport } from '../../checks/report/model.js';
import { compiledPath } from '../../lab/dist-path.js';
import { describeVmKernel, repoRoot, type VmKernel } from '../../lab/vm/kernel-cache.js';
import { runInVm } from '../../lab/vm/runner.js';
import { VM_PROGRESS } from './vm-progress.js';

export { VM_PROGRESS, exitWithMain } from './vm-progress.js';

/**
 * Time bounds, all from measurements on the kernel VM (docs/kernel.md, "Timing in the VM"):
 * - VM_BOOT_MS: boot to the entry's first line. The kernel boots in ~3 s; starting node and loading
 *   the scenario code from the 9p share under emulation takes most of the rest; 60 s leaves room for
 *   a loaded 2-core host.
 * - VM_SLOWDOWN: CPU-bound JavaScript ran 4-13x slower inside than on the host; a step's nominal
 *   time times the worst of that bounds it.
 * - VM_LAB_MS: building and tearing down one scenario's lab there (namespaces, agents, keepalived):
 *   tens of `ip` runs of ~1-2.5 s each plus node starts.
 * These are kill bounds for a run that hangs, not expectations: a step's own checks keep the
 * scenario's timing bounds.
 */
export const VM_BOOT_MS = 60_000;
export const VM_SLOWDOWN = 13;
export const VM_LAB_MS = 120_000;

/** lvslab's own settings (LVSLAB_*: debug switches, trace choices) follow a run into the VM. */
export function lvslabSettingsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('LVSLAB_') && e[1] !== undefined));
}

/** The last lines of a VM job's output, for an error saying why a result is missing. */
export function outputTail(output: string, lines = 15): string {
  return output.split('\n').filter((l) => !l.includes(VM_PROGRESS)).slice(-lines).join('\n');
}

/** One scenario file to run in the VM. */
export interface VmScenario {
  file: string;
  name: string;
  /** what its steps take on the host at most, by what they declare (probe counts and timeouts, waits) */
  nominalMs: number;
}

/** The bound for a whole in-VM run of these scenarios: boot, then each lab plus its steps slowed down. */
export function vmRunTimeoutMs(scenarios: Array<Pick<VmScenario, 'nominalMs'>>): number {
  return VM_BOOT_MS + scenarios.reduce((sum, s) => sum + VM_LAB_MS + VM_SLOWDOWN * s.nominalMs, 0);
}

export interface VmScenarioRunOptions {
  kernel: VmKernel;
  onProgress?: (message: string) => void;
}

/**
 * Run scenario files on the kernel backend inside the kernel VM; one ScenarioReport per file, in
 * order. A scenario the VM never reported on (timeout, crash) comes back with an error saying so and
 * the tail of the VM's output. Each report's `ranIn` names the VM kernel.
 */
export async function runScenariosInVm(scenarios: VmScenario[], options: VmScenarioRunOptions): Promise<ScenarioReport[]> {
  const files = scenarios.map((s) => s.file);
  const entry = compiledPath(new URL('../../api/scenario/vm-entry.js', import.meta.url), 'kernel VM scenario entry');
  const share = mkdtempSync(join(tmpdir(), 'lvslab-vm-run-'));
  const timeoutMs = vmRunTimeoutMs(scenarios);
  const ranIn = `kernel VM: ${describeVmKernel(options.kernel)} (qemu, no KVM)`;
  const progress = options.onProgress ?? (() => undefined);
  progress(`booting the kernel VM (${options.kernel.release}) for ${files.length} kernel scenario${files.length === 1 ? '' : 's'}`);
  try {
    const out = join(share, 'reports.json');
    let pending = '';
    const r = await runInVm({
      command: [process.execPath, entry, out, ...files],
      cwd: repoRoot(),
      shareDir: share,
      timeoutMs,
      kernel: options.kernel,
      env: lvslabSettingsEnv(),
      onConsole: (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const at = line.indexOf(VM_PROGRESS);
          if (at >= 0) progress(`[VM] ${line.slice(at + VM_PROGRESS.length).trimEnd()}`);
        }
      },
    });
    const reports = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as ScenarioReport[]) : [];
    const why = r.timedOut ? `timed out after ${timeoutMs} ms (the bound docs/kernel.md derives)` : `the VM's job exited ${r.exitCode}`;
    const tail = outputTail(r.output);
    return scenarios.map(({ file, name }, i): ScenarioReport => {
      const got = reports[i];
      if (got) return { ...got, ranIn };
      return { name, file, backend: 'kernel', lab: {}, steps: [], durationMs: 0, ranIn, error: `no result from the kernel VM (${why}); its output ends:\n${tail}` };
    });
  } finally {
    rmSync(share, { recursive: true, force: true });
  }
}
