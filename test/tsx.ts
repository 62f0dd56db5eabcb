// Test machinery is TypeScript that is never compiled into dist: a process that runs it (the kernel
// pass inside the VM, bench loads in lab namespaces, a daemon loading a fixture core) loads tsx.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** tsx's ESM loader, as an absolute URL so it resolves from any working directory (or namespace). */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** argv that runs Node with TypeScript support: `[node, --import, tsx, ...args]`. */
export function nodeWithTsx(...args: string[]): string[] {
  return [process.execPath, '--import', TSX_LOADER, ...args];
}
