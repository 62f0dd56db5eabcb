// Merging run reports: the `lvslab run --json` reports of shards (CI runners that each ran some of the
// scenario files) into one RunReport with one verdict, which every renderer (terminal, JSON, JUnit,
// HTML) reads as if one `lvslab run` had run them all. Pure: the command (src/cli/commands/report.ts)
// reads the files.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { REPORT_FORMAT, type RunReport, type ScenarioReport } from './model.js';

/** What is wrong with the inputs, one line per problem, each naming its file. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface ReportInput {
  /** where the report came from, as the user named it: every error names it */
  file: string;
  report: RunReport;
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

const checkSchema = z.looseObject({ name: z.string(), pass: z.boolean(), message: z.string() });

const recordSchema = z.looseObject({ ok: z.boolean(), at: finite, ms: finite, server: z.string().optional(), error: z.string().optional() });

const stepSchema = z.looseObject({
  name: z.string(),
  kind: z.string(),
  summary: z.string(),
  durationMs: finite,
  records: z.array(recordSchema).optional(),
  counts: z.record(z.string(), finite).optional(),
  weights: z.record(z.string(), finite).optional(),
  output: z.string().optional(),
  checks: z.array(checkSchema),
  error: z.string().optional(),
});

const scenarioSchema = z.looseObject({
  name: z.string(),
  file: z.string().optional(),
  description: z.string().optional(),
  backend: z.string(),
  lab: z.looseObject({
    id: z.string().optional(),
    preset: z.string().optional(),
    // Only what the HTML report's drawing walks; the rest of a topology is carried as it is.
    topology: z.looseObject({ segments: z.array(z.looseObject({})), hosts: z.array(z.looseObject({})) }).optional(),
    addressHolders: z.record(z.string(), z.array(z.string())).optional(),
  }),
  steps: z.array(stepSchema),
  durationMs: finite,
  error: z.string().optional(),
  skipped: z.string().optional(),
});

const reportSchema = z.looseObject({
  format: z.literal(REPORT_FORMAT),
  title: z.string(),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date (ISO 8601)'),
  durationMs: finite,
  scenarios: z.array(scenarioSchema),
});

const MAX_SHAPE_PROBLEMS = 5;

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(top level)';
}

/** What a JSON value that is not an lvslab run report looks like, to say what it is instead. */
function notAReport(value: unknown): string {
  if (Array.isArray(value) && typeof value[0] === 'string' && /^\d+\.\d+/.test(value[0])) {
    return `it looks like a vitest blob report (vitest ${value[0]}): merge those with 'vitest --merge-reports'`;
  }
  if (value && typeof value === 'object' && 'testResults' in value && 'numTotalTests' in value) {
    return "it looks like vitest's JSON report: merge vitest's blob reports with 'vitest --merge-reports'";
  }
  return `no "format": "${REPORT_FORMAT}" in it (write one with 'lvslab run ... --json')`;
}

/** Parse one report file's text; `file` names it in every error. */
export function parseRunReport(text: string, file: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportInputError([`${file}: not JSON (${(err as Error).message})`]);
  }
  const format = value && typeof value === 'object' && !Array.isArray(value) ? (value as { format?: unknown }).format : undefined;
  if (typeof format !== 'string') throw new ReportInputError([`${file}: not an lvslab run report: ${notAReport(value)}`]);
  if (format !== REPORT_FORMAT) {
    const what = format.startsWith('lvslab-run/') ? `an ${format} report` : `format '${format}', not an lvslab run report`;
    throw new ReportInputError([`${file}: ${what}; this lvslab reads ${REPORT_FORMAT} (merge reports written by the same lvslab version)`]);
  }
  const parsed = reportSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
    const shown = issues.length > MAX_SHAPE_PROBLEMS ? [...issues.slice(0, MAX_SHAPE_PROBLEMS), `... ${issues.length - MAX_SHAPE_PROBLEMS} more`] : issues;
    throw new ReportInputError([`${file}: not a well-formed ${REPORT_FORMAT} report:\n  ${shown.join('\n  ')}`]);
  }
  // The value as written, not zod's copy: keys stay in their order, so identical inputs stay identical.
  return value as RunReport;
}

/** One scenario run: a scenario (its file and name) on a backend. Two shards must not both run one. */
function scenarioKey(s: ScenarioReport): string {
  return JSON.stringify([s.file ?? null, s.name, s.backend]);
}

function describeScenario(s: ScenarioReport): string {
  return `scenario '${s.name}' [${s.backend}]${s.file ? ` (${s.file})` : ''}`;
}

export interface MergeResult {
  report: RunReport;
  /** scenarios found identical in several inputs and kept once, one line each */
  notes: string[];
}

/**
 * Merge reports of disjoint shards, scenarios in the order of the inputs. A scenario run (same file,
 * name and backend) in two inputs is an error naming both — unless both entries are identical (the
 * same report given twice, a copied artifact): then it is kept once, with a note. A re-run differs
 * (timings, lab ids) and is refused: which of the two counts is the user's call, not the merge's.
 * The merged run starts at the earliest start and lasts until the latest end (shards run side by side).
 * Its verdict is runVerdict's (model.ts): a skip in any shard keeps it from passing unless the merge
 * allows skips (`allowSkips`), whatever the shards allowed — the merge judges the whole run.
 */
export function mergeRunReports(inputs: readonly ReportInput[], options: { title?: string; allowSkips?: boolean } = {}): MergeResult {
  if (inputs.length === 0) throw new ReportInputError(['no reports to merge']);
  const seen = new Map<string, { file: string; scenario: ScenarioReport }>();
  const scenarios: ScenarioReport[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const { file, report } of inputs) {
    for (const s of report.scenarios) {
      const key = scenarioKey(s);
      const first = seen.get(key);
      if (!first) {
        seen.set(key, { file, scenario: s });
        scenarios.push(s);
      } else if (isDeepStrictEqual(first.scenario, s)) {
        notes.push(`${describeScenario(s)} is in ${first.file} and ${file}, identical: counted once`);
      } else {
        problems.push(`${describeScenario(s)} is in both ${first.file} and ${file}, with different results: merge reports of disjoint shards (of a re-run, keep one report)`);
      }
    }
  }
  if (problems.length) throw new ReportInputError(problems);
  const starts = inputs.map(({ report }) => Date.parse(report.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...inputs.map(({ report }, i) => starts[i] + report.durationMs));
  const titles = [...new Set(inputs.map(({ report }) => report.title))];
  return {
    report: {
      format: REPORT_FORMAT,
      title: options.title ?? `merged: ${titles.join(' + ')}`,
      startedAt: new Date(start).toISOString(),
      durationMs: end - start,
      scenarios,
      ...(options.allowSkips ? { allowSkips: true } : {}),
    },
    notes,
  };
}
