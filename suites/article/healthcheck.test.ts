// Issue 3: keepalived's health checks in the embedded director (article-single). A real server
// whose HTTP service stops leaves `ipvsadm -Ln` within delay_loop + connect_timeout + the retries,
// requests then all go to the other one; served again, it comes back.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type LvsLab } from '../../src/api/up.js';
import { logPath } from '../../src/lab/rundir.js';
import { VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';
import { LAB_SLACK_MS, checkerRemovalMs, checkerReturnMs } from '../../test/bounds.js';

const DELAY_LOOP = 1;
const CONNECT_TIMEOUT = 1;
const RETRY = 1;
const DELAY_BEFORE_RETRY = 1;

type CheckKind = 'TCP_CHECK' | 'HTTP_GET';
const realServer = (ip: string, kind: CheckKind) => `  real_server ${ip} 80 {
    weight 1
    ${kind} {
      ${kind === 'HTTP_GET' ? 'url {\n        path /\n        status_code 200\n      }' : ''}
      connect_timeout ${CONNECT_TIMEOUT}
      retry ${RETRY}
      delay_before_retry ${DELAY_BEFORE_RETRY}
    }
  }`;
const conf = (kind: CheckKind) => `virtual_server ${VIP} 80 {
  delay_loop ${DELAY_LOOP}
  lvs_sched rr
  lvs_method NAT
  protocol TCP
${realServer('10.0.0.101', kind)}
${realServer('10.0.0.102', kind)}
}
`;

async function dests(lab: LvsLab): Promise<string[]> {
  const t = await lab.director('ds1').services();
  return t.services.flatMap((s) => s.dests.map((d) => d.address));
}

/** Poll -Ln every 100 ms until `want` holds; returns the time it took (given 5 s past `ms`, so a miss says by how much). */
async function waitFor(lab: LvsLab, want: (d: string[]) => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms + 5000) {
    if (want(await dests(lab))) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ipvsadm -Ln did not reach the wanted state within ${ms + 5000} ms: ${(await dests(lab)).join(', ')}`);
}

describe.each(['TCP_CHECK', 'HTTP_GET'] as const)('health checks (embedded, article-single, %s)', needs(await probe.root()), (kind) => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { keepalivedConf: conf(kind) } } });
  }, 60_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('both checked real servers are in the table while healthy', async () => {
    // past the first check (bootstrap 1 s + warmup up to delay_loop)
    await new Promise((r) => setTimeout(r, 2500));
    expect(await dests(lab)).toEqual(['10.0.0.101:80', '10.0.0.102:80']);
  });

  it('RS2 stopped: it leaves -Ln in time, requests all go to RS1, the director logs it like keepalived', async () => {
    await lab.real('rs2').kill();
    // its port refuses at once: the next check (within delay_loop) fails, and RETRY more, delay_before_retry apart
    const leaveWithinMs = checkerRemovalMs(conf(kind), '10.0.0.102:80', 'refused', LAB_SLACK_MS);
    const took = await waitFor(lab, (d) => !d.includes('10.0.0.102:80'), leaveWithinMs);
    expect(took).toBeLessThanOrEqual(leaveWithinMs);
    expect(await dests(lab)).toEqual(['10.0.0.101:80']);
    const run = await lab.client.http(`http://${VIP}/`, { count: 6 });
    expect(run.failed).toBe(0);
    expect(new Set(run.sequence)).toEqual(new Set(['RS1']));
    const log = fs.readFileSync(logPath(lab.id, 'keepalived-ds1'), 'utf8');
    expect(log).toContain(kind === 'TCP_CHECK' ? 'TCP connection to [10.0.0.102]:tcp:80 failed.' : 'Error connecting server [10.0.0.102]:tcp:80.');
    expect(log).toContain('Removing service [10.0.0.102]:tcp:80 from VS [192.168.1.112]:tcp:80');
  }, 30_000);

  it('RS2 served again: it returns with its weight and forwarding, requests alternate again', async () => {
    await lab.real('rs2').start();
    // the next check, within delay_loop, succeeds and brings it back
    const backWithinMs = checkerReturnMs(conf(kind), '10.0.0.102:80', LAB_SLACK_MS);
    expect(await waitFor(lab, (d) => d.includes('10.0.0.102:80'), backWithinMs)).toBeLessThanOrEqual(backWithinMs);
    const t = await lab.director('ds1').services();
    expect(t.services[0]!.dests.map((d) => [d.address, d.forward, d.weight])).toEqual([
      ['10.0.0.101:80', 'Masq', 1],
      ['10.0.0.102:80', 'Masq', 1],
    ]);
    const run = await lab.client.http(`http://${VIP}/`, { count: 4 });
    expect(run.failed).toBe(0);
    expect(new Set(run.sequence)).toEqual(new Set(['RS1', 'RS2']));
    const log = fs.readFileSync(logPath(lab.id, 'keepalived-ds1'), 'utf8');
    expect(log).toContain('Adding service [10.0.0.102]:tcp:80 to VS [192.168.1.112]:tcp:80');
  }, 30_000);
});
