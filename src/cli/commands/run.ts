// `lvslab run FILE.yaml|DIR|article`: run scenario files and report — a progress line while labs
// build and steps run, then the terminal summary (or --json), plus --junit and --html files.
// Exit status 0 when every check passed, 1 when one failed, 2 for a usage error.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadScenario, ScenarioError } from '../../api/scenario/load.js';
import { resolveScenarioFiles, runScenarioFiles } from '../../api/scenario/run.js';
import { renderHtml } from '../../checks/report/html.js';
import { renderJunit } from '../../checks/report/junit.js';
import { runPassed } from '../../checks/report/model.js';
import { renderTerminal } from '../../checks/report/terminal.js';
import type { BackendName } from '../../lb/backend.js';
import { UsageError, printedHelp, type Command } from '../command.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab run <scenario.yaml | directory | article> [...] [options]

Run scenario files: build each scenario's lab, configure its directors, run its probes, listings and
faults, judge its expectations, tear down. 'article' runs the shipped article scenarios (TCP and UDP
through one director, then failover between two, on the embedded backend).

options:
  --backend B     run on this backend instead of the files' own: embedded, kernel or both
  --json          print the run report as JSON on stdout (progress still goes to stderr)
  --junit FILE    also write JUnit XML (one testcase per check)
  --html FILE     also write a self-contained HTML report (topology, charts, timelines, tables)
  --quiet         no progress line
  -h, --help      this help

Needs root (network namespaces). Exit status: 0 all checks passed, 1 a check failed, 2 usage or
input error (a scenario or lab file, not being root), found before anything is built.
Scenario format: docs/scenarios.md.`;

function backendsOf(v: string | undefined): BackendName[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'both') return ['embedded', 'kernel'];
  if (v === 'embedded' || v === 'kernel') return [v];
  throw new UsageError(`--backend: '${v}' is not embedded, kernel or both`);
}

/** One line rewritten in place on a terminal; plain lines elsewhere (CI logs). */
function progressPrinter(enabled: boolean): { line: (m: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  if (!enabled) return { line: () => undefined, done: () => undefined };
  return {
    line: (m) => {
      if (tty) {
        const width = (process.stderr.columns ?? 100) - 1;
        process.stderr.write(`\r\u001b[2K… ${m}`.slice(0, width + 8));
        shown = true;
      } else process.stderr.write(`… ${m}\n`);
    },
    done: () => {
      if (tty && shown) process.stderr.write('\r\u001b[2K');
    },
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run scenario files (or the article) and report a verdict per check',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          backend: { type: 'string' },
          json: { type: 'boolean' },
          junit: { type: 'string' },
          html: { type: 'string' },
          quiet: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('name a scenario file, a directory of them, or article');
    const backends = backendsOf(values.backend);
    const files: string[] = [];
    for (const p of positionals) {
      try {
        files.push(...(await resolveScenarioFiles(p)));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    // Every file is checked before anything is built, and without root: a typo costs no lab.
    const problems: string[] = [];
    for (const f of files) {
      await loadScenario(f).catch((err: unknown) => {
        if (!(err instanceof ScenarioError)) throw err;
        problems.push(err.message);
      });
    }
    if (problems.length) {
      process.stderr.write(problems.map((p) => `lvslab run: ${p}\n`).join(''));
      return 2;
    }
    requireRoot('run', 'it builds network namespaces');
    const progress = progressPrinter(!values.quiet);
    const title = `lvslab run ${positionals.join(' ')}`;
    let report;
    try {
      report = await runScenarioFiles(files, title, { backends, onProgress: progress.line });
    } finally {
      progress.done();
    }
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(renderTerminal(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
    if (values.junit) await writeFile(values.junit, renderJunit(report));
    if (values.html) await writeFile(values.html, renderHtml(report));
    if (values.junit || values.html) {
      process.stderr.write([values.junit && `JUnit XML: ${values.junit}`, values.html && `HTML report: ${values.html}`].filter(Boolean).join('\n') + '\n');
    }
    return runPassed(report) ? 0 : 1;
  },
};
