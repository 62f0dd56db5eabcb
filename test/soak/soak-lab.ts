// What a soak phase works with: the lvslab command run with the soak's tag in its environment (so
// every process it starts, however deep, is known to be the soak's), the soak's own lab file and
// scenario (so its labs are told from anyone else's by their record), and what each lab left behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { listLabIds, readRecord, runDirOf, type LabRecord } from '../../src/lab/rundir.js';
import { teardownLab } from '../../src/lab/teardown.js';
import type { PhaseResult } from './phases/phase.js';
import { taggedProcesses } from './census.js';
import type { Random } from './random.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface SoakContext {
  /** NAME=VALUE put in the environment of everything the soak starts */
  tag: string;
  /** the lab description every soak lab is built from (its path is the labs' recorded source) */
  labFile: string;
  /** a scenario on that lab (embedded director, HTTP and UDP through the VIP) */
  scenarioFile: string;
  random: Random;
  /** ids of every lab the soak built */
  ours: Set<string>;
  /** epoch ms by which the whole soak stops */
  deadline: number;
  /** longest a cycle may take before whatever it runs is SIGKILLed */
  cycleTimeoutMs: number;
  /** the phases' own sizes: fuzz packets, traffic minutes, suite runs */
  packets: number;
  minutes: number;
  runs: number;
  log(line: string): void;
}

/** `lvslab ARGS` with the soak's tag; never rejects; SIGKILLed after timeoutMs. */
export function lvslab(ctx: SoakContext, args: string[], timeoutMs = ctx.cycleTimeoutMs): ResultPromise<{ reject: false; timeout: number; killSignal: 'SIGKILL'; env: Record<string, string> }> {
  const [name, value] = ctx.tag.split('=');
  return execa(process.execPath, [CLI, ...args], { reject: false, timeout: timeoutMs, killSignal: 'SIGKILL', env: { [name]: value } });
}

/** The soak's labs now (their records name the soak's lab file); each id joins ctx.ours. */
export async function soakLabs(ctx: SoakContext): Promise<LabRecord[]> {
  const out: LabRecord[] = [];
  for (const id of await listLabIds()) {
    const rec = await readRecord(id);
    if (rec?.source !== ctx.labFile) continue;
    ctx.ours.add(id);
    out.push(rec);
  }
  return out;
}

/** Wait until a soak lab not in `known` has a record (or `child` ended, or timeoutMs passed). */
export async function newLab(ctx: SoakContext, known: Set<string>, exited: () => boolean, timeoutMs: number): Promise<LabRecord | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !exited()) {
    const fresh = (await soakLabs(ctx)).find((r) => !known.has(r.id));
    if (fresh) return fresh;
    await sleep(5);
  }
  return (await soakLabs(ctx)).find((r) => !known.has(r.id));
}

export interface Leftovers {
  namespaces: string[];
  runDir: boolean;
  /** processes carrying the soak's tag: once a cycle's commands have ended there must be none */
  processes: string[];
}

export function leftoversOf(ctx: SoakContext, ids: Iterable<string>): Leftovers {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    // no namespaces at all
  }
  const idList = [...ids];
  return {
    namespaces: names.filter((n) => idList.some((id) => n.startsWith(`lvs-${id}-`))),
    runDir: idList.some((id) => existsSync(runDirOf(id))),
    processes: taggedProcesses(ctx.tag),
  };
}

export function isClean(l: Leftovers): boolean {
  return l.namespaces.length === 0 && !l.runDir && l.processes.length === 0;
}

export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Whether pid is alive and was started by the soak (its environment holds the tag). */
export function soakProcess(ctx: SoakContext, pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(ctx.tag);
  } catch {
    return false;
  }
}

/**
 * Run up to `cycles` cycles of a phase (until the soak's deadline): each does its abuse (`next`, which
 * says what it did and which labs it made), then `lvslab gc`; then nothing of those labs and no soak
 * process may be left. What is left is counted once and cleaned up by hand.
 */
export async function runCycles(ctx: SoakContext, phase: string, cycles: number, next: () => Promise<{ kind: string; what: string; labs: string[] }>): Promise<PhaseResult> {
  let leftovers = 0;
  let done = 0;
  const width = String(cycles).length;
  for (let i = 1; i <= cycles; i++) {
    if (Date.now() > ctx.deadline) {
      ctx.log(`${phase}: time is up after ${done} cycles`);
      break;
    }
    const started = Date.now();
    const outcome = await next();
    const gc = await lvslab(ctx, ['gc']);
    await sleep(300); // anything a killed builder left running has time to show itself
    const left = leftoversOf(ctx, outcome.labs);
    done++;
    const verdict = isClean(left) && gc.exitCode === 0 ? 'clean' : `LEFT ${JSON.stringify({ ...left, gc: gc.exitCode === 0 ? 'ok' : gc.stderr.trim() })}`;
    ctx.log(`cycle ${String(i).padStart(width)}/${cycles} ${outcome.kind.padEnd(5)} ${outcome.what} -> ${verdict} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (verdict !== 'clean') {
      leftovers += left.namespaces.length + Number(left.runDir) + left.processes.length + Number(gc.exitCode !== 0);
      for (const p of left.processes) {
        const pid = Number(p.split(' ')[0]);
        if (soakProcess(ctx, pid)) kill(pid);
      }
      for (const id of outcome.labs) await teardownLab(id).catch(() => undefined);
    }
  }
  return { cycles: done, leftovers };
}
