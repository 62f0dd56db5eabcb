// The health-check quorum scenario, run the same way on either backend so the suites can compare the
// `ipvsadm -Ln` tables they go through: both real servers TCP-checked, a sorry server (a page on
// RS1's port 8080); RS2 stops, then RS1 (quorum lost: the sorry server serves), then both serve again
// (quorum back). In the VM it runs through the kernel pass with real keepalived (scenarios.ts);
// suites/kernel/healthcheck-quorum.test.ts runs it on the embedded backend too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LvsLab } from '../../../src/api/up.js';
import { nodeWithTsx } from '../../tsx.js';

const VIP = '192.168.1.112';

/**
 * delay_loop 1, connect_timeout 1, no retries: each change shows within a few seconds. `vsExtra`
 * adds virtual_server lines, `rs2Checks` more checkers for RS2 (the embedded suite's).
 */
export function quorumConf(opts: { vsExtra?: string; rs2Checks?: string } = {}): string {
  const rs = (ip: string, more = '') => `  real_server ${ip} 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }${more}
  }`;
  return `virtual_server ${VIP} 80 {
  delay_loop 1
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  quorum 1
  sorry_server 10.0.0.101 8080${opts.vsExtra ?? ''}
${rs('10.0.0.101')}
${rs('10.0.0.102', opts.rs2Checks)}
}
`;
}

export interface QuorumObservation {
  /** `ipvsadm -Ln` after each step (without its first line, the version and table size) */
  tables: Array<{ step: string; ln: string }>;
  /** who answered the VIP while the sorry server stood in */
  sorrySequence: string[];
  /** who answered once quorum was back */
  backSequence: string[];
}

const CHECK_SERVER = resolve(fileURLToPath(new URL('../../healthcheck/check-server.ts', import.meta.url)));

/** Run the scenario on a lab whose ds1 runs quorumConf(); `settleMs` bounds each wait for a table. */
export async function quorumScenario(lab: LvsLab, settleMs: number): Promise<QuorumObservation> {
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-quorum-'));
  try {
    await lab.real('rs1').host.spawn(nodeWithTsx(CHECK_SERVER, dir, 'SORRY', '8080'), { logName: 'rs1-sorry-server' });
    const ds1 = lab.director('ds1');
    const dests = async () => (await ds1.services()).services.flatMap((s) => s.dests.map((d) => d.address));
    const tables: QuorumObservation['tables'] = [];
    /** wait (bounded) for the wanted destinations, then record the table whatever it shows */
    const settle = async (step: string, want: string[]) => {
      const t0 = Date.now();
      while (Date.now() - t0 < settleMs && JSON.stringify(await dests()) !== JSON.stringify(want)) await new Promise((r) => setTimeout(r, 250));
      tables.push({ step, ln: (await ds1.ipvsadm('-Ln')).text.split('\n').slice(1).join('\n') });
    };
    await settle('start', ['10.0.0.101:80', '10.0.0.102:80']);
    await lab.real('rs2').kill();
    await settle('rs2 down', ['10.0.0.101:80']);
    await lab.real('rs1').kill();
    await settle('rs1 down: quorum lost', ['10.0.0.101:8080']);
    // the sorry server's check server may still be starting (node under emulation takes seconds)
    for (const t0 = Date.now(); Date.now() - t0 < settleMs; ) {
      if ((await lab.client.http(`http://${VIP}/`, { count: 1, timeoutMs: 5_000 })).sequence[0] === 'SORRY') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const sorry = await lab.client.http(`http://${VIP}/`, { count: 3, timeoutMs: 5_000 });
    await lab.real('rs1').start();
    await lab.real('rs2').start();
    await settle('both back: quorum gained', ['10.0.0.101:80', '10.0.0.102:80']);
    const back = await lab.client.http(`http://${VIP}/`, { count: 4, timeoutMs: 5_000 });
    return { tables, sorrySequence: sorry.sequence, backSequence: back.sequence };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
