// A vitest reporter that ends the run with the suites skipped for a missing capability (the meta
// test/capabilities.ts records on each skipped test): under CI the declared exceptions taken, with
// their condition and reason; locally every skip. Nothing a suite skipped disappears silently.
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import type { CapabilitySkip } from './capabilities.js';

/** A skip as the run's summary lists it: one per suite file, capability and reason. */
export interface RecordedSkip extends CapabilitySkip {
  file: string;
  tests: number;
}

export function collectSkips(modules: ReadonlyArray<Pick<TestModule, 'relativeModuleId' | 'children'>>): RecordedSkip[] {
  const out = new Map<string, RecordedSkip>();
  for (const m of modules) {
    for (const t of m.children.allTests()) {
      if (t.result().state !== 'skipped') continue;
      for (const s of t.meta().capabilitySkips ?? []) {
        const key = `${m.relativeModuleId}\n${s.capability}\n${s.reason}`;
        const seen = out.get(key);
        if (seen) seen.tests++;
        else out.set(key, { ...s, file: m.relativeModuleId, tests: 1 });
      }
    }
  }
  return [...out.values()];
}

/** The lines printed after the run: the declared exceptions taken (CI), then local skips. */
export function skipSummary(skips: readonly RecordedSkip[]): string[] {
  const line = (s: RecordedSkip) => `  ${s.file} (${s.tests} test${s.tests === 1 ? '' : 's'}): ${s.capability} — ${s.reason}`;
  const declared = skips.filter((s) => s.exception);
  const local = skips.filter((s) => !s.exception);
  const out: string[] = [];
  if (declared.length) {
    out.push('Skipped by declared exception (test/ci-exceptions.ts):');
    for (const s of declared) out.push(line(s), `    when ${s.exception!.when}`, `    why: ${s.exception!.why}`);
  }
  if (local.length) {
    out.push('Skipped for a missing capability (not CI; under CI=true each fails unless declared in test/ci-exceptions.ts):');
    out.push(...local.map(line));
  }
  return out;
}

export default class CapabilityReporter implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines = skipSummary(collectSkips(modules));
    if (lines.length === 0) return;
    const text = `\n${lines.join('\n')}\n`;
    if (this.vitest) this.vitest.logger.log(text);
    else process.stdout.write(`${text}\n`);
  }
}
