// `lvslab report merge A.json B.json ...`: the run reports of shards (`lvslab run --json` on several CI
// runners) merged into one report with one verdict, printed as `lvslab run` prints its own, and written
// as JSON, JUnit XML or HTML by the same renderers. The merge rules are in src/checks/report/merge.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { renderHtml } from '../../checks/report/html.js';
import { renderJunit } from '../../checks/report/junit.js';
import { mergeRunReports, parseRunReport, ReportInputError, type ReportInput } from '../../checks/report/merge.js';
import { runVerdict } from '../../checks/report/model.js';
import { renderTerminal } from '../../checks/report/terminal.js';
import { parseCommandArgs } from '../args.js';
import { UsageError, printedHelp, type Command } from '../command.js';
import { EXIT_STATUS } from './run.js';

const usage = `usage: lvslab report merge <report.json> [...] [options]

Merge run reports written by 'lvslab run ... --json' (one per CI shard) into one report with one
verdict, printed like 'lvslab run' prints its report. Scenarios keep the order of the files given.

options:
  --json FILE     write the merged report as JSON (the format 'lvslab run --json' writes; mergeable again)
  --junit FILE    write JUnit XML (one testcase per check)
  --html FILE     write a self-contained HTML report
  --title TEXT    the merged report's title (default: 'merged: ' and the inputs' titles)
  --allow-skips   scenarios skipped in the shards (their backend unavailable there) do not stop the
                  merged run passing; without it such a merge is INCOMPLETE
  -h, --help      this help

Rules: a scenario run (same file, name and backend) found in two reports is an error naming both,
unless the two entries are identical (the same report given twice): it then counts once. Every input
must be an lvslab-run/1 report; an unreadable file, a file that is not a run report, or a report of
another format version is an error naming the file. The verdict is 'lvslab run's: FAILED when any
check failed or a scenario could not run; INCOMPLETE when a scenario was skipped (or none is in the
reports) and --allow-skips was not given; NOTHING RAN with --allow-skips when every scenario was
skipped; PASSED otherwise. A merge in which nothing ran is never PASSED.

Exit status: 0 PASSED (or NOTHING RAN with --allow-skips), 1 FAILED, 2 usage error or a bad input
(nothing written), 3 INCOMPLETE. Needs no root.`;

const subcommands = ['merge'];

async function readInputs(files: string[]): Promise<ReportInput[]> {
  const inputs: ReportInput[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new ReportInputError([`${file}: cannot read (${err.code ?? err.message})`]);
      });
      inputs.push({ file, report: parseRunReport(text, file) });
    } catch (err) {
      if (!(err instanceof ReportInputError)) throw err;
      problems.push(...err.problems);
    }
  }
  // Every file is looked at before any is refused: one run of the command names every bad input.
  if (problems.length) throw new ReportInputError(problems);
  return inputs;
}

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: 'string' },
    junit: { type: 'string' },
    html: { type: 'string' },
    title: { type: 'string' },
    'allow-skips': { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError("name the reports to merge (files written by 'lvslab run ... --json')");
  let merged;
  try {
    merged = mergeRunReports(await readInputs(positionals), { title: values.title, allowSkips: values['allow-skips'] });
  } catch (err) {
    if (!(err instanceof ReportInputError)) throw err;
    process.stderr.write(err.problems.map((p) => `lvslab report merge: ${p}\n`).join(''));
    return 2;
  }
  const { report, notes } = merged;
  process.stderr.write(notes.map((n) => `lvslab report merge: ${n}\n`).join(''));
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(renderTerminal(report, { color }));
  const written: string[] = [];
  if (values.json) {
    await writeFile(values.json, JSON.stringify(report, null, 2) + '\n');
    written.push(`JSON report: ${values.json}`);
  }
  if (values.junit) {
    await writeFile(values.junit, renderJunit(report));
    written.push(`JUnit XML: ${values.junit}`);
  }
  if (values.html) {
    await writeFile(values.html, renderHtml(report));
    written.push(`HTML report: ${values.html}`);
  }
  if (written.length) process.stderr.write(written.join('\n') + '\n');
  return EXIT_STATUS[runVerdict(report)];
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'merge run reports of several shards into one report and verdict',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help') {
      if (printedHelp(argv, usage)) return 0;
      throw new UsageError(`name a subcommand: ${subcommands.join(', ')}`);
    }
    if (sub !== 'merge') throw new UsageError(`unknown subcommand '${sub}' (known: ${subcommands.join(', ')})`);
    if (printedHelp(rest, usage)) return 0;
    return merge(rest);
  },
};
