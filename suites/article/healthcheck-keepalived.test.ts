// keepalived's full health checking in the embedded director (article-single): RS2 carries four
// checkers — TCP_CHECK on its service, HTTP_GET (status and MD5 digest) and SSL_GET against a check
// server in its namespace, MISC_CHECK on a file — and leaves `ipvsadm -Ln` when any one fails, coming
// back when all pass; the daemon logs each event in keepalived 2.2.7's words. Then both real servers
// fail: quorum is lost, the sorry server (a page on RS1's port 8080) takes the traffic and quorum_down
// runs; served again, quorum returns, the real servers serve and quorum_up runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type LvsLab } from '../../src/api/up.js';
import { logPath } from '../../src/lab/rundir.js';
import { identityPage } from '../../src/lab/agent/protocol.js';
import { md5Hex } from '../../src/lb/keepalived/healthcheck/digest.js';
import { VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';
import { nodeWithTsx } from '../../test/tsx.js';
import { LAB_SLACK_MS } from '../../test/bounds.js';
import { quorumConf } from '../../test/kernel/pass/healthcheck-quorum.js';

const VS = `[${VIP}]:tcp:80`;
const RS2 = '[10.0.0.102]:tcp:80';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-hc-'));
fs.chmodSync(dir, 0o755);
const MISC = `test -e ${dir}/misc-ok`;

// delay_loop 1, no retries: a failing checker takes RS2 out at its next run, within about 1 s
const conf = quorumConf({
  vsExtra: `
  quorum_up "touch ${dir}/quorum-up"
  quorum_down "touch ${dir}/quorum-down"`,
  rs2Checks: `
    HTTP_GET {
      url {
        path /
        digest ${md5Hex(Buffer.from(identityPage('RS2')))}
        status_code 200
      }
      connect_port 8080
      connect_timeout 1
      retry 0
    }
    SSL_GET {
      url {
        path /
      }
      connect_port 8443
      connect_timeout 1
      retry 0
    }
    MISC_CHECK {
      misc_path "${MISC}"
      misc_timeout 2
    }`,
});

/** Longest a change takes to show in -Ln: the next check (delay_loop), a connect timeout, slack. */
const CHANGE_MS = 1000 + 1000 + 1000 + LAB_SLACK_MS;

async function dests(lab: LvsLab): Promise<string[]> {
  const t = await lab.director('ds1').services();
  return t.services.flatMap((s) => s.dests.map((d) => d.address));
}

async function waitFor(lab: LvsLab, want: string[], ms: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (JSON.stringify(await dests(lab)) === JSON.stringify(want)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ipvsadm -Ln did not show ${want.join(', ')} within ${ms} ms: ${(await dests(lab)).join(', ')}`);
}

// the checker runs in the director's keepalived side, which has its own log (docs/director.md)
const logOf = (lab: LvsLab) => fs.readFileSync(logPath(lab.id, 'keepalived-ds1'), 'utf8');

describe('keepalived health checking, complete (embedded, article-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=rs2', '-days', '1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore', timeout: 20_000 });
    fs.writeFileSync(`${dir}/misc-ok`, '');
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { keepalivedConf: conf } } });
    const server = (rs: string, identity: string) =>
      lab.real(rs).host.spawn(nodeWithTsx(path.resolve('test/healthcheck/check-server.ts'), dir, identity, '8080', '8443', `${dir}/cert.pem`, `${dir}/key.pem`), { logName: `${rs}-check-server` });
    await server('rs1', 'SORRY');
    await server('rs2', 'RS2');
    // the checks RS2's check server failed before it listened pass now
    await waitFor(lab, ['10.0.0.101:80', '10.0.0.102:80'], 15_000);
  }, 90_000);
  afterAll(async () => {
    await lab?.down();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const failures: Array<{ name: string; fail: () => Promise<void>; heal: () => Promise<void>; lines: string[] }> = [
    {
      name: 'TCP_CHECK (service stopped)',
      fail: () => lab.real('rs2').kill(),
      heal: () => lab.real('rs2').start(),
      lines: [`TCP connection to ${RS2} failed.`, `TCP_CHECK on service ${RS2} failed.`],
    },
    {
      name: 'HTTP_GET status_code (a 500)',
      fail: async () => fs.writeFileSync(`${dir}/http`, 'status'),
      heal: async () => fs.writeFileSync(`${dir}/http`, 'ok'),
      lines: ['HTTP status code error to server [10.0.0.102]:tcp:8080.', 'HTTP_CHECK on service [10.0.0.102]:tcp:8080 failed.'],
    },
    {
      name: 'HTTP_GET digest (another page)',
      fail: async () => fs.writeFileSync(`${dir}/http`, 'body'),
      heal: async () => fs.writeFileSync(`${dir}/http`, 'ok'),
      lines: ['MD5 digest error to server [10.0.0.102]:tcp:8080.'],
    },
    {
      name: 'SSL_GET (TLS dropped)',
      fail: async () => fs.writeFileSync(`${dir}/ssl`, 'reset'),
      heal: async () => fs.writeFileSync(`${dir}/ssl`, 'ok'),
      lines: ['SSL handshake/communication error connecting to server [10.0.0.102]:tcp:8443.'],
    },
    {
      name: 'MISC_CHECK (exit 1)',
      fail: async () => fs.rmSync(`${dir}/misc-ok`),
      heal: async () => fs.writeFileSync(`${dir}/misc-ok`, ''),
      lines: [`Misc check for [${RS2} VS ${VS}] by [${MISC}] failed (exited with status 1).`],
    },
  ];

  it.each(failures)('RS2 failing $name leaves -Ln and comes back, logged as keepalived does', async (f) => {
    const before = logOf(lab).length;
    await f.fail();
    await waitFor(lab, ['10.0.0.101:80'], CHANGE_MS);
    const run = await lab.client.http(`http://${VIP}/`, { count: 4 });
    expect(new Set(run.sequence)).toEqual(new Set(['RS1']));
    await f.heal();
    await waitFor(lab, ['10.0.0.101:80', '10.0.0.102:80'], CHANGE_MS);
    const log = logOf(lab).slice(before);
    for (const l of [...f.lines, `Removing service ${RS2} from VS ${VS}`, `Adding service ${RS2} to VS ${VS}`]) expect(log).toContain(l);
  }, 30_000);

  it('quorum lost: the sorry server takes the traffic and quorum_down runs; quorum back: the real servers again', async () => {
    const before = logOf(lab).length;
    await lab.real('rs1').kill();
    await lab.real('rs2').kill();
    await waitFor(lab, ['10.0.0.101:8080'], 2 * CHANGE_MS);
    const t = await lab.director('ds1').services();
    expect(t.services[0]!.dests.map((d) => [d.address, d.forward, d.weight])).toEqual([['10.0.0.101:8080', 'Masq', 1]]);
    const sorry = await lab.client.http(`http://${VIP}/`, { count: 3 });
    expect(sorry.failed).toBe(0);
    expect(sorry.sequence).toEqual(['SORRY', 'SORRY', 'SORRY']);
    let log = logOf(lab).slice(before);
    expect(log).toContain(`Lost quorum 1-0=1 > 0 for VS ${VS}`);
    expect(log).toContain(`Adding sorry server [10.0.0.101]:tcp:8080 to VS ${VS}`);
    expect(fs.existsSync(`${dir}/quorum-down`)).toBe(true);

    await lab.real('rs1').start();
    await lab.real('rs2').start();
    await waitFor(lab, ['10.0.0.101:80', '10.0.0.102:80'], 2 * CHANGE_MS);
    const back = await lab.client.http(`http://${VIP}/`, { count: 4 });
    expect(back.failed).toBe(0);
    expect(new Set(back.sequence)).toEqual(new Set(['RS1', 'RS2']));
    log = logOf(lab).slice(before);
    expect(log).toContain(`Gained quorum 1+0=1 <= 1 for VS ${VS}`);
    expect(log).toContain(`Removing sorry server [10.0.0.101]:tcp:8080 from VS ${VS}`);
    expect(fs.existsSync(`${dir}/quorum-up`)).toBe(true);
  }, 40_000);
});
