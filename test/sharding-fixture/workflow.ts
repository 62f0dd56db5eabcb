// A local stand-in for GitHub Actions, just enough to run the jobs of docs/examples/sharded-ci.yml on
// one machine (suites/api/sharding.test.ts): each job runs in its own "runner" directory, a checkout of
// ./project; `run:` steps go through sh, as root, with the matrix and strategy expressions filled in;
// artifacts are directories copied out of one runner and into another, as upload-artifact and
// download-artifact (merge-multiple) do, hidden files left out unless asked for. A step, action,
// condition or expression this does not know is an error: the workflow cannot grow a step the suite
// silently passes over.
//
// GitHub's runners all check out to the same path, and vitest's merge depends on it: a blob names
// each test file by absolute path, and --merge-reports identifies it by its path relative to its own
// root (a file from another directory is replayed but missing from the summary, which then says "No
// test files found" and fails). So each job's commands run in their own mount namespace in which the
// runner's directory is bind-mounted at one shared path. Only that bind is private to the job:
// /run/netns keeps its propagation, so the labs' namespaces are everyone's to see and remove.
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export interface Step {
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}

export interface Job {
  needs?: string | string[];
  if?: string;
  strategy?: { 'fail-fast'?: boolean; matrix?: { include?: Record<string, string | number>[] } };
  steps: Step[];
}

export interface Workflow {
  jobs: Record<string, Job>;
}

/** What a runner checks out: the fixture project. */
export const fixtureProject = fileURLToPath(new URL('./project/', import.meta.url));

/** Steps that prepare a fresh runner (kernel module, packages, install, build): done once on this machine. */
export const PREPARATION = ['sudo modprobe ip_vs', 'sudo scripts/setup', 'npm ci && npm run build'];

/** The one condition the workflow uses: run also after a failed step (not after a cancel, which never happens here). */
const NOT_CANCELLED = '${{ !cancelled() }}';

export interface Tools {
  /** replaces `npx vitest`; `npm test` is `vitest run` (package.json's test script) */
  vitest: string;
  /** replaces `npx lvslab` */
  lvslab: string;
}

export interface JobContext {
  matrix: Record<string, string | number>;
  jobTotal: number;
}

/** A `run:` line as this machine runs it: expressions filled in, sudo dropped (the suite is root), npm/npx made local. */
export function localCommand(run: string, ctx: JobContext, tools: Tools): string {
  return expand(run, ctx)
    .replace(/\bsudo\s+/g, '')
    .replace(/\bnpm test(?: --(?=\s|$))?/g, `${tools.vitest} run`)
    .replace(/\bnpx vitest\b/g, tools.vitest)
    .replace(/\bnpx lvslab\b/g, tools.lvslab);
}

function expand(text: string, ctx: JobContext): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (whole, expr: string) => {
    const key = /^matrix\.([\w-]+)$/.exec(expr)?.[1];
    if (key !== undefined && key in ctx.matrix) return String(ctx.matrix[key]);
    if (expr === 'strategy.job-total') return String(ctx.jobTotal);
    throw new Error(`workflow: no value for ${whole} (in '${text}')`);
  });
}

export interface StepRun {
  command: string;
  exitCode: number;
  timedOut: boolean;
  output: string;
}

export interface JobRun {
  dir: string;
  steps: StepRun[];
  ok: boolean;
  startedAt: number;
  endedAt: number;
}

export interface RunnerOptions {
  /** the runner's own directory, filled by the checkout step */
  dir: string;
  /** the path every runner sees its directory at (an empty directory: the bind mounts go on it) */
  checkout: string;
  ctx: JobContext;
  tools: Tools;
  /** where uploaded artifacts are kept, one directory per artifact name */
  artifacts: string;
  env: Record<string, string>;
  /** bound on each `run:` step */
  timeoutMs: number;
}

function withParam(step: Step, key: string): unknown {
  return step.with?.[key];
}

async function upload(step: Step, o: RunnerOptions): Promise<void> {
  const name = expand(String(withParam(step, 'name')), o.ctx);
  const hidden = withParam(step, 'include-hidden-files') === true;
  const paths = String(withParam(step, 'path')).split('\n').map((p) => expand(p.trim(), o.ctx)).filter(Boolean);
  for (const p of paths) {
    const from = join(o.dir, p);
    if (!(await stat(from).catch(() => undefined))) continue; // upload-artifact warns and goes on
    // upload-artifact@v4 leaves out files and directories whose names start with a dot unless asked.
    const visible = (src: string) => hidden || !relative(o.dir, src).split('/').some((seg) => seg.startsWith('.'));
    await cp(from, join(o.artifacts, name, p), { recursive: true, filter: visible });
  }
}

async function download(step: Step, o: RunnerOptions): Promise<void> {
  if (withParam(step, 'merge-multiple') !== true) throw new Error('workflow: download-artifact without merge-multiple: true is not imitated');
  const pattern = String(withParam(step, 'pattern'));
  const matches = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const into = join(o.dir, String(withParam(step, 'path') ?? '.'));
  for (const name of (await readdir(o.artifacts).catch(() => [])).filter((n) => matches.test(n)).sort()) {
    await cp(join(o.artifacts, name), into, { recursive: true });
  }
}

async function action(step: Step, o: RunnerOptions): Promise<void> {
  const uses = step.uses ?? '';
  if (uses === 'actions/checkout@v4') await cp(fixtureProject, o.dir, { recursive: true });
  else if (uses === 'actions/setup-node@v4') return; // this machine's Node
  else if (uses === 'actions/upload-artifact@v4') await upload(step, o);
  else if (uses === 'actions/download-artifact@v4') await download(step, o);
  else throw new Error(`workflow: action ${uses} is not imitated`);
}

// $1 the shared path, $2 the runner's directory, $3 the command. --make-private on the mount holding
// the shared path (in this namespace only) keeps the bind from propagating to the host.
const IN_CHECKOUT = 'mount --make-private "$(findmnt -n -o TARGET --target "$1")" && mount --bind "$2" "$1" && cd "$1" && exec sh -c "$3"';

/** One `run:` step in the runner's checkout, bounded in time: past it, its whole process group is killed. */
async function inCheckout(command: string, o: RunnerOptions): Promise<Omit<StepRun, 'command'>> {
  const child = execa('unshare', ['--mount', '--propagation', 'unchanged', 'sh', '-c', IN_CHECKOUT, 'sh', o.checkout, o.dir, command], {
    cwd: o.dir,
    env: o.env,
    extendEnv: false,
    reject: false,
    all: true,
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, o.timeoutMs);
  const r = await child.finally(() => clearTimeout(timer));
  return { exitCode: r.exitCode ?? -1, timedOut, output: r.all ?? '' };
}

/** Whether a step (or job) with this `if:` runs, given whether everything before it succeeded. */
function runs(condition: string | undefined, ok: boolean): boolean {
  if (condition === undefined) return ok;
  if (condition === NOT_CANCELLED) return true;
  throw new Error(`workflow: condition '${condition}' is not imitated`);
}

/** Run one job's steps in order, as a runner does: a failed step skips the later ones without a condition. */
export async function runJob(job: Job, o: RunnerOptions): Promise<JobRun> {
  await mkdir(o.dir, { recursive: true });
  const run: JobRun = { dir: o.dir, steps: [], ok: true, startedAt: Date.now(), endedAt: 0 };
  for (const step of job.steps) {
    if (!runs(step.if, run.ok)) continue;
    if (step.uses !== undefined) {
      await action(step, o);
      continue;
    }
    const line = String(step.run);
    if (PREPARATION.includes(line)) continue;
    const command = localCommand(line, o.ctx, o.tools);
    const r = await inCheckout(command, o);
    run.steps.push({ command, ...r });
    if (r.exitCode !== 0) run.ok = false;
  }
  run.endedAt = Date.now();
  return run;
}

/** The job-level condition, for a job that needs others (`merge` runs after failed shards too). */
export function jobRuns(job: Job, neededOk: boolean): boolean {
  return runs(job.if, neededOk);
}

/** This process's environment without what would change how the jobs' commands behave (CI, an outer vitest, colours). */
export function runnerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(CI|TEST|GITHUB_.*|VITEST.*|LVSLAB_ARTIFACTS|FORCE_COLOR)$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1' };
}
