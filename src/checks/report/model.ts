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
}

export function allChecks(s: ScenarioReport): CheckVerdict[] {
  return s.steps.flatMap((st) => st.checks);
}

export function scenarioPassed(s: ScenarioReport): boolean {
  return !s.error && s.steps.every((st) => !st.error) && allChecks(s).every((c) => c.pass);
}

/** The run passed when no scenario failed; skipped scenarios do not fail it. */
export function runPassed(r: RunReport): boolean {
  return r.scenarios.every((s) => s.skipped !== undefined || scenarioPassed(s));
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
