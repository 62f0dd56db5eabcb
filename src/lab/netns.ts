// Running plan steps (iproute2 batches, sysctl) through execa, and finding/deleting namespaces.
import { readdir, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { NS_PREFIX, planTeardown, stepCommand, type PlanStep } from './plan.js';

/** A build step that failed: names the namespace, the command and iproute2's own message. */
export class LabBuildError extends Error {
  override name = 'LabBuildError';
}

export async function runStep(step: PlanStep): Promise<void> {
  const { file, args, input } = stepCommand(step);
  const r = await execa(file, args, { input, reject: false, timeout: 30_000 });
  if (r.exitCode === 0 && !r.timedOut) return;
  const where = step.netns ? `namespace ${step.netns}` : 'root namespace';
  let detail = (r.stderr || r.stdout || '').trim();
  // `ip -batch` reports "Command failed -:N": show the failing line itself.
  const m = /Command failed -:(\d+)/.exec(detail);
  if (m && step.kind === 'ip-batch') detail += ` [line ${m[1]}: ${step.lines[Number(m[1]) - 1]}]`;
  if (r.timedOut) detail = `timed out after 30 s ${detail}`;
  throw new LabBuildError(`${step.kind === 'sysctl' ? 'sysctl' : 'ip -batch'} in ${where} failed: ${detail || `exit ${r.exitCode}`}`);
}

export async function runStages(stages: PlanStep[][]): Promise<void> {
  for (const stage of stages) {
    const results = await Promise.allSettled(stage.map(runStep));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** Lab namespaces present now (`lvs-*`), with their creation time (ms since epoch). */
export async function listLabNamespaces(): Promise<Array<{ name: string; createdMs: number }>> {
  let names: string[];
  try {
    names = await readdir('/run/netns');
  } catch {
    return [];
  }
  const out: Array<{ name: string; createdMs: number }> = [];
  for (const name of names.filter((n) => n.startsWith(NS_PREFIX))) {
    try {
      out.push({ name, createdMs: (await stat(`/run/netns/${name}`)).mtimeMs });
    } catch {
      // deleted meanwhile
    }
  }
  return out;
}

/** Delete those of the namespaces that exist; tolerant of a concurrent gc deleting them too. */
export async function deleteNamespaces(names: string[]): Promise<void> {
  const present = new Set((await listLabNamespaces()).map((n) => n.name));
  const todo = names.filter((n) => present.has(n));
  if (todo.length === 0) return;
  const { args, input } = stepCommand(planTeardown(todo));
  // -force: keep going past a namespace another process removed between our look and the batch.
  await execa('ip', ['-force', ...args], { input, reject: false, timeout: 30_000 });
  const left = (await listLabNamespaces()).map((n) => n.name).filter((n) => todo.includes(n));
  if (left.length > 0) throw new LabBuildError(`could not delete namespaces: ${left.join(', ')}`);
}
