// `lvslab run` without building anything: help, usage errors and scenario-file errors (exit 2).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../command.js';
import { EXIT_STATUS, runCommand } from './run.js';

describe('lvslab run', () => {
  let dir: string;
  let stderr: string[];
  let stdout: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-run-cli-'));
    stderr = [];
    stdout = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its help', async () => {
    expect(await runCommand.run(['--help'])).toBe(0);
    expect(stdout.join('')).toContain('usage: lvslab run <scenario.yaml | directory | article>');
    expect(stdout.join('')).toContain('--allow-skips');
    expect(stdout.join('')).toMatch(/3 incomplete: nothing failed but a\s+scenario was skipped/);
  });

  it('exits 0 only for a pass (or nothing run, when skips were allowed), 1 for a failure, 3 for a skip', () => {
    expect(EXIT_STATUS).toEqual({ passed: 0, skipped: 0, failed: 1, incomplete: 3 });
  });

  it('refuses bad usage with a UsageError (exit 2 from the dispatcher)', async () => {
    await expect(runCommand.run([])).rejects.toThrow(UsageError);
    await expect(runCommand.run(['article', '--backend', 'vm'])).rejects.toThrow(/--backend: 'vm' is not embedded, kernel or both/);
    await expect(runCommand.run(['article', '--bogus'])).rejects.toThrow(UsageError);
    await expect(runCommand.run([join(dir, 'missing.yaml')])).rejects.toThrow(/is not a scenario file/);
  });

  it('reports every bad scenario file, with paths, before building anything', async () => {
    await writeFile(join(dir, 'a.yaml'), 'name: a\nlab: article-single\nsteps:\n  - http: { target: x, count: 0 }\n');
    await writeFile(join(dir, 'b.yaml'), 'name: b\nlab: article-single\nbackend: vm\nsteps: [{ wait: 1 }]\n');
    expect(await runCommand.run([dir])).toBe(2);
    const err = stderr.join('');
    expect(err).toMatch(/a\.yaml: invalid scenario:\n  steps\[0\]\.http\.count: /);
    expect(err).toMatch(/b\.yaml: invalid scenario:\n  backend: expected embedded, kernel, both/);
  });

  it("finds a keepalived.conf's errors before building anything, naming the user's file and line", async () => {
    await writeFile(join(dir, 'ds1.conf'), 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n  priority 100\n}\n');
    await writeFile(join(dir, 'c.yaml'), 'name: c\nlab: article\ndirectors:\n  ds1: { keepalived: ds1.conf }\n  ds2: { keepalived: missing.conf }\nsteps: [{ wait: 1 }]\n');
    expect(await runCommand.run([join(dir, 'c.yaml')])).toBe(2);
    const err = stderr.join('');
    expect(err).toContain(`c.yaml: invalid scenario:\n  directors.ds1: ${join(dir, 'ds1.conf')} line 3: virtual_router_id: 300 is outside 1..255`);
    expect(err).toContain(`directors.ds2.keepalived: cannot read ${join(dir, 'missing.conf')} (ENOENT)`);
  });
});
