// Shared by the lab commands (up, down, ls, gc, exec, script, probe): finding a lab from what the
// user typed, with the errors a user can act on.
import { UsageError } from '../command.js';
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
