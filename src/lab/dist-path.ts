// Processes lvslab starts (host agents, director daemons and the modules a daemon loads) run the
// compiled JavaScript under dist/. The module that starts them may itself run from src/ as
// TypeScript (vitest, tsx): this maps a module of this package to its compiled file, and says
// which piece is not built when that file is missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is <root>/src/lab/dist-path.ts or <root>/dist/lab/dist-path.js. */
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The compiled file of a module of this package. `module` is its file URL (`import.meta.url` for
 * the caller itself, `new URL('./main.js', import.meta.url)` for a sibling) or path; a module under
 * src/ maps to dist/ (`.ts` -> `.js`), one under dist/ stays as it is. `what` names the piece in
 * the error thrown when the file does not exist ("lvslab director daemon not built: ... is missing").
 */
export function compiledPath(module: string | URL, what: string): string {
  const file = module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : path.resolve(module);
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${what}: ${file} is not a module of lvslab (${root})`);
  const [top, ...rest] = rel.split(path.sep);
  const dist = top === 'src' ? path.join(root, 'dist', ...rest).replace(/\.ts$/, '.js') : file;
  if (!existsSync(dist)) throw new Error(`lvslab ${what} not built: ${dist} is missing (run 'npm run build')`);
  return dist;
}
