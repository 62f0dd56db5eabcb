// One director daemon per director, whatever the command line does: two `lvslab ipvsadm` at once on
// a fresh lab start one daemon; a second daemon started by hand leaves without touching the first's
// rules; a stopped (SIGSTOP) daemon is waited for, never replaced; rules removed behind a daemon's
// back come back; a killed daemon is reported by `lvslab ipvsadm` (its leftover rules untouched)
// until `lvslab fault LAB ds1 start` starts it again.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { lockHolder } from '../../src/lb/director/lock.js';
import { directorFiles } from '../../src/lb/director/backend.js';
import { repoRoot } from './helpers/handlab.js';
import { ARTICLE_TCP, VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';
import { lvslab } from '../lab/helpers.js';
const daemonEntry = path.join(repoRoot, 'dist/lb/director/main.js');

/** Processes running ds1's daemon of this lab (its config path is on the command line). */
function daemons(lab: Lab): number[] {
  const cfg = directorFiles(lab.id, 'ds1').config;
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(daemonEntry) && cmd.includes(cfg)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

async function curl(lab: Lab): Promise<string> {
  const r = await lab.client.exec(['curl', '-s', '-m', '2', `http://${VIP}/`], { check: false });
  return /<h1>([^<]+)<\/h1>/.exec(r.stdout)?.[1] ?? `curl exit ${r.exitCode}`;
}

async function jumps(lab: Lab): Promise<number> {
  const r = await lab.host('ds1').exec(['iptables-save', '-t', 'mangle']);
  return r.stdout.split('\n').filter((l) => l === '-A PREROUTING -j LVSLAB_PRE').length;
}

describe('one director daemon per director (article-single)', needs(await probe.root(), probe.built('dist/cli/main.js')), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('article-single');
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('two lvslab ipvsadm at once on a fresh lab: both succeed, one daemon starts, traffic flows', async () => {
    const [a, b] = await Promise.all([lvslab('ipvsadm', lab.id, 'ds1', ...ARTICLE_TCP[0].split(' ')), lvslab('ipvsadm', lab.id, 'ds1', '-Ln')]);
    expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
    expect([a.stderr, b.stderr].filter((e) => /started the embedded director daemon on ds1/.test(e))).toHaveLength(1);
    expect(daemons(lab)).toHaveLength(1);
    for (const line of ARTICLE_TCP.slice(1)) expect((await lvslab('ipvsadm', lab.id, 'ds1', ...line.split(' '))).exitCode).toBe(0);
    expect([await curl(lab), await curl(lab)].sort()).toEqual(['RS1', 'RS2']);
  });

  it("a second daemon started by hand leaves at once, naming the first, and touches none of its rules", async () => {
    const first = daemons(lab)[0];
    const second = await lab.host('ds1').exec([process.execPath, daemonEntry, '--config', directorFiles(lab.id, 'ds1').config], { check: false, timeoutMs: 20_000 });
    expect(second.exitCode).toBe(3);
    expect(second.stderr).toContain(`another director daemon is running on ds1 (pid ${first})`);
    expect(daemons(lab)).toEqual([first]);
    expect(await jumps(lab)).toBe(1);
    expect([await curl(lab), await curl(lab)].sort()).toEqual(['RS1', 'RS2']);
  });

  it('a stopped daemon (SIGSTOP) is waited for, never replaced: its rules stay, ipvsadm answers once it runs', async () => {
    const pid = daemons(lab)[0];
    process.kill(pid, 'SIGSTOP');
    let pending;
    try {
      pending = lvslab('ipvsadm', lab.id, 'ds1', '-Ln');
      await sleep(3000);
      expect(daemons(lab)).toEqual([pid]);
      expect(await jumps(lab)).toBe(1);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const r = await pending;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`TCP  ${VIP}:80 rr`);
    expect([await curl(lab), await curl(lab)].sort()).toEqual(['RS1', 'RS2']);
  });

  it('rules removed behind its back are installed again, and the daemon says so', async () => {
    await lab.host('ds1').exec(['iptables', '-t', 'mangle', '-D', 'PREROUTING', '-j', 'LVSLAB_PRE']);
    expect(await jumps(lab)).toBe(0);
    // the daemon checks every 5 s
    const deadline = Date.now() + 5000 + 3000;
    while ((await jumps(lab)) === 0 && Date.now() < deadline) await sleep(250);
    expect(await jumps(lab)).toBe(1);
    const log = fs.readFileSync(path.join(lab.runDir, 'logs', 'director-ds1.log'), 'utf8');
    expect(log).toMatch(/^\S+Z rules: this daemon's LVSLAB rules were removed \(missing: mangle PREROUTING -j LVSLAB_PRE\); installing them again$/m);
    const st = JSON.parse((await lvslab('ipvsadm', lab.id, 'ds1', '--director-status')).stdout) as { rulesReinstalled: number; rulesError: string | null };
    expect(st).toMatchObject({ rulesReinstalled: 1, rulesError: null });
    expect([await curl(lab), await curl(lab)].sort()).toEqual(['RS1', 'RS2']);
  });

  it('a killed daemon is reported, with how to start it, and nothing replaces it; fault start brings it back', async () => {
    const pid = daemons(lab)[0];
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && lockHolder(directorFiles(lab.id, 'ds1').lock) !== undefined; i++) await sleep(20);
    const r = await lvslab('ipvsadm', lab.id, 'ds1', '-Ln');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the director daemon on ds1 is not running');
    expect(r.stderr).toContain(`Start it again with: lvslab fault ${lab.id} ds1 start`);
    expect(daemons(lab)).toEqual([]);
    // what the dead daemon left is still there for the user to look at
    expect(await jumps(lab)).toBe(1);

    const start = await lvslab('fault', lab.id, 'ds1', 'start');
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/^started the director daemon on ds1 \(pid \d+\)$/m);
    expect(daemons(lab)).toHaveLength(1);
    // started with its configuration (an empty table: it was started by the first ipvsadm)
    for (const line of ARTICLE_TCP) expect((await lvslab('ipvsadm', lab.id, 'ds1', ...line.split(' '))).exitCode).toBe(0);
    expect(await jumps(lab)).toBe(1);
    expect([await curl(lab), await curl(lab)].sort()).toEqual(['RS1', 'RS2']);
    const again = await lvslab('fault', lab.id, 'ds1', 'start');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/the director daemon on ds1 is already running \(pid \d+\)/);
  });
});
