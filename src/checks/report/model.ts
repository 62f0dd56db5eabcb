// What one run (`lvslab run`, a scenario file, the article) produced, in one plain-JSON shape that
// every report reads: the terminal summary, --json, JUnit XML and the HTML page. Plain data so
// `--json` is just this object and a report can be re-rendered from a saved file.
import type { Topology } from '../../lab/topology.js';
import type { ProbeRecord } from '../probe-record.js';

export const REPORT_FORMAT = 'lvslab-run/1';

export interface CheckVerdict {
  /** what was checked, e.g. `sequence is RS2 RS1 RS2 RS1` */
  name: string;
  pass: boolean;
  /** the matcher's message: on failure what went wrong, with the sequence or table */
  message: string;
}

export interface StepReport {
  name: string;
  kind: 'http' | 'udp' | 'sendFile' | 'probeContinuously' | 'ipvsadm' | 'fault' | 'wait' | 'exec';
  /** one line saying what ran, e.g. `client: 4 HTTP requests to http://192.168.1.112/` */
  summary: string;
  durationMs: number;
  /** probe results (probe steps) */
  records?: ProbeRecord[];
  /** answers per server (probe steps) */
  counts?: Record<string, number>;
  /** weights the step expected, drawn beside the distribution */
  weights?: Record<string, number>;
  /** text output to show as is (ipvsadm tables, command output) */
  output?: string;
  checks: CheckVerdict[];
  /** the step could not run: nothing to judge */
  error?: string;
}

export interface ScenarioReport {
  name: string;
  /** the scenario file, when it came from one */
  file?: string;
  description?: string;
  backend: string;
  /** where a scenario ran when not on this host, e.g. `kernel VM: 6.1.0-57-amd64 (...)` (see src/lb/kernel/vm-run.ts) */
  ranIn?: string;
  lab: {
    id?: string;
    preset?: string;
    topology?: Topology;
    /** the hosts holding each virtual address at the end of the run (VIP, DIP); two is a split brain or a killed holder */
    addressHolders?: Record<string, string[]>;
  };
  steps: StepReport[];
  durationMs: number;
  /** the scenario could not run (lab build, backend start): its error */
  error?: string;
  /** the scenario was skipped (backend unavailable), with the reason */
  skipped?: string;
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  title: string;
  startedAt: string;
  durationMs: number;
  scenarios: ScenarioReport[];
  /** the user accepted skipped scenarios (`lvslab run --allow-skips`): a skip then does not stop a pass */
  allowSkips?: boolean;
}

export function allChecks(s: ScenarioReport): CheckVerdict[] {
  return s.steps.flatMap((st) => st.checks);
}

export function scenarioPassed(s: ScenarioReport): boolean {
  return !s.error && s.steps.every((st) => !st.error) && allChecks(s).every((c) => c.pass);
}

/**
 * What a run comes to:
 * - `failed`: a scenario that ran failed (a check, a step, the lab or the backend);
 * - `incomplete`: nothing failed, but a scenario was skipped (its backend unavailable) or none ran,
 *   and skips were not allowed — a run that did not check everything it was asked to is not a pass;
 * - `skipped`: skips were allowed and every scenario was skipped: nothing ran, so still not a pass;
 * - `passed`: at least one scenario ran, every one that ran passed, and any skip was allowed.
 */
export type RunVerdict = 'passed' | 'failed' | 'incomplete' | 'skipped';

export function runVerdict(r: RunReport): RunVerdict {
  const ran = r.scenarios.filter((s) => s.skipped === undefined);
  if (ran.some((s) => !scenarioPassed(s))) return 'failed';
  if (ran.length === r.scenarios.length && ran.length > 0) return 'passed';
  if (!r.allowSkips) return 'incomplete';
  return ran.length > 0 ? 'passed' : 'skipped';
}

/** The run passed: see runVerdict. A run with a skip passes only when skips were allowed. */
export function runPassed(r: RunReport): boolean {
  return runVerdict(r) === 'passed';
}

/** The verdict as the reports print it. */
export const VERDICT_WORD: Record<RunVerdict, string> = { passed: 'PASSED', failed: 'FAILED', incomplete: 'INCOMPLETE', skipped: 'NOTHING RAN' };

/** The heading over the skipped scenarios in the reports. */
export function skipsHeading(r: RunReport): string {
  return r.allowSkips ? 'skipped (--allow-skips)' : 'skipped, so the run is not a pass (--allow-skips accepts skips)';
}

/** The skipped scenarios, each `name [backend]: reason`. */
export function skippedScenarios(r: RunReport): string[] {
  return r.scenarios.filter((s) => s.skipped !== undefined).map((s) => `${s.name} [${s.backend}]: ${s.skipped}`);
}

export function runTotals(r: RunReport): { scenarios: number; failedScenarios: number; skipped: number; checks: number; failedChecks: number } {
  let failedScenarios = 0;
  let skipped = 0;
  let checks = 0;
  let failedChecks = 0;
  for (const s of r.scenarios) {
    if (s.skipped !== undefined) {
      skipped++;
      continue;
    }
    if (!scenarioPassed(s)) failedScenarios++;
    for (const c of allChecks(s)) {
      checks++;
      if (!c.pass) failedChecks++;
    }
  }
  return { scenarios: r.scenarios.length, failedScenarios, skipped, checks, failedChecks };
}
