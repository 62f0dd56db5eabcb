// A vitest reporter that ends `npm test` with its own wall time per project (unit, suites, kernel):
// from the first file of a project starting to its last file ending, and the whole run's. Vitest's
// own "Duration" is one figure for all projects; this shows where the minutes go.
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export interface ProjectSpan {
  project: string;
  files: number;
  startMs: number;
  endMs: number;
}

/** Spans per project from module start/end times, in the order the projects started. */
export function projectSpans(events: ReadonlyArray<{ project: string; startMs: number; endMs: number }>): ProjectSpan[] {
  const byProject = new Map<string, ProjectSpan>();
  for (const e of events) {
    const s = byProject.get(e.project);
    if (!s) byProject.set(e.project, { project: e.project, files: 1, startMs: e.startMs, endMs: e.endMs });
    else {
      s.files++;
      s.startMs = Math.min(s.startMs, e.startMs);
      s.endMs = Math.max(s.endMs, e.endMs);
    }
  }
  return [...byProject.values()].sort((a, b) => a.startMs - b.startMs);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function projectTimeLines(spans: readonly ProjectSpan[], runStartMs: number, runEndMs: number): string[] {
  if (spans.length === 0) return [];
  const width = Math.max(...spans.map((s) => s.project.length));
  return [
    'Wall time per project (first file started to last file ended):',
    ...spans.map(
      (s) =>
        `  ${s.project.padEnd(width)}  ${seconds(s.endMs - s.startMs).padStart(8)}  (${s.files} file${s.files === 1 ? '' : 's'}, from +${seconds(s.startMs - runStartMs)})`,
    ),
    `  ${'run'.padEnd(width)}  ${seconds(runEndMs - runStartMs).padStart(8)}  (whole run, start to end)`,
  ];
}

export default class ProjectTimeReporter implements Reporter {
  private vitest?: Vitest;
  private runStart = Date.now();
  private readonly started = new Map<string, { project: string; startMs: number }>();
  private readonly events: Array<{ project: string; startMs: number; endMs: number }> = [];

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.runStart = Date.now();
  }

  onTestModuleStart(m: TestModule): void {
    this.started.set(m.moduleId, { project: m.project.name, startMs: Date.now() });
  }

  onTestModuleEnd(m: TestModule): void {
    const s = this.started.get(m.moduleId);
    if (s) this.events.push({ ...s, endMs: Date.now() });
  }

  onTestRunEnd(): void {
    const lines = projectTimeLines(projectSpans(this.events), this.runStart, Date.now());
    if (lines.length === 0) return;
    const text = `\n${lines.join('\n')}\n`;
    if (this.vitest) this.vitest.logger.log(text);
    else process.stdout.write(`${text}\n`);
  }
}
