// For unit tests of `lvslab` subcommands: what a command printed, and a scratch directory, both fresh
// for each test of the describe block that calls these (vitest hooks registered at the call).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

export interface Printed {
  stdout: string[];
  stderr: string[];
  /** everything written to stdout so far, as one string */
  out(): string;
  /** everything written to stderr so far, as one string */
  err(): string;
}

export function capturePrinted(): Printed {
  const printed: Printed = { stdout: [], stderr: [], out: () => printed.stdout.join(''), err: () => printed.stderr.join('') };
  beforeEach(() => {
    printed.stdout.length = 0;
    printed.stderr.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.stdout.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (printed.stderr.push(String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return printed;
}

/** A directory made before each test and removed after it; `path()` is the current one. */
export function scratchDir(prefix: string): { path: () => string } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return { path: () => dir };
}
