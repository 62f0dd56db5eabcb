// Flakiness, measured: the vitest `suites` project run --runs times in a row while a bounded CPU hog
// (a child process spinning, which also ends itself after HOG_MAX_MS) keeps one core busy; prints
// the failures per test. The hog is killed at the end, also when a run fails or times out.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { taggedProcesses } from '../census.js';
import { kill } from '../soak-lab.js';
import type { Phase } from './phase.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUN_TIMEOUT_MS = 30 * 60_000;
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

interface JsonReport {
  testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string }>; status: string; message?: string }>;
}

export const suites: Phase = {
  name: 'suites',
  summary: 'the suites project --runs times under a one-core CPU hog; failures per test',
  async run(ctx) {
    const [name, value] = ctx.tag.split('=');
    const hogMaxMs = ctx.runs * RUN_TIMEOUT_MS + 60_000;
    // spins until killed, and never longer than every run's timeout together
    const hog = execa(process.execPath, ['-e', `const end = Date.now() + ${hogMaxMs}; while (Date.now() < end) {}`], { reject: false, env: { [name]: value } });
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-soak-suites-'));
    const failuresPerTest = new Map<string, number>();
    let failedRuns = 0;
    let done = 0;
    try {
      for (let i = 1; i <= ctx.runs; i++) {
        if (Date.now() > ctx.deadline) {
          ctx.log(`suites: time is up after ${done} runs`);
          break;
        }
        const started = Date.now();
        const out = join(dir, `run-${i}.json`);
        // its own process group, so a timeout SIGKILLs vitest and its workers together
        const child = execa(process.execPath, [VITEST, 'run', '--project', 'suites', '--reporter=json', `--outputFile=${out}`], { cwd: ROOT, reject: false, detached: true, env: { [name]: value } });
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // ended meanwhile
          }
        }, Math.min(RUN_TIMEOUT_MS, Math.max(60_000, ctx.deadline - Date.now())));
        const r = await child;
        clearTimeout(timer);
        // what a killed run started in groups of its own (nested vitest runs, director daemons): the
        // soak's tag finds it; the labs it leaves are orphaned and the soak's final gc removes them
        for (const p of taggedProcesses(ctx.tag)) {
          const pid = Number(p.split(' ')[0]);
          if (pid !== hog.pid) kill(pid);
        }
        done++;
        let report: JsonReport | undefined;
        try {
          report = JSON.parse(await readFile(out, 'utf8')) as JsonReport;
        } catch {
          // the run died before writing its report
        }
        const failed: string[] = [];
        for (const f of report?.testResults ?? []) {
          const file = f.name.replace(ROOT, '');
          const bad = f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${file} > ${a.fullName}`);
          if (bad.length === 0 && f.status === 'failed') bad.push(`${file} (${(f.message ?? 'failed').split('\n')[0]})`);
          failed.push(...bad);
        }
        if (!report) failed.push(`(run ${r.signal === 'SIGKILL' ? 'timed out' : `exit ${r.exitCode ?? r.signal}`} without a report)`);
        for (const t of failed) failuresPerTest.set(t, (failuresPerTest.get(t) ?? 0) + 1);
        if (failed.length || r.exitCode !== 0) failedRuns++;
        const tests = (report?.testResults ?? []).reduce((n, f) => n + f.assertionResults.length, 0);
        ctx.log(`suites: run ${i}/${ctx.runs}: ${tests} tests, ${failed.length} failed, exit ${r.exitCode ?? r.signal} (${((Date.now() - started) / 60_000).toFixed(1)} min)`);
      }
    } finally {
      hog.kill('SIGKILL');
      await hog;
      await rm(dir, { recursive: true, force: true });
    }
    ctx.log(`suites: ${done} runs under a one-core CPU hog, ${failedRuns} with failures`);
    for (const [t, n] of [...failuresPerTest].sort((a, b) => b[1] - a[1])) ctx.log(`suites:   ${n}/${done} ${t}`);
    return { cycles: done, leftovers: 0, failures: failedRuns };
  },
};
