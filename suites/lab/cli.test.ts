// The lab commands end to end: up / ls / exec / probe / down, and `script` producing a shell
// script that really builds the same lab.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { leftovers, lvslab, namespacesOf } from './helpers.js';
import { needs, probe } from '../../test/capabilities.js';

describe('lab CLI', needs(await probe.root()), () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const id of cleanup) await teardownLab(id).catch(() => undefined);
  });

  it('up keeps a lab with serving real servers; exec, probe, ls and down work on it', async () => {
    const up = await lvslab('up', 'article-single');
    expect(up.exitCode, up.stderr).toBe(0);
    const id = up.stdout.trim();
    cleanup.push(id);
    expect(id).toMatch(/^[a-z0-9]+$/);

    const ls = await lvslab('ls', '--json');
    expect(JSON.parse(ls.stdout)).toContainEqual(expect.objectContaining({ id, owner: 'kept', state: 'kept', hosts: 'client,ds1,rs1,rs2' }));

    expect((await lvslab('exec', id, 'client', '--', 'ip', 'route', 'add', '10.0.0.0/24', 'via', '192.168.1.112')).exitCode).toBe(0);
    const curl = await lvslab('exec', id.slice(0, 4), 'client', '--', 'curl', '-s', '--max-time', '5', 'http://10.0.0.102/');
    expect(curl.stdout).toBe('<html><body><h1>RS2</h1></body></html>'); // execa strips the final newline
    const failing = await lvslab('exec', id, 'client', '--', 'sh', '-c', 'exit 7');
    expect(failing.exitCode).toBe(7);

    const probe = await lvslab('probe', id, '--target', '10.0.0.101', '--count', '2', '--json');
    expect(probe.exitCode, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout).map((r: { server: string }) => r.server)).toEqual(['RS1', 'RS1']);

    const down = await lvslab('down', id);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(leftovers(id)).toEqual({ namespaces: [], processes: [], runDir: false });
  });

  it('script prints a shell script that builds and removes the same lab', async () => {
    const id = `cli${process.pid.toString(36)}`;
    const out = await lvslab('script', 'article-single', '--id', id);
    expect(out.exitCode, out.stderr).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-script-'));
    const file = join(dir, 'lab.sh');
    await writeFile(file, out.stdout);
    cleanup.push(id); // teardownLab also finds namespaces by id if the script fails midway
    try {
      await execa('sh', [file, 'up']);
      expect(namespacesOf(id).sort()).toEqual(['client', 'ds1', 'rs1', 'rs2', 'sw'].map((h) => `lvs-${id}-${h}`));
      // Through DS1 (forwarding on, as the script set it), once the client knows the way back.
      await execa('ip', ['-n', `lvs-${id}-client`, 'route', 'add', '10.0.0.0/24', 'via', '192.168.1.112']);
      const ping = await execa('ip', ['netns', 'exec', `lvs-${id}-rs1`, 'ping', '-c', '1', '-W', '2', '192.168.1.100'], { reject: false });
      expect(ping.stdout).toMatch(/1 received/);
      await execa('sh', [file, 'down']);
      expect(namespacesOf(id)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports user mistakes plainly', async () => {
    const r = await lvslab('exec', 'nosuchlab', 'client', '--', 'true');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^lvslab exec: no lab 'nosuchlab'/);
    const bad = await lvslab('script', 'nosuch');
    expect(bad.exitCode).toBe(2); // an input error, found before anything is built
    expect(bad.stderr).toContain("'nosuch' is neither a preset (article, article-single, dr, article-scale, article6, article6-single, article-dual) nor a description file");
    for (const cmd of ['up', 'down', 'ls', 'gc', 'exec', 'script', 'probe']) {
      const help = await lvslab(cmd, '--help');
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: lvslab ${cmd}`));
    }
  });
});
