// Build/kill/gc cycles: SIGKILL at a random (seeded) point of `lvslab up`, of `lvslab run`, or of a
// kept lab's agents process, then `lvslab gc`; after each cycle nothing of its labs may be left (namespaces,
// run directory) and no process the soak started may still run.
import { setTimeout as sleep } from 'node:timers/promises';
import { readPids, readRecord, type PidRecord } from '../../../src/lab/rundir.js';
import { kill, lvslab, newLab, runCycles, soakLabs, soakProcess, type SoakContext } from '../soak-lab.js';
import type { Phase } from './phase.js';

interface Outcome {
  /** what was killed when, and in which state its lab was */
  what: string;
  /** ids of the labs the cycle made */
  labs: string[];
}

const RECORD_WAIT_MS = 30_000;

/** Sleep up to ms, returning early once done() holds. */
async function sleepUnless(ms: number, done: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !done()) await sleep(Math.min(10, until - Date.now()));
}

function stateOf(r: { owner: { pid: number }; state?: string }): string {
  return r.owner.pid === 0 ? 'kept' : (r.state ?? 'built');
}

/** `lvslab up` SIGKILLed a random time after it started, or after its lab's record appeared. */
async function killUp(ctx: SoakContext): Promise<Outcome> {
  const known = new Set((await soakLabs(ctx)).map((r) => r.id));
  const child = lvslab(ctx, ['up', ctx.labFile]);
  let exited = false;
  void child.then(() => (exited = true));
  let when: string;
  if (ctx.random.next() < 0.3) {
    const ms = ctx.random.int(0, 1500);
    await sleepUnless(ms, () => exited);
    when = `${ms} ms after start`;
  } else {
    const rec = await newLab(ctx, known, () => exited, RECORD_WAIT_MS);
    const ms = ctx.random.int(0, 1000);
    await sleepUnless(ms, () => exited);
    when = rec ? `${ms} ms after its record` : 'before any record';
  }
  child.kill('SIGKILL');
  const r = await child;
  const labs = (await soakLabs(ctx)).filter((l) => !known.has(l.id));
  if (r.exitCode === 0) {
    await lvslab(ctx, ['down', r.stdout.trim()]);
    return { what: `up finished before the kill (${when}); down`, labs: labs.map((l) => l.id) };
  }
  // Killed after marking its lab kept (complete: agents and directors running) but before printing its
  // id: the lab is the user's now (`lvslab ls` lists it) and gc rightly keeps it; take it down as the
  // user would, and the census checks down removed everything.
  const kept = labs.filter((l) => stateOf(l) === 'kept');
  for (const l of kept) await lvslab(ctx, ['down', l.id]);
  return { what: `up killed ${when} (${labs.map(stateOf).join(',') || 'no lab yet'})${kept.length ? '; kept before the kill, down' : ''}`, labs: labs.map((l) => l.id) };
}

/** `lvslab run` (embedded director, HTTP and UDP through the VIP) SIGKILLed at a random point. */
async function killRun(ctx: SoakContext): Promise<Outcome> {
  const known = new Set((await soakLabs(ctx)).map((r) => r.id));
  const child = lvslab(ctx, ['run', ctx.scenarioFile, '--quiet']);
  let exited = false;
  void child.then(() => (exited = true));
  const rec = await newLab(ctx, known, () => exited, RECORD_WAIT_MS);
  const ms = ctx.random.int(0, 4000);
  await sleepUnless(ms, () => exited);
  const now = rec ? await readRecord(rec.id) : undefined;
  const pids = rec ? await readPids(rec.id) : [];
  child.kill('SIGKILL');
  const r = await child;
  const labs = [...(rec ? [rec.id] : []), ...(await soakLabs(ctx)).filter((l) => !known.has(l.id) && l.id !== rec?.id).map((l) => l.id)];
  if (r.exitCode !== undefined && r.signal === undefined) return { what: `run finished before the kill (exit ${r.exitCode})`, labs };
  return { what: `run killed ${ms} ms after its record (${now ? `${stateOf(now)}, ${pids.length} processes` : rec ? 'lab gone' : 'no lab yet'})`, labs };
}

/**
 * The agents process of a lab (`lvslab up` keeps one per lab: every host's agent is a thread of it),
 * alive and the soak's. During `lvslab run` the agents are threads of the run process itself, so
 * killing them there is killing the run (killRun).
 */
async function agentsOf(ctx: SoakContext, id: string): Promise<PidRecord[]> {
  return (await readPids(id)).filter((p) => /^agents?$/.test(p.name) && soakProcess(ctx, p.pid));
}

/**
 * The agents process of a kept lab SIGKILLed at a random point: while `lvslab up` still waits for
 * its listeners (up must fail and leave nothing, or gc must remove it), or after up returned (then
 * `lvslab down` must still remove everything).
 */
async function killAgent(ctx: SoakContext): Promise<Outcome> {
  const known = new Set((await soakLabs(ctx)).map((r) => r.id));
  if (ctx.random.next() < 0.5) {
    const up = await lvslab(ctx, ['up', ctx.labFile]);
    const id = up.stdout.trim();
    const labs = (await soakLabs(ctx)).filter((l) => !known.has(l.id)).map((l) => l.id);
    if (up.exitCode !== 0 || !id) return { what: `up failed (exit ${up.exitCode}): ${up.stderr.trim().split('\n').pop()}`, labs };
    await sleep(ctx.random.int(0, 500));
    const agents = await agentsOf(ctx, id);
    const victim = agents.length ? ctx.random.pick(agents) : undefined;
    if (victim) kill(victim.pid);
    const down = await lvslab(ctx, ['down', id]);
    return { what: `${victim ? 'agents process of a kept lab killed' : 'no agents process to kill'}; down exit ${down.exitCode}`, labs };
  }
  const child = lvslab(ctx, ['up', ctx.labFile]);
  let exited = false;
  void child.then(() => (exited = true));
  const rec = await newLab(ctx, known, () => exited, RECORD_WAIT_MS);
  let victim: PidRecord | undefined;
  let upEnded = false;
  if (rec) {
    const until = Date.now() + 15_000;
    let agents: PidRecord[] = [];
    while (!exited && Date.now() < until && (agents = await agentsOf(ctx, rec.id)).length === 0) await sleep(5);
    await sleepUnless(ctx.random.int(0, 50), () => exited);
    victim = agents.length ? ctx.random.pick(agents) : undefined;
    upEnded = exited;
    if (victim) kill(victim.pid);
  }
  const r = await child;
  if (r.exitCode === 0) await lvslab(ctx, ['down', r.stdout.trim()]);
  const labs = [...(await soakLabs(ctx)).filter((l) => !known.has(l.id)).map((l) => l.id), ...(rec ? [rec.id] : [])];
  const upSaid = r.exitCode === 0 ? 'up still succeeded; down' : `up exit ${r.exitCode ?? r.signal}`;
  return { what: `${victim ? `agents process killed while up ran (${upEnded ? 'after' : 'before'} up ended)` : 'up ended before its agents could be killed'}; ${upSaid}`, labs: [...new Set(labs)] };
}

const KINDS = { up: killUp, run: killRun, agent: killAgent } as const;

export const killCycles: Phase = {
  name: 'kill-cycles',
  summary: 'SIGKILL lvslab up, lvslab run or a kept lab\'s agents process at a random point, then gc; nothing may be left',
  run: (ctx, cycles) =>
    runCycles(ctx, 'kill-cycles', cycles, async () => {
      const kind = ctx.random.pick(Object.keys(KINDS) as Array<keyof typeof KINDS>);
      return { kind, ...(await KINDS[kind](ctx)) };
    }),
};
