// JUnit XML for CI: one <testsuite> per scenario, one <testcase> per check, so a CI dashboard shows
// exactly which expectation failed. (vitest's own junit reporter covers `npm test`.)
import { allChecks, runTotals, type RunReport } from './model.js';

function esc(s: string): string {
  // XML 1.0 cannot carry most control characters at all, even escaped.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderJunit(r: RunReport): string {
  const t = runTotals(r);
  const suites = r.scenarios.map((s) => {
    const name = `${s.name} [${s.backend}]`;
    const seconds = (s.durationMs / 1000).toFixed(3);
    const cases: string[] = [];
    if (s.skipped !== undefined) {
      cases.push(`    <testcase classname="${esc(name)}" name="scenario" time="0"><skipped message="${esc(s.skipped)}"/></testcase>`);
    }
    if (s.error) {
      cases.push(`    <testcase classname="${esc(name)}" name="scenario" time="${seconds}"><error message="${esc(s.error)}"/></testcase>`);
    }
    for (const st of s.steps) {
      if (st.error) {
        cases.push(`    <testcase classname="${esc(name)}" name="${esc(st.name)}" time="${(st.durationMs / 1000).toFixed(3)}"><error message="${esc(st.error)}"/></testcase>`);
      }
      for (const c of st.checks) {
        const body = c.pass ? '' : `<failure message="${esc(c.message.split('\n')[0])}">${esc(c.message)}</failure>`;
        cases.push(`    <testcase classname="${esc(name)}" name="${esc(`${st.name}: ${c.name}`)}" time="0">${body}</testcase>`);
      }
    }
    const failures = allChecks(s).filter((c) => !c.pass).length;
    const errors = (s.error ? 1 : 0) + s.steps.filter((st) => st.error).length;
    return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${s.skipped !== undefined ? 1 : 0}" time="${seconds}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${esc(r.title)}" tests="${t.checks}" failures="${t.failedChecks}" time="${(r.durationMs / 1000).toFixed(3)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
