// Shared by the lab commands (up, down, ls, gc, exec, script, probe): finding a lab from what the
// user typed, with the errors a user can act on.
import { UsageError } from '../command.js';
import type { Lab } from '../../lab/lab.js';
import { listLabIds, resolveLabId } from '../../lab/rundir.js';

export async function labIdFrom(typed: string | undefined): Promise<string> {
  if (!typed) throw new UsageError('needs a lab id (see `lvslab ls`)');
  const id = await resolveLabId(typed);
  if (id) return id;
  const ids = await listLabIds();
  const matching = ids.filter((i) => i.startsWith(typed));
  if (matching.length > 1) throw new UsageError(`'${typed}' matches several labs: ${matching.join(', ')}`);
  throw new UsageError(`no lab '${typed}'${ids.length > 0 ? ` (labs: ${ids.join(', ')})` : ' (no labs are running)'}`);
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root (network namespaces)`);
}

/** A host of the lab from what the user typed; an unknown one is a usage error naming the hosts. */
export function hostFrom(lab: Lab, typed: string | undefined): string {
  const names = lab.hosts.map((h) => h.name);
  if (!typed) throw new UsageError(`needs a host (lab ${lab.id} has ${names.join(', ')})`);
  if (!names.includes(typed)) throw new UsageError(`lab ${lab.id} has no host '${typed}' (hosts: ${names.join(', ')})`);
  return typed;
}
