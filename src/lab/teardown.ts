// Tearing a lab down and collecting labs whose owner died. Both work from the run directory alone,
// so any process (a later build, `lvslab gc`, `lvslab down`) can clean up after any other.
import { stat } from 'node:fs/promises';
import { NS_PREFIX } from './plan.js';
import { deleteNamespaces, listLabNamespaces } from './netns.js';
import { isAlive, pidsInNamespaces, terminate, type ProcessRef } from './procs.js';
import { DEFAULT_RUN_ROOT, KEPT_OWNER, listLabIds, readPids, readRecord, removeDeadStaging, removeRunDir, runDirOf, runRoot, type LabRecord } from './rundir.js';

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Kill the processes the lab started (checked by start time), then anything still running inside
 * its namespaces (only lab code runs there), delete the namespaces, remove the run directory.
 */
export async function teardownLab(labId: string, knownNamespaces: string[] = []): Promise<void> {
  const rec = await readRecord(labId);
  const namespaces = [...new Set([...(rec?.namespaces ?? []), ...knownNamespaces, ...(await namespacesOfId(labId))])];
  const refs: ProcessRef[] = (await readPids(labId)).map(({ pid, start }) => ({ pid, start }));
  await terminate(refs);
  const stragglers = (await pidsInNamespaces(namespaces)).map((pid) => ({ pid }));
  if (stragglers.length > 0) await terminate(stragglers, 500);
  await deleteNamespaces(namespaces);
  await removeRunDir(labId);
}

async function namespacesOfId(labId: string): Promise<string[]> {
  return (await listLabNamespaces()).map((n) => n.name).filter((n) => n.startsWith(`${NS_PREFIX}${labId}-`));
}

/**
 * building: its builder (the owner) is still making it; running: built, used by a live owner; kept:
 * built by `lvslab up`, stays until `lvslab down`; orphaned: its owner (builder or user) is gone.
 */
export type LabState = 'building' | 'running' | 'kept' | 'orphaned';

export async function labState(rec: LabRecord): Promise<LabState> {
  if (rec.owner.pid === KEPT_OWNER) return 'kept';
  if (!(await isAlive(rec.owner))) return 'orphaned';
  return rec.state === 'building' ? 'building' : 'running';
}

export interface GcOptions {
  /** also remove labs kept by `lvslab up` (owner 0) and labs whose owner (or builder) is alive */
  all?: boolean;
  /** never touch these lab ids (the caller's own) */
  except?: string[];
  /** namespaces with no run directory are removed once older than this (default 10 s) */
  orphanNamespaceAgeMs?: number;
}

export interface GcResult {
  removed: string[];
  namespaces: string[];
}

/**
 * Remove labs whose owner is dead — a killed test run, or a build killed halfway, whose lab is still
 * "building" — (and with `all`, every lab), plus stray `lvs-*` namespaces.
 */
export async function gc(opts: GcOptions = {}): Promise<GcResult> {
  const except = new Set(opts.except ?? []);
  const removed: string[] = [];
  await removeDeadStaging();
  const ids = await listLabIds();
  for (const id of ids) {
    if (except.has(id)) continue;
    const rec = await readRecord(id);
    // No readable record: either a build reserved the id this instant and is about to write it, or
    // a crash right after mkdir. Only a record-less directory that has aged is an orphan.
    if (!rec) {
      if (opts.all || ((await ageMs(runDirOf(id))) > 30_000 && (await namespacesOfId(id)).length === 0)) {
        await teardownLab(id);
        removed.push(id);
      }
      continue;
    }
    if (opts.all || (await labState(rec)) === 'orphaned') {
      await teardownLab(id);
      removed.push(id);
    }
  }
  // Namespaces whose lab has no run directory (a teardown killed midway). Only judged against the
  // real run root: with LVSLAB_RUN_DIR pointing elsewhere every real lab would look orphaned.
  if (runRoot() !== DEFAULT_RUN_ROOT && !opts.all) return { removed, namespaces: [] };
  const known = new Set(await listLabIds());
  const minAge = opts.orphanNamespaceAgeMs ?? 10_000;
  const stray: string[] = [];
  for (const ns of await listLabNamespaces()) {
    const id = ns.name.slice(NS_PREFIX.length).split('-')[0];
    if (known.has(id) || except.has(id)) continue;
    if (opts.all || Date.now() - ns.createdMs > minAge) stray.push(ns.name);
  }
  if (stray.length > 0) {
    const refs = (await pidsInNamespaces(stray)).map((pid) => ({ pid }));
    if (refs.length > 0) await terminate(refs, 500);
    await deleteNamespaces(stray);
  }
  return { removed, namespaces: stray };
}
