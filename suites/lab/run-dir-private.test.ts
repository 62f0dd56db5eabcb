// A lab's run directory holds secrets (keepalived.conf with auth_pass, logs, received payloads): it is
// root's only — directories 0700, files 0600, set at creation whatever the umask — and a non-root user
// can neither read it nor list the labs.
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preset, runDirOf, runRoot, teardownLab } from '../../src/lab/index.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** Every entry under dir with its permission bits, relative paths. */
function modes(dir: string, rel = ''): Array<{ path: string; dir: boolean; mode: string }> {
  const out: Array<{ path: string; dir: boolean; mode: string }> = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = join(rel, e.name);
    if (e.isSocket()) continue; // a socket's mode is not what keeps it private (its directory is)
    out.push({ path, dir: e.isDirectory(), mode: (statSync(join(dir, path)).mode & 0o777).toString(8) });
    if (e.isDirectory()) out.push(...modes(dir, path));
  }
  return out;
}

describe('a lab run directory', () => {
  let dir: string;
  let id = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-private-'));
    const file = join(dir, 'lab.yaml');
    await writeFile(file, stringify(preset('article-single')));
    // umask 000: whatever the caller's umask, nothing may come out readable by others.
    const up = await execa('sh', ['-c', `umask 000; exec "${process.execPath}" "${cli}" up "${file}"`], { reject: false, timeout: 60_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    id = up.stdout.trim();
  });
  afterAll(async () => {
    if (id) await teardownLab(id);
    await rm(dir, { recursive: true, force: true });
  });

  it('is 0700 with 0600 files, payloads and logs included, under umask 000', async () => {
    // A datagram to RS1 leaves a payload file; the kept lab's agents (one process, its threads) log to logs/agents.log.
    const probe = await execa('sh', ['-c', `umask 000; exec "${process.execPath}" "${cli}" probe ${id} --from ds1 --udp --target 10.0.0.101 --count 1`], { reject: false, timeout: 60_000 });
    expect(probe.stderr).toBe('');
    const entries = modes(runDirOf(id));
    expect(entries.map((e) => e.path)).toEqual(expect.arrayContaining(['lab.json', 'pids.jsonl', 'agents.json', 'logs/agents.log', 'build/step0.err']));
    expect(entries.some((e) => /^hosts\/rs1\/udp-9999\/10\.0\.0\.103_\d+$/.test(e.path)), JSON.stringify(entries)).toBe(true);
    expect(entries.filter((e) => e.mode !== (e.dir ? '700' : '600'))).toEqual([]);
    expect((statSync(runDirOf(id)).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(runRoot()).mode & 0o777).toString(8)).toBe('700');
  });

  it('is unreadable to another user, and lvslab refuses such a user up front', async () => {
    for (const argv of [['cat', join(runDirOf(id), 'lab.json')], ['ls', runDirOf(id)], ['ls', runRoot()], ['cat', join(runDirOf(id), 'logs', 'agent-rs1.log')]]) {
      const r = await execa(asNobody[0], [...asNobody.slice(1), ...argv], { reject: false });
      expect([argv.join(' '), r.exitCode !== 0, r.stderr]).toEqual([argv.join(' '), true, expect.stringMatching(/Permission denied/)]);
    }
    for (const [cmd, args] of [['ls', []], ['up', ['article-single']], ['down', [id]], ['ipvsadm', [id, 'ds1', '-Ln']], ['gc', []]] as const) {
      const r = await execa(asNobody[0], [...asNobody.slice(1), process.execPath, cli, cmd, ...args], { reject: false });
      expect([cmd, r.exitCode, r.stdout]).toEqual([cmd, 2, '']);
      expect(r.stderr).toMatch(/lvslab needs root for /);
      expect(r.stderr).not.toMatch(/EACCES|at .*\.js:\d+/);
    }
  });
});
