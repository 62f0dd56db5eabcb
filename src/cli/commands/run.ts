// `lvslab run FILE.yaml|DIR|article`: run scenario files and report — a progress line while labs
// build and steps run, then the terminal summary (or --json), plus --junit and --html files.
// Exit status: see EXIT_STATUS.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadScenario, ScenarioError } from '../../api/scenario/load.js';
import { resolveScenarioFiles, runScenarioFiles } from '../../api/scenario/run.js';
import { renderHtml } from '../../checks/report/html.js';
import { renderJunit } from '../../checks/report/junit.js';
import { runVerdict, type RunVerdict } from '../../checks/report/model.js';
import { renderTerminal } from '../../checks/report/terminal.js';
import type { BackendName } from '../../lb/backend.js';
import { UsageError, printedHelp, type Command } from '../command.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab run <scenario.yaml | directory | article> [...] [options]

Run scenario files: build each scenario's lab, configure its directors, run its probes, listings and
faults, judge its expectations, tear down. 'article' runs the shipped article scenarios (TCP and UDP
through one director, then failover between two, on the embedded backend).

options:
  --backend B     run on this backend instead of the files' own: embedded, kernel or both.
                  The kernel backend runs on the host where its kernel has IPVS; where it has
                  not but the kernel VM is prepared (scripts/setup-kernel-vm, qemu), the kernel
                  scenarios run together inside one VM boot, after the host's, and come back
                  into the same report, each marked with the VM kernel it ran on (this adds
                  the VM's boot and emulation: minutes, not seconds); else they are skipped
  --json          print the run report as JSON on stdout (progress still goes to stderr)
  --junit FILE    also write JUnit XML (one testcase per check)
  --html FILE     also write a self-contained HTML report (topology, charts, timelines, tables)
  --allow-skips   a scenario skipped because its backend cannot run here (no kernel IPVS and
                  no kernel VM) does not stop the run passing; without it such a run is INCOMPLETE
  --quiet         no progress line
  -h, --help      this help

Needs root (network namespaces). Exit status:
  0 passed (every scenario ran and passed, or the skipped ones were allowed)
  1 a check, step or scenario failed
  2 usage or input error (a scenario or lab file, not being root), found before anything is built
  3 incomplete: nothing failed but a scenario was skipped (the summary says which and why) and
    --allow-skips was not given
A run in which nothing ran is never PASSED.
Scenario format: docs/scenarios.md; the kernel VM and its time bounds: docs/kernel.md.`;

/** How each verdict exits (documented in the help above and in docs/scenarios.md). */
export const EXIT_STATUS: Record<RunVerdict, number> = { passed: 0, skipped: 0, failed: 1, incomplete: 3 };

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
          'allow-skips': { type: 'boolean' },
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
      report = await runScenarioFiles(files, title, { backends, allowSkips: values['allow-skips'], onProgress: progress.line });
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
    return EXIT_STATUS[runVerdict(report)];
  },
};
