// The whole kernel pass, run once per vitest run and shared by every suites/kernel file: one VM boot
// (and one node start inside it) costs tens of seconds under emulation, so the files do not each
// boot their own. vitest runs files in worker processes of one main process; its pid (plus its start
// time, so a reused pid never matches) keys the shared result.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidExists, processStart } from '../../../src/lab/procs.js';
import { kernelVmDir } from '../../../src/lab/vm/kernel-cache.js';
import { formatTraces, schedulerTraces } from '../recorder/cases.js';
import { kernelRuleTraces } from '../recorder/cases-kernel.js';
import { runKernelScenarios, type KernelRun, type KernelRunOptions } from './run.js';

/**
 * Recorded traces replayed live by the differential suite: every scheduler trace (lblcr included:
 * the replay waits for each close to reach its state on the director, so its choices no longer
 * hang on emulation timing), the kernel rules (thresholds under the schedulers whose choices they
 * change most, expiry, templates, one-packet, RST, sh/mh flags, -E/-D/-C) and every listing format,
 * --stats and --rate included, and two IPv6 traces (NAT with rr/wrr; persistence with an IPv6
 * prefix, -Lnc): the replay lab then carries IPv6 too. LVSLAB_DIFF_TRACES=a,b overrides.
 */
export function liveTraces(): string[] {
  const env = process.env.LVSLAB_DIFF_TRACES;
  if (env !== undefined) return env.split(',').filter((n) => n !== '');
  const rules = kernelRuleTraces()
    .map((t) => t.name)
    .filter((n) => !n.startsWith('thresholds-') || LIVE_THRESHOLDS.has(n));
  return [...schedulerTraces().map((t) => t.name), ...rules, ...formatTraces().map((t) => t.name), ...LIVE_IPV6];
}

/** The IPv6 traces replayed live (all are recorded and replayed against the core by the unit tests). */
const LIVE_IPV6 = ['ipv6-rr-wrr', 'ipv6-persistence'];

/** The threshold traces replayed live (all are recorded and replayed against the core by the unit tests). */
const LIVE_THRESHOLDS = new Set(['thresholds-wlc', 'thresholds-rr', 'thresholds-sh-fallback', 'thresholds-lblcr', 'thresholds-persistent']);

/**
 * The two-director keepalived scenarios — the failover (~35 s in the VM) and keepalived's crash with
 * the links up (the split brain) — are in unless LVSLAB_KERNEL_FAILOVER=0.
 */
export function failoverEnabled(): boolean {
  return process.env.LVSLAB_KERNEL_FAILOVER !== '0';
}

/**
 * The bound for the whole pass (VM boot, the article and keepalived scenarios, the live replays), and
 * for the suite hooks that wait for it: a fixed part plus each live trace's share, as measured under
 * emulation on a loaded 2-core machine (docs/kernel.md). The fixed part: 360 s for the boot and the
 * article, health-check, failover and quorum scenarios, and 180 s for the keepalived crash (its two
 * keepalived starts and ~25 looks at the lab took 160 s at load ~17).
 */
export const KERNEL_PASS_BASE_MS = 540_000;
export const KERNEL_PASS_PER_TRACE_MS = 75_000;
export function kernelPassTimeoutMs(): number {
  return KERNEL_PASS_BASE_MS + liveTraces().length * KERNEL_PASS_PER_TRACE_MS;
}
/** what a suite's beforeAll waits for the pass: its bound plus the time to read the result back */
export function kernelPassHookMs(): number {
  return kernelPassTimeoutMs() + 120_000;
}

export function kernelPassScenarios(): string[] {
  const failover = failoverEnabled() ? ['keepalived-failover', 'keepalived-crash'] : [];
  return ['article', 'keepalived-health', ...failover, 'keepalived-quorum', `replay:${liveTraces().join(',')}`];
}

/** Where the pass of the vitest run whose main process is `mainPid` keeps its result and its lock. */
async function passFiles(mainPid: number): Promise<{ result: string; lock: string }> {
  const dir = join(kernelVmDir(), 'runs');
  mkdirSync(dir, { recursive: true });
  // old results of finished runs
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (Date.now() - statSync(p).mtimeMs > 6 * 3600_000) rmSync(p, { recursive: true, force: true });
  }
  // the scenario list goes in hashed: file names stop at 255 bytes
  const scenarios = createHash('sha256').update(kernelPassScenarios().join('\n')).digest('hex').slice(0, 16);
  const key = `${mainPid}-${(await processStart(mainPid)) ?? 0}-${scenarios}`;
  return { result: join(dir, `${key}.json`), lock: join(dir, `${key}.lock`) };
}

/** Runs the pass holding `lock` (already taken by this process) and leaves the result at `result`. */
async function runPassLocked(files: { result: string; lock: string }, options: KernelRunOptions): Promise<KernelRun> {
  writeFileSync(join(files.lock, 'pid'), String(process.pid));
  try {
    const run = await runKernelScenarios(kernelPassScenarios(), { timeoutMs: kernelPassTimeoutMs(), ...options });
    writeFileSync(files.result, JSON.stringify(run));
    return run;
  } finally {
    rmSync(files.lock, { recursive: true, force: true });
  }
}

/** Results of the kernel pass: the first caller of this vitest run runs it, the others wait for it. */
export async function kernelPass(options: KernelRunOptions = {}): Promise<KernelRun> {
  const files = await passFiles(process.ppid);
  const { result, lock } = files;
  const deadline = Date.now() + (options.timeoutMs ?? kernelPassTimeoutMs()) + 60_000;
  for (;;) {
    if (existsSync(result)) return JSON.parse(readFileSync(result, 'utf8')) as KernelRun;
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // another file's worker (or the run's global setup) runs the pass; take over only if it died without a result
      const owner = Number(readFileSafe(join(lock, 'pid')));
      if (owner > 0 && !pidExists(owner)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) return { mode: 'skip', reason: `waited for the kernel pass of another suite file until the deadline (${lock})` };
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    return runPassLocked(files, options);
  }
}

/**
 * Starts the pass from vitest's main process (a global setup), so that it runs while the projects
 * before the kernel one do; the kernel files' kernelPass() then finds it running (the lock holds
 * this process's pid, which lives until the run ends) and waits for its result. Resolves `done`
 * when the pass has finished (never rejects: a failure is the result the files report).
 */
export async function startKernelPassInBackground(): Promise<{ done: Promise<void> }> {
  const files = await passFiles(process.pid);
  try {
    mkdirSync(files.lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { done: Promise.resolve() };
    throw err;
  }
  const done = runPassLocked(files, {}).then(
    () => undefined,
    (err: unknown) => {
      // the files then find no result and no live owner: they run the pass themselves
      process.stderr.write(`kernel pass (background): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    },
  );
  return { done };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
