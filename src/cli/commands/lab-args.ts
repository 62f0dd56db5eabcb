// Shared by the lab commands (up, down, ls, gc, exec, script, probe, ipvsadm, fault, logs): finding
// a lab and a host from what the user typed, and refusing a non-root user up front, with the errors
// a user can act on.
import { InputError, UsageError } from '../command.js';
import type { Lab } from '../../lab/lab.js';
import { listLabIds, resolveLabId } from '../../lab/rundir.js';

/** The lab a user means: its full id or a unique prefix of one. */
export async function labIdFrom(typed: string | undefined): Promise<string> {
  if (!typed) throw new UsageError('needs a lab id (see `lvslab ls`)');
  // Labs' run directories are root's only: to anyone else there seem to be no labs at all.
  requireRoot(`lab '${typed}'`, "labs' run directories are root's only");
  const id = await resolveLabId(typed);
  if (id) return id;
  const ids = await listLabIds();
  const matching = ids.filter((i) => i.startsWith(typed));
  if (matching.length > 1) throw new UsageError(`'${typed}' matches several labs: ${matching.join(', ')}`);
  throw new UsageError(`no lab '${typed}'${ids.length > 0 ? ` (labs: ${ids.join(', ')})` : ' (no labs are running)'}`);
}

/**
 * Refuse at once, before anything is attempted, when not root: a lab's namespaces, processes and run
 * directory (0700) are root's. `what` names the command ('up' or 'lvslab up'), `why` what it touches.
 */
export function requireRoot(what: string, why = 'network namespaces'): void {
  if (process.getuid?.() !== 0) throw new InputError(`lvslab needs root for ${what.replace(/^lvslab /, '')} (${why}); try sudo`);
}

/** A host of the lab from what the user typed; an unknown one is a usage error naming the hosts. */
export function hostFrom(lab: Lab, typed: string | undefined): string {
  const names = lab.hosts.map((h) => h.name);
  if (!typed) throw new UsageError(`needs a host (lab ${lab.id} has ${names.join(', ')})`);
  if (!names.includes(typed)) throw new UsageError(`lab ${lab.id} has no host '${typed}' (hosts: ${names.join(', ')})`);
  return typed;
}
