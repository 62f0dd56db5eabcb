import { describe, expect, it } from 'vitest';
import { mergeRunReports, parseRunReport, ReportInputError } from './merge.js';
import { REPORT_FORMAT, runVerdict, type RunReport, type ScenarioReport } from './model.js';

function scenario(name: string, opts: { pass?: boolean; skipped?: string; error?: string; file?: string; backend?: string; ms?: number } = {}): ScenarioReport {
  const s: ScenarioReport = {
    name,
    file: opts.file ?? `${name}.yaml`,
    backend: opts.backend ?? 'embedded',
    lab: { preset: 'article-single', id: `id-${name}` },
    durationMs: opts.ms ?? 1000,
    steps: opts.skipped !== undefined
      ? []
      : [{ name: 'answers', kind: 'http', summary: 'client: 2 HTTP requests', durationMs: 10, records: [{ server: 'RS2', ok: true, at: 0, ms: 1 }], counts: { RS2: 1 }, checks: [{ name: 'round robin', pass: opts.pass ?? true, message: opts.pass === false ? 'expected RS1' : '' }] }],
  };
  if (opts.skipped !== undefined) s.skipped = opts.skipped;
  if (opts.error !== undefined) s.error = opts.error;
  return s;
}

function report(title: string, startedAt: string, durationMs: number, scenarios: ScenarioReport[]): RunReport {
  return { format: REPORT_FORMAT, title, startedAt, durationMs, scenarios };
}

const a = report('lvslab run a.yaml', '2026-12-01T10:00:00.000Z', 3000, [scenario('a')]);
const b = report('lvslab run b.yaml c.yaml', '2026-12-01T10:00:01.000Z', 5000, [scenario('b'), scenario('c')]);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ReportInputError) return err.problems;
    throw err;
  }
  throw new Error('expected a ReportInputError');
}

describe('mergeRunReports', () => {
  it('keeps every scenario in the order of the inputs, spans the runs, and passes when all passed', () => {
    const { report: m, notes } = mergeRunReports([{ file: 'A.json', report: a }, { file: 'B.json', report: b }]);
    expect(m.format).toBe(REPORT_FORMAT);
    expect(m.scenarios.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(m.title).toBe('merged: lvslab run a.yaml + lvslab run b.yaml c.yaml');
    // Shards run side by side: from the first start (10:00:00) to the last end (10:00:06).
    expect(m.startedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(m.durationMs).toBe(6000);
    expect(notes).toEqual([]);
    expect(runVerdict(m)).toBe('passed');
    expect(mergeRunReports([{ file: 'A.json', report: a }], { title: 'nightly' }).report.title).toBe('nightly');
  });

  it('fails when any input failed', () => {
    const failing = report('lvslab run d.yaml', '2026-12-01T10:00:00.000Z', 1000, [scenario('d', { pass: false })]);
    expect(runVerdict(mergeRunReports([{ file: 'A.json', report: a }, { file: 'D.json', report: failing }]).report)).toBe('failed');
    const broken = report('lvslab run e.yaml', '2026-12-01T10:00:00.000Z', 1000, [scenario('e', { error: 'lab build failed' })]);
    expect(runVerdict(mergeRunReports([{ file: 'E.json', report: broken }, { file: 'A.json', report: a }]).report)).toBe('failed');
  });

  it('is never PASSED when nothing ran, nor with a skip unless the merge allows skips', () => {
    const skipped = report('lvslab run k.yaml', '2026-12-01T10:00:00.000Z', 10, [scenario('k', { backend: 'kernel', skipped: 'kernel IPVS unavailable' })]);
    const empty = report('lvslab run', '2026-12-01T10:00:00.000Z', 0, []);
    const nothing = [{ file: 'K.json', report: skipped }, { file: 'E.json', report: empty }];
    expect(runVerdict(mergeRunReports(nothing).report)).toBe('incomplete');
    expect(runVerdict(mergeRunReports(nothing, { allowSkips: true }).report)).toBe('skipped');
    // One scenario that ran among skipped ones: a pass only when skips are allowed, by the merge itself
    const some = [{ file: 'K.json', report: { ...skipped, allowSkips: true } }, { file: 'A.json', report: a }];
    expect(runVerdict(mergeRunReports(some).report)).toBe('incomplete');
    expect(runVerdict(mergeRunReports(some, { allowSkips: true }).report)).toBe('passed');
  });

  it('refuses a scenario run in two inputs, naming both files', () => {
    const rerun = report('lvslab run a.yaml', '2026-12-01T11:00:00.000Z', 3100, [scenario('a', { ms: 1100 })]);
    expect(problemsOf(() => mergeRunReports([{ file: 'A.json', report: a }, { file: 'B.json', report: b }, { file: 'A2.json', report: rerun }]))).toEqual([
      "scenario 'a' [embedded] (a.yaml) is in both A.json and A2.json, with different results: merge reports of disjoint shards (of a re-run, keep one report)",
    ]);
  });

  it('counts an identical entry once, with a note', () => {
    const copy = JSON.parse(JSON.stringify(a)) as RunReport;
    const { report: m, notes } = mergeRunReports([{ file: 'A.json', report: a }, { file: 'copy/A.json', report: copy }]);
    expect(m.scenarios).toHaveLength(1);
    expect(notes).toEqual(["scenario 'a' [embedded] (a.yaml) is in A.json and copy/A.json, identical: counted once"]);
  });

  it('tells apart the same scenario on two backends, and same-named scenarios of different files', () => {
    const kernel = report('lvslab run a.yaml --backend kernel', '2026-12-01T10:00:00.000Z', 1000, [scenario('a', { backend: 'kernel' })]);
    const other = report('lvslab run x/a.yaml', '2026-12-01T10:00:00.000Z', 1000, [scenario('a', { file: 'x/a.yaml' })]);
    const inputs = [{ file: 'A.json', report: a }, { file: 'K.json', report: kernel }, { file: 'X.json', report: other }];
    expect(mergeRunReports(inputs).report.scenarios).toHaveLength(3);
  });

  it('needs at least one report', () => {
    expect(problemsOf(() => mergeRunReports([]))).toEqual(['no reports to merge']);
  });
});

describe('parseRunReport', () => {
  it('reads what lvslab run --json writes', () => {
    expect(parseRunReport(JSON.stringify(b, null, 2), 'B.json')).toEqual(b);
  });

  it('names the file and what it is instead', () => {
    expect(problemsOf(() => parseRunReport('{"format": "lvslab-run/1",', 'cut.json'))[0]).toMatch(/^cut\.json: not JSON \(/);
    expect(problemsOf(() => parseRunReport('{"numTotalTests": 3, "testResults": []}', 'vitest.json'))).toEqual([
      "vitest.json: not an lvslab run report: it looks like vitest's JSON report: merge vitest's blob reports with 'vitest --merge-reports'",
    ]);
    expect(problemsOf(() => parseRunReport('["4.1.12", [], []]', 'blob-1-2.json'))[0]).toMatch(/^blob-1-2\.json: not an lvslab run report: it looks like a vitest blob report/);
    expect(problemsOf(() => parseRunReport('{"title": "x"}', 'x.json'))).toEqual([`x.json: not an lvslab run report: no "format": "${REPORT_FORMAT}" in it (write one with 'lvslab run ... --json')`]);
  });

  it('refuses another format version', () => {
    expect(problemsOf(() => parseRunReport(JSON.stringify({ ...a, format: 'lvslab-run/2' }), 'new.json'))).toEqual([
      `new.json: an lvslab-run/2 report; this lvslab reads ${REPORT_FORMAT} (merge reports written by the same lvslab version)`,
    ]);
    expect(problemsOf(() => parseRunReport('{"format": "junit"}', 'j.json'))[0]).toMatch(/^j\.json: format 'junit', not an lvslab run report/);
  });

  it('refuses a report of the right format with the wrong shape, saying where', () => {
    const bad = JSON.parse(JSON.stringify(b));
    bad.scenarios[1].steps[0].checks[0].pass = 'yes';
    delete bad.startedAt;
    expect(problemsOf(() => parseRunReport(JSON.stringify(bad), 'bad.json'))).toEqual([
      `bad.json: not a well-formed ${REPORT_FORMAT} report:\n  startedAt: Invalid input: expected string, received undefined\n  scenarios[1].steps[0].checks[0].pass: Invalid input: expected boolean, received string`,
    ]);
  });
});
