// Sharded suites and merged reports, as CI runs them: the jobs of docs/examples/sharded-ci.yml (the
// workflow docs/api.md shows) run on this machine through a local stand-in for GitHub Actions
// (test/sharding-fixture/workflow.ts) — both shards at once, each in its own runner directory (seen,
// as on GitHub, at one checkout path) with its own labs, then the merge job on their artifacts — over
// a small fixture project (four lab tests
// in two vitest projects, two scenario files). The merged results must equal one unsharded run's:
// the same tests with the same verdicts from vitest, the same scenarios and checks from lvslab.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runVerdict } from '../../src/checks/report/model.js';
import type { RunReport } from '../../src/checks/report/model.js';
import { gc, teardownLab } from '../../src/lab/index.js';
import { namespacesOf } from '../lab/helpers.js';
import { jobRuns, localCommand, PREPARATION, runJob, runnerEnv, type JobRun, type RunnerOptions, type Workflow } from '../../test/sharding-fixture/workflow.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const workflowText = readFileSync(join(repo, 'docs/examples/sharded-ci.yml'), 'utf8');
const workflow = parse(workflowText) as Workflow;
const tools = { vitest: join(repo, 'node_modules/.bin/vitest'), lvslab: `${process.execPath} ${join(repo, 'dist/cli/main.js')}` };

// The workflow's matrix names the article's scenario files; the suite gives each shard one of the
// fixture's (cheaper, and one of them fails on purpose so a failure has to survive the merge).
const matrix = [
  { shard: 1, scenarios: 'scenarios/first.yaml' },
  { shard: 2, scenarios: 'scenarios/second.yaml' },
];

const STEP_TIMEOUT_MS = 240_000;

/** Every test of a vitest JSON report as `file > name: status`, sorted; files relative to the checkout. */
function vitestVerdicts(path: string, checkout: string): { tests: string[]; success: boolean } {
  const r = JSON.parse(readFileSync(path, 'utf8')) as { success: boolean; testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[] };
  const tests = r.testResults.flatMap((f) => {
    expect(f.name.startsWith(`${checkout}/`), f.name).toBe(true);
    return f.assertionResults.map((t) => `${f.name.slice(checkout.length + 1)} > ${t.fullName}: ${t.status}`);
  });
  return { tests: tests.sort(), success: r.success };
}

/** A run report without what differs between two runs of the same scenarios (timings, lab ids, answers' order). */
function verdicts(r: RunReport) {
  return {
    verdict: runVerdict(r),
    scenarios: r.scenarios.map((s) => ({
      name: s.name,
      file: s.file,
      backend: s.backend,
      skipped: s.skipped,
      error: s.error,
      steps: s.steps.map((st) => ({ name: st.name, kind: st.kind, error: st.error, checks: st.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}`) })),
    })),
  };
}

function labIdsOf(report: RunReport): string[] {
  return report.scenarios.flatMap((s) => (s.lab.id ? [s.lab.id] : []));
}

function labsNoted(dir: string): string[] {
  const file = join(dir, 'reports/labs.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function describeRun(run: JobRun): string {
  return run.steps.map((s) => `$ ${s.command}\n(exit ${s.exitCode}${s.timedOut ? ', timed out' : ''})\n${s.output.slice(-4000)}`).join('\n\n');
}

describe('sharded suites and merged reports (docs/examples/sharded-ci.yml)', () => {
  const labs = new Set<string>();
  let base = '';
  let timedOut = false;

  afterAll(async () => {
    for (const id of labs) await teardownLab(id).catch(() => undefined);
    // A step killed at its time bound leaves its lab to the next build's gc; do that now instead.
    if (timedOut) await gc({ all: false }).catch(() => undefined);
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('docs/api.md shows the workflow file verbatim, and it is the workflow the suite imitates', () => {
    expect(readFileSync(join(repo, 'docs/api.md'), 'utf8')).toContain('```yaml\n' + workflowText + '```');
    // `npm test -- ARGS` is `vitest run ARGS`; the suite runs vitest directly with the fixture's config.
    expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts.test).toBe('vitest run');
    const test = workflow.jobs.test;
    const include = test.strategy?.matrix?.include ?? [];
    expect(include.map((m) => Object.keys(m).sort())).toEqual(matrix.map((m) => Object.keys(m).sort()));
    expect(include.map((m) => m.shard)).toEqual(matrix.map((m) => m.shard));
    expect(workflow.jobs.merge.needs).toBe('test');
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));
    const ctx = { matrix: matrix[0], jobTotal: matrix.length };
    expect(runs.filter((r) => !PREPARATION.includes(r)).map((r) => localCommand(r, ctx, { vitest: 'vitest', lvslab: 'lvslab' }))).toEqual([
      'CI=true vitest run --shard=1/2 --reporter=blob --reporter=default',
      "sh -c 'mkdir -p reports && lvslab run scenarios/first.yaml --json > reports/run-1.json'",
      'CI=true vitest run --merge-reports',
      'lvslab report merge reports/run-*.json --json reports/lvslab.json --junit reports/lvslab.xml --html reports/lvslab.html',
    ]);
  });

  it('two shards at once, merged, equal one unsharded run: same tests, same checks, same verdicts', async () => {
    await mkdir(join(repo, 'reports'), { recursive: true });
    // Under the repository (reports/ is ignored by git), so the fixture finds vitest and lvslab/vitest.
    base = await mkdtemp(join(repo, 'reports', 'sharding-'));
    const checkout = join(base, 'checkout');
    await mkdir(checkout);
    const env = runnerEnv();
    const options = (dir: string, m: Record<string, string | number>): RunnerOptions => ({
      dir: join(base, dir),
      checkout,
      ctx: { matrix: m, jobTotal: matrix.length },
      tools,
      artifacts: join(base, 'artifacts'),
      env,
      timeoutMs: STEP_TIMEOUT_MS,
    });

    // The test job, once per matrix entry, all at once: two processes, two sets of labs.
    const shards = await Promise.all(matrix.map((m) => runJob(workflow.jobs.test, options(`shard-${m.shard}`, m))));
    // The merge job on their artifacts.
    expect(jobRuns(workflow.jobs.merge, shards.every((s) => s.ok))).toBe(true);
    const merged = await runJob(workflow.jobs.merge, options('merge', {}));
    // The reference: one runner running everything, unsharded.
    const whole = await runJob(
      {
        steps: [
          { uses: 'actions/checkout@v4' },
          { run: 'sudo CI=true npm test' },
          { if: '${{ !cancelled() }}', run: `sudo sh -c 'mkdir -p reports && npx lvslab run ${matrix.map((m) => m.scenarios).join(' ')} --json > reports/run.json'` },
        ],
      },
      options('whole', {}),
    );
    const all = [...shards, merged, whole];
    timedOut = all.some((r) => r.steps.some((s) => s.timedOut));
    for (const r of all) for (const id of labsNoted(r.dir)) labs.add(id);
    const context = all.map(describeRun).join('\n\n====\n\n');

    // Both shards ran at the same time, each some of the lab tests and not all.
    expect(shards[0].startedAt < shards[1].endedAt && shards[1].startedAt < shards[0].endedAt).toBe(true);
    const wholeLabs = labsNoted(whole.dir);
    expect(wholeLabs, context).toHaveLength(4);
    for (const s of shards) expect(labsNoted(s.dir).length, context).toBeGreaterThan(0);
    expect(shards.reduce((n, s) => n + labsNoted(s.dir).length, 0)).toBe(wholeLabs.length);

    // vitest: the merged blobs report the same tests with the same verdicts as the unsharded run;
    // both fail (a fixture test fails on purpose), with the same exit status.
    const [vitestMerge, lvslabMerge] = merged.steps;
    const [vitestWhole, lvslabWhole] = whole.steps;
    expect(existsSync(join(merged.dir, 'reports/vitest.json')), context).toBe(true);
    const fromShards = vitestVerdicts(join(merged.dir, 'reports/vitest.json'), checkout);
    const unsharded = vitestVerdicts(join(whole.dir, 'reports/vitest.json'), checkout);
    expect(fromShards).toEqual(unsharded);
    expect(unsharded.tests).toEqual([
      'first/listing.fixture.ts > a skipped test: skipped',
      'first/listing.fixture.ts > ipvsadm -Ln lists the service: passed',
      'first/round-robin.fixture.ts > two requests through the VIP alternate: passed',
      'second/counts.fixture.ts > four requests split two and two: passed',
      'second/failing.fixture.ts > round robin never answers RS1 twice in a row (fails on purpose): failed',
    ]);
    expect([vitestMerge.exitCode, vitestWhole.exitCode]).toEqual([1, 1]);

    // lvslab: the merged run reports equal one run over both files, verdict and every check.
    const shardReports = shards.map((s, i) => JSON.parse(readFileSync(join(s.dir, `reports/run-${matrix[i].shard}.json`), 'utf8')) as RunReport);
    const mergedReport = JSON.parse(await readFile(join(merged.dir, 'reports/lvslab.json'), 'utf8')) as RunReport;
    const wholeReport = JSON.parse(await readFile(join(whole.dir, 'reports/run.json'), 'utf8')) as RunReport;
    for (const r of [...shardReports, wholeReport]) for (const id of labIdsOf(r)) labs.add(id);
    expect(verdicts(mergedReport)).toEqual(verdicts(wholeReport));
    expect(verdicts(wholeReport).verdict).toBe('failed');
    expect(mergedReport.scenarios.map((s) => s.name)).toEqual(['sharding first', 'sharding second']);
    expect([lvslabMerge.exitCode, lvslabWhole.exitCode]).toEqual([1, 1]);
    expect(lvslabMerge.output).toContain('FAIL sharding second');
    expect(readFileSync(join(merged.dir, 'reports/lvslab.xml'), 'utf8')).toContain('failures="1"');
    expect(readFileSync(join(merged.dir, 'reports/lvslab.html'), 'utf8')).toMatch(/^<!doctype html>/);

    // Every lab any runner built is gone.
    expect(labs.size).toBe(4 + 4 + 2 + 2);
    expect([...labs].flatMap((id) => namespacesOf(id))).toEqual([]);
  }, 900_000);
});
