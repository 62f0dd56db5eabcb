// Host side of the kernel suites: run kernel scenarios where kernel IPVS is. Natively when this
// kernel has IPVS; otherwise inside the kernel VM (one boot per call, the entry test/kernel/pass/main.ts
// run through tsx, results back through the share; the settings passed and the output tail as
// src/lb/kernel/vm-run.ts does for `lvslab run`); otherwise a skip with the reason.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describeVmKernel, repoRoot } from '../../../src/lab/vm/kernel-cache.js';
import { runInVm } from '../../../src/lab/vm/runner.js';
import { detectKernelCapability } from '../../../src/lb/kernel/capability.js';
import { lvslabSettingsEnv, outputTail } from '../../../src/lb/kernel/vm-run.js';
import type { ScenarioOutcome } from './main.js';
import { nodeWithTsx } from '../../tsx.js';

export type KernelRun =
  | {
      mode: 'native' | 'vm';
      /** which kernel ran: the host's release natively, the VM kernel with its package version and pin status */
      kernel: string;
      results: Record<string, ScenarioOutcome>;
      log: string;
      durationMs: number;
    }
  | { mode: 'skip'; reason: string };

export interface KernelRunOptions {
  /** bound for the whole run (VM boot included); default 4 minutes */
  timeoutMs?: number;
  /** the VM console as it arrives */
  onConsole?: (chunk: string) => void;
}

export async function runKernelScenarios(names: string[], options: KernelRunOptions = {}): Promise<KernelRun> {
  const cap = await detectKernelCapability();
  const started = Date.now();
  if (cap.mode === 'skip') return { mode: 'skip', reason: cap.reason };
  if (cap.mode === 'native') {
    const { runScenario } = await import('./scenarios.js');
    const results: Record<string, ScenarioOutcome> = {};
    for (const name of names) {
      const t = Date.now();
      try {
        results[name] = { ok: true, value: await runScenario(name), ms: Date.now() - t };
      } catch (err) {
        results[name] = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err), ms: Date.now() - t };
      }
    }
    const release = (await execa('uname', ['-r'])).stdout.trim();
    return { mode: 'native', kernel: `host kernel ${release}`, results, log: cap.detail, durationMs: Date.now() - started };
  }
  const entry = join(repoRoot(), 'test', 'kernel', 'pass', 'main.ts');
  const share = mkdtempSync(join(tmpdir(), 'lvslab-kernel-'));
  try {
    const out = join(share, 'results.json');
    const r = await runInVm({
      command: nodeWithTsx(entry, out, ...names),
      cwd: repoRoot(),
      shareDir: share,
      timeoutMs: options.timeoutMs ?? 240_000,
      kernel: cap.kernel,
      env: lvslabSettingsEnv(),
      onConsole: options.onConsole,
    });
    const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, ScenarioOutcome>) : {};
    for (const name of names) {
      results[name] ??= {
        ok: false,
        error: `no result from the kernel VM (${r.timedOut ? `timed out after ${options.timeoutMs ?? 240_000} ms` : `exit ${r.exitCode}`}); output tail:\n${outputTail(r.output)}`,
        ms: 0,
      };
    }
    return { mode: 'vm', kernel: `VM kernel ${describeVmKernel(cap.kernel)}`, results, log: r.output, durationMs: Date.now() - started };
  } finally {
    rmSync(share, { recursive: true, force: true });
  }
}
