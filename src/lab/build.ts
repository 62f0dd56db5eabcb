// Building a lab: gc first (labs whose owner died), reserve an id and its run directory, run the
// plan's iproute2 batches, start the agents. On any failure everything built so far is removed.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { prestartAgentThreads } from './agent/client.js';
import { Lab } from './lab.js';
import { resolveTopology, type LabSource } from './load.js';
import { runStages } from './netns.js';
import { planBuild, type BuildPlan } from './plan.js';
import { selfRef } from './procs.js';
import { LabIdTakenError, createRunDir, markBuilt, runDirOf } from './rundir.js';
import { gc, teardownLab } from './teardown.js';

export interface BuildOptions {
  /** start every host's agent before returning (default true); else they start on first use */
  agents?: boolean;
  /** 'self' (default): this process owns the lab, gc removes it once this process is gone.
   *  'kept': once built, the lab stays until `lvslab down` (what `lvslab up` does). Either way the
   *  lab is "building", owned by this process, until it is complete. */
  owner?: 'self' | 'kept';
  /** the last part of the build (e.g. standalone services), done before the lab counts as built */
  complete?: (lab: Lab) => Promise<void>;
  /** run gc before building (default true) */
  gc?: boolean;
  /** a name for the lab's record (default: the preset/file name or the description's name) */
  source?: string;
}

export class LabPermissionError extends Error {
  override name = 'LabPermissionError';
}

/** Lab ids: short (they are in every namespace name), no '-' (it separates id from host). */
function newId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(6);
  return 'l' + [...bytes.subarray(0, 5)].map((b) => alphabet[b % alphabet.length]).join('');
}

export async function buildLab(source: LabSource, opts: BuildOptions = {}): Promise<Lab> {
  const topology = await resolveTopology(source);
  if (process.getuid?.() !== 0) throw new LabPermissionError('building a lab needs root (network namespaces)');
  // The agent threads boot (once per process) while the namespaces are built.
  if (opts.agents ?? true) prestartAgentThreads();
  if (opts.gc ?? true) {
    await gc().catch((err: Error) => process.emitWarning(`lvslab gc before build: ${err.message}`));
  }
  const name = opts.source ?? (typeof source === 'string' ? source : topology.name);
  const owner = await selfRef();
  // "building", owned by this process, until complete — whatever it is to become — so a build killed
  // at any point leaves a lab gc removes. createRunDir reserves the id atomically; a taken one is redrawn.
  let plan: BuildPlan;
  for (;;) {
    plan = planBuild(topology, newId());
    try {
      await createRunDir({ id: plan.labId, source: name, owner, state: 'building', createdAt: new Date().toISOString(), namespaces: plan.namespaces, topology });
      break;
    } catch (err) {
      if (!(err instanceof LabIdTakenError)) throw err;
    }
  }
  const id = plan.labId;
  const lab = new Lab(id, topology);
  try {
    await runStages(plan.stages, join(runDirOf(id), 'build'));
    if (opts.agents ?? true) await lab.startAgents();
    await opts.complete?.(lab);
    await markBuilt(id, opts.owner === 'kept');
  } catch (err) {
    await lab.teardown().catch(() => teardownLab(id, plan.namespaces));
    throw err;
  }
  return lab;
}
