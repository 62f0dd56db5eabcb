// Opening a backend on a built lab. The implementations live with their owners
// (src/lb/director/backend.ts, src/lb/kernel/backend.ts) and are loaded on demand, so the library
// API loads without the parts a run does not use.
import type { BackendName, BackendSession } from '../lb/backend.js';
import type { Lab } from '../lab/index.js';

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`the ${backend} backend is unavailable: ${reason}`);
  }
}

type Opener = (lab: Lab) => Promise<BackendSession> | BackendSession;

const MODULES: Record<BackendName, { path: string; exports: string[] }> = {
  embedded: { path: '../lb/director/backend.js', exports: ['openEmbeddedBackend'] },
  kernel: { path: '../lb/kernel/backend.js', exports: ['openKernelBackend'] },
};

async function opener(backend: BackendName): Promise<Opener> {
  const m = MODULES[backend];
  if (!m) throw new TypeError(`unknown backend '${String(backend)}' (embedded or kernel)`);
  let mod: Record<string, unknown>;
  try {
    // A variable specifier: the module is optional at build time and loaded only when asked for.
    const path: string = m.path;
    mod = (await import(path)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('backend')) {
      throw new BackendUnavailableError(backend, 'not built into this lvslab');
    }
    throw err;
  }
  for (const name of m.exports) {
    if (typeof mod[name] === 'function') return mod[name] as Opener;
  }
  throw new BackendUnavailableError(backend, `its module exports none of ${m.exports.join(', ')}`);
}

/** Open a session of `backend` on `lab`. Throws BackendUnavailableError (with the reason) where it cannot run. */
export async function openBackend(backend: BackendName, lab: Lab): Promise<BackendSession> {
  const open = await opener(backend);
  try {
    return await open(lab);
  } catch (err) {
    // An opener only checks what the backend needs here (IPVS in this kernel, ...): its refusal is the reason.
    throw new BackendUnavailableError(backend, (err as Error).message.replace(new RegExp(`^${backend} backend: `), ''));
  }
}
