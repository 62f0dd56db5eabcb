// The terminal summary: what the article shows (the answers in order, the ipvsadm tables) and a
// verdict per check, readable without colours (CI logs) and coloured on a TTY.
import { answerSequence } from '../distribution.js';
import { outageWindows, type OutageWindow } from '../outage.js';
import type { ProbeRecord } from '../probe-record.js';
import { VERDICT_WORD, runTotals, runVerdict, scenarioPassed, skippedScenarios, skipsHeading, type RunReport, type ScenarioReport, type StepReport } from './model.js';

export interface TerminalOptions {
  color?: boolean;
}

interface Paint {
  ok: (s: string) => string;
  bad: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

function paint(color: boolean): Paint {
  const wrap = (a: number, b: number) => (s: string) => (color ? `\u001b[${a}m${s}\u001b[${b}m` : s);
  return { ok: wrap(32, 39), bad: wrap(31, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

const MAX_OUTPUT_LINES = 16;

const indent = (text: string, by: string) =>
  text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');

function step(s: StepReport, p: Paint): string[] {
  const out = [`  ${p.bold(s.name)} ${p.dim(`— ${s.summary} (${Math.round(s.durationMs)} ms)`)}`];
  if (s.records && s.kind !== 'probeContinuously') {
    const seq = answerSequence(s.records);
    const failed = s.records.length - seq.length;
    const shown = seq.length > 40 ? `${seq.slice(0, 40).join(' ')} ... (${seq.length - 40} more)` : seq.join(' ');
    out.push(`    answers: ${shown || '(none)'}${failed ? p.bad(`  (${failed} failed)`) : ''}`);
  }
  if (s.records && s.kind === 'probeContinuously') out.push(...describeOutages(s.records).map((l) => `    ${l}`));
  if (s.counts && Object.keys(s.counts).length > 0) {
    out.push(`    counts:  ${Object.entries(s.counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  if (s.output) {
    // Long tables (a busy -Lnc) are cut here; --json and --html carry them whole.
    const lines = s.output.replace(/\s+$/, '').split('\n');
    const cut = lines.length > MAX_OUTPUT_LINES ? [...lines.slice(0, MAX_OUTPUT_LINES), `... ${lines.length - MAX_OUTPUT_LINES} more lines (--json or --html show them all)`] : lines;
    out.push(indent(cut.join('\n'), '    | '));
  }
  if (s.error) out.push(`    ${p.bad('ERROR')} ${s.error}`);
  for (const c of s.checks) {
    out.push(`    ${c.pass ? p.ok('PASS') : p.bad('FAIL')} ${c.name}`);
    if (!c.pass) out.push(indent(c.message, '         '));
  }
  return out;
}

/** One line per outage of a timeline, times relative to its first probe. */
export function describeOutages(records: readonly ProbeRecord[]): string[] {
  const windows = outageWindows(records);
  if (records.length === 0) return ['timeline: no probes'];
  const t0 = Math.min(...records.map((r) => r.at));
  const lost = records.filter((r) => !r.ok).length;
  const head = `timeline: ${records.length} probes, ${lost} lost, ${windows.length} outage${windows.length === 1 ? '' : 's'}`;
  return [head, ...windows.map((w) => `  ${outageLine(w, t0)}`)];
}

function outageLine(w: OutageWindow, t0: number): string {
  const errors = Object.entries(w.errors).map(([e, n]) => `${e} ×${n}`).join(', ');
  const end = w.firstRecovered === undefined ? 'never recovered' : `back at +${Math.round(w.firstRecovered - t0)} ms`;
  return `outage ${Math.round(w.durationMs)} ms: lost at +${Math.round(w.firstLost - t0)} ms, ${end}; ${w.lostProbes} lost (${errors}); ${w.serverBefore ?? '?'} -> ${w.serverAfter ?? '-'}`;
}

export function renderScenario(s: ScenarioReport, p: Paint): string {
  const head = `${s.name} ${p.dim(`[${s.backend}${s.ranIn ? ` in the ${s.ranIn}` : ''}${s.lab.preset ? `, lab ${s.lab.preset}` : ''}${s.file ? `, ${s.file}` : ''}]`)}`;
  if (s.skipped !== undefined) return `${p.dim('SKIP')} ${head}\n  ${s.skipped}`;
  const lines = [`${scenarioPassed(s) ? p.ok('PASS') : p.bad('FAIL')} ${head}`];
  if (s.error) lines.push(`  ${p.bad('ERROR')} ${s.error}`);
  for (const st of s.steps) lines.push(...step(st, p));
  return lines.join('\n');
}

export function renderTerminal(r: RunReport, options: TerminalOptions = {}): string {
  const p = paint(options.color ?? false);
  const t = runTotals(r);
  const parts = r.scenarios.map((s) => renderScenario(s, p));
  const v = runVerdict(r);
  const verdict = v === 'passed' ? p.ok(VERDICT_WORD[v]) : p.bad(VERDICT_WORD[v]);
  const skipped = t.skipped ? `, ${t.skipped} skipped${r.allowSkips ? ' (allowed)' : ''}` : '';
  const lines = [
    `${p.bold(r.title)}: ${verdict} — ${t.scenarios - t.failedScenarios - t.skipped}/${t.scenarios - t.skipped} scenarios, ` +
      `${t.checks - t.failedChecks}/${t.checks} checks passed${skipped} in ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  // A skip is never silent: what did not run and why, and how to accept it.
  if (t.skipped) {
    lines.push(`${skipsHeading(r)}:`);
    lines.push(...skippedScenarios(r).map((s) => `  ${s}`));
  } else if (t.scenarios === 0) lines.push('no scenario ran');
  parts.push(lines.join('\n'));
  return parts.join('\n\n') + '\n';
}
