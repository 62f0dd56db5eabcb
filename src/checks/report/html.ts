// The HTML report: one self-contained page per run (inline CSS and SVG, no script, no external
// resource), so it can be attached to a CI run and opened anywhere.
import { answerSequence } from '../distribution.js';
import { describeOutages } from './terminal.js';
import { VERDICT_WORD, runTotals, runVerdict, scenarioPassed, skippedScenarios, skipsHeading, type RunReport, type ScenarioReport, type StepReport } from './model.js';
import { distributionSvg, esc, timelineSvg, topologySvg } from './svg.js';

const CSS = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.pass{color:#1d7a3a;font-weight:bold}.fail{color:#c1121f;font-weight:bold}.skip{color:#777;font-weight:bold}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}
ul.checks{list-style:none;padding-left:0}ul.checks li{margin:2px 0}
.muted{color:#666;font-size:13px}.seq{font-family:monospace}
`;

function servers(s: ScenarioReport): string[] {
  const names = new Set<string>();
  for (const h of s.lab.topology?.hosts ?? []) if (h.role === 'real') names.add(h.identity);
  for (const st of s.steps) for (const r of st.records ?? []) if (r.server) names.add(r.server);
  return [...names].sort();
}

function stepHtml(st: StepReport, all: string[]): string {
  const out = [`<h3>${esc(st.name)} <span class="muted">${esc(st.summary)} · ${Math.round(st.durationMs)} ms</span></h3>`];
  if (st.records && st.kind !== 'probeContinuously') {
    const seq = answerSequence(st.records);
    out.push(`<p class="seq">${esc(seq.slice(0, 60).join(' '))}${seq.length > 60 ? ` … (${seq.length - 60} more)` : ''}</p>`);
  }
  if (st.counts && Object.keys(st.counts).length) out.push(distributionSvg(st.counts, all, st.weights));
  if (st.kind === 'probeContinuously' && st.records) {
    out.push(timelineSvg(st.records, all));
    out.push(`<pre>${esc(describeOutages(st.records).join('\n'))}</pre>`);
  }
  if (st.output) out.push(`<pre>${esc(st.output)}</pre>`);
  if (st.error) out.push(`<p class="fail">error: ${esc(st.error)}</p>`);
  if (st.checks.length) {
    out.push(
      `<ul class="checks">${st.checks
        .map((c) => `<li><span class="${c.pass ? 'pass' : 'fail'}">${c.pass ? 'PASS' : 'FAIL'}</span> ${esc(c.name)}${c.pass ? '' : `<pre>${esc(c.message)}</pre>`}</li>`)
        .join('')}</ul>`,
    );
  }
  return out.join('\n');
}

function scenarioHtml(s: ScenarioReport): string {
  const verdict = s.skipped !== undefined ? '<span class="skip">SKIP</span>' : scenarioPassed(s) ? '<span class="pass">PASS</span>' : '<span class="fail">FAIL</span>';
  const out = [`<section data-scenario="${esc(s.name)}"><h2>${verdict} ${esc(s.name)} <span class="muted">${esc(s.backend)}${s.ranIn ? ` · ${esc(s.ranIn)}` : ''}${s.lab.preset ? ` · lab ${esc(s.lab.preset)}` : ''}${s.file ? ` · ${esc(s.file)}` : ''}</span></h2>`];
  if (s.description) out.push(`<p>${esc(s.description)}</p>`);
  if (s.skipped !== undefined) out.push(`<p class="muted">${esc(s.skipped)}</p>`);
  if (s.error) out.push(`<p class="fail">error: ${esc(s.error)}</p>`);
  if (s.lab.topology) out.push(topologySvg(s.lab.topology, s.lab.addressHolders));
  const all = servers(s);
  for (const st of s.steps) out.push(stepHtml(st, all));
  out.push('</section>');
  return out.join('\n');
}

export function renderHtml(r: RunReport): string {
  const t = runTotals(r);
  const v = runVerdict(r);
  const verdict = `<span class="${v === 'passed' ? 'pass' : 'fail'}">${VERDICT_WORD[v]}</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(r.title)} — ${verdict}</h1>
<p class="muted">started ${esc(r.startedAt)} · ${(r.durationMs / 1000).toFixed(1)} s · ${t.scenarios - t.failedScenarios - t.skipped}/${t.scenarios - t.skipped} scenarios · ${t.checks - t.failedChecks}/${t.checks} checks passed${t.skipped ? ` · ${t.skipped} skipped${r.allowSkips ? ' (allowed)' : ''}` : ''}</p>
${t.skipped ? `<p class="muted">${esc(skipsHeading(r))}:</p><ul>${skippedScenarios(r).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>\n` : ''}${r.scenarios.map(scenarioHtml).join('\n')}
</body></html>
`;
}
