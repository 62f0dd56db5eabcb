// A kept lab's directors from the command line: `up` with an ipvsadm file (and the kernel backend
// where the host has IPVS, or its refusal where it has not), the faults on a director (stop, start,
// restart, link-down/up, partition) and their errors, `logs --follow`, `down --keep-logs`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { hostHasIpvs } from '../../src/lb/kernel/capability.js';
import { needs, probe } from '../../test/capabilities.js';
import { leftovers, lvslab, namespacesOf } from './helpers.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const ARTICLE_TCP = ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1'];

const servers = (out: string) => [...out.matchAll(/^\s+\d+\s+(RS\d)\s/gm)].map((m) => m[1]);

describe('kept lab directors from the command line (article-single)', needs(await probe.root(), probe.built('dist/cli/main.js')), () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-cli-director-'));
  const ipvsadmFile = join(dir, 'ds1.ipvsadm');
  writeFileSync(ipvsadmFile, `# the article's TCP service\n${ARTICLE_TCP.map((l) => `ipvsadm ${l}`).join('\n')}\n`);
  let lab = '';
  beforeAll(async () => {
    const up = await lvslab('up', 'article-single', '--ipvsadm', `ds1=${ipvsadmFile}`);
    expect(up.exitCode, up.stderr).toBe(0);
    lab = up.stdout.trim();
    expect(up.stderr).toMatch(/^ {2}ds1: director daemon \(pid \d+\)$/m);
  });
  afterAll(async () => {
    if (lab) await teardownLab(lab).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('up configures the director from the ipvsadm file: the VIP answers at once', async () => {
    const p = await lvslab('probe', lab, '--count', '2');
    expect(p.exitCode, p.stderr).toBe(0);
    expect(servers(p.stdout).sort()).toEqual(['RS1', 'RS2']);
  });

  it('refuses faults that do not apply, naming the problem', async () => {
    const client = await lvslab('fault', lab, 'client', 'kill');
    expect([client.exitCode, client.stderr.trim()]).toEqual([1, "lvslab fault: host 'client' is a client, not a director ('kill' applies to directors)"]);
    const unknown = await lvslab('fault', lab, 'ds9', 'kill');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(`lab ${lab} has no host 'ds9' (hosts: client, ds1, rs1, rs2)`);
    const running = await lvslab('fault', lab, 'ds1', 'start');
    expect(running.exitCode).toBe(1);
    expect(running.stderr).toMatch(/the director daemon on ds1 is already running \(pid \d+\)/);
  });

  it('stop is graceful (its rules go), start brings the director back with its configuration, restart too', async () => {
    const stop = await lvslab('fault', lab, 'ds1', 'stop');
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/^stopped the director daemon on ds1 \(pid \d+\)/);
    const rules = await lvslab('exec', lab, 'ds1', '--', 'iptables-save');
    expect(rules.stdout).not.toContain('LVSLAB');
    const down = await lvslab('ipvsadm', lab, 'ds1', '-Ln');
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain(`Start it again with: lvslab fault ${lab} ds1 start`);

    expect((await lvslab('fault', lab, 'ds1', 'start')).exitCode).toBe(0);
    const ln = await lvslab('ipvsadm', lab, 'ds1', '-Ln');
    expect(ln.stdout).toContain('TCP  192.168.1.112:80 rr');
    const restart = await lvslab('fault', lab, 'ds1', 'restart');
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(restart.stdout).toMatch(/^restarted the director daemon on ds1 \(pid \d+\)$/m);
    expect(servers((await lvslab('probe', lab, '--count', '2')).stdout).sort()).toEqual(['RS1', 'RS2']);
  });

  it('pulls and plugs a link, partitions and heals, and the probes follow', async () => {
    expect((await lvslab('fault', lab, 'ds1', 'link-down', 'eth0')).stdout.trim()).toBe('ds1 eth0: link down');
    const cut = await lvslab('probe', lab, '--count', '1');
    expect(cut.exitCode).toBe(1);
    expect((await lvslab('fault', lab, 'ds1', 'link-up', 'eth0')).exitCode).toBe(0);
    expect((await lvslab('probe', lab, '--count', '2')).exitCode).toBe(0);
    expect((await lvslab('fault', lab, 'client', 'partition', 'ds1')).stdout.trim()).toBe('partitioned client | ds1');
    expect((await lvslab('probe', lab, '--count', '1')).exitCode).toBe(1);
    expect((await lvslab('fault', lab, 'heal')).stdout.trim()).toBe('healed the partition');
    expect((await lvslab('probe', lab, '--count', '2')).exitCode).toBe(0);
  });

  it('logs --follow prints lines as they come until the lab goes; down --keep-logs keeps them', async () => {
    const follow = spawn(process.execPath, [cli, 'logs', lab, 'ds1', '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follow.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const ended = new Promise<number | null>((resolve) => follow.on('exit', (c) => resolve(c)));
    const killer = setTimeout(() => follow.kill('SIGKILL'), 60_000);
    await sleep(500);
    const before = out.length;
    expect((await lvslab('fault', lab, 'ds1', 'restart')).exitCode).toBe(0);
    for (let i = 0; i < 40 && !/fault: restarted the director daemon on ds1/.test(out.slice(before)); i++) await sleep(100);
    expect(out.slice(before)).toMatch(/^\S+Z ds1 +fault: restarted the director daemon on ds1 \(pid \d+\)$/m);
    expect(out.slice(before)).toMatch(/^\S+Z ds1 +director: ready: per-packet data plane/m);

    const keep = join(dir, 'kept');
    const d = await lvslab('down', lab, '--keep-logs', keep);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toMatch(new RegExp(`^${lab}: \\d+ log file\\(s\\) kept in ${keep}/${lab}$`, 'm'));
    expect(await ended).toBe(0);
    clearTimeout(killer);
    expect(readFileSync(join(keep, lab, 'director-ds1.log'), 'utf8')).toMatch(/^\S+Z ready: per-packet/m);
    expect(existsSync(join(keep, lab, 'fault-ds1.log'))).toBe(true);
    expect(leftovers(lab)).toEqual({ namespaces: [], processes: [], runDir: false });
    lab = '';
  });

  it('--backend kernel: runs where the host kernel has IPVS, and where it has not says so before building anything', async () => {
    const ipvs = await hostHasIpvs();
    const up = await lvslab('up', 'article-single', '--backend', 'kernel', '--ipvsadm', `ds1=${ipvsadmFile}`);
    if (!ipvs.ok) {
      expect(up.exitCode).toBe(1);
      expect(up.stderr).toContain(`--backend kernel: ${ipvs.reason}`);
      expect(up.stderr).toContain('kept labs inside the kernel VM are not supported yet');
      expect(up.stdout).toBe('');
      return;
    }
    const id = up.stdout.trim();
    try {
      expect(up.exitCode, up.stderr).toBe(0);
      const ln = await lvslab('ipvsadm', id, 'ds1', '-Ln');
      expect(ln.stdout).toContain('TCP  192.168.1.112:80 rr');
      expect(servers((await lvslab('probe', id, '--count', '2')).stdout).sort()).toEqual(['RS1', 'RS2']);
    } finally {
      await teardownLab(id);
      expect(namespacesOf(id)).toEqual([]);
    }
  });
});
