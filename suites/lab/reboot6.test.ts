// `lvslab fault LAB ds1 reboot` on an IPv6 lab (article6, keepalived on both directors). A link that
// goes down takes its IPv6 addresses with it (the kernel's keep_addr_on_down is off), so a reboot
// must give the host its lab addresses back, IPv6 ones included, and clear what keepalived had added
// (the VIP and its virtual link-local) on both families, as src/lab/reboot.ts says.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { needs, probe } from '../../test/capabilities.js';
import { leftovers, lvslab } from './helpers.js';

const scenario = fileURLToPath(new URL('../../scenarios/article6/', import.meta.url));
const servers = (out: string) => [...out.matchAll(/^\s+\d+\s+(RS\d)\s/gm)].map((m) => m[1]);

/** A director's global IPv6 addresses per interface, as `ip -6 addr` lists them. */
async function addresses6(lab: string, host: string): Promise<string[]> {
  const r = await lvslab('exec', lab, host, '--', 'ip', '-6', '-o', 'addr', 'show');
  expect(r.exitCode, r.stderr).toBe(0);
  return [...r.stdout.matchAll(/^\d+:\s+(\S+)\s+inet6\s+(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

describe('reboot of a director on an IPv6 lab (article6)', needs(await probe.root(), probe.built('dist/cli/main.js')), () => {
  let lab = '';
  beforeAll(async () => {
    const up = await lvslab('up', 'article6', '--keepalived', `ds1=${scenario}keepalived.conf`, '--keepalived', `ds2=${scenario}keepalived-ds2.conf`);
    expect(up.exitCode, up.stderr).toBe(0);
    lab = up.stdout.trim();
    expect(up.stderr).toContain('VRRP: ds1: VI_1 MASTER, VI_GATEWAY MASTER; ds2: VI_1 BACKUP, VI_GATEWAY BACKUP');
  });
  afterAll(async () => {
    if (!lab) return;
    await lvslab('down', lab);
    await teardownLab(lab).catch(() => undefined);
    expect(leftovers(lab)).toEqual({ namespaces: [], processes: [], runDir: false });
  });

  it('brings the lab addresses back (IPv6 included), and keepalived then takes the VIP again', async () => {
    const before = await addresses6(lab, 'ds1');
    // the lab's own addresses, and the VIP, DIP and virtual link-locals keepalived added as master
    expect(before).toEqual(
      expect.arrayContaining(['eth0 2001:db8::110/64', 'eth0 2001:db8::112/64', 'eth0 fe80::110/64', 'eth1 fd00::103/64', 'eth1 fd00::105/64', 'lo ::1/128']),
    );
    const r = await lvslab('fault', lab, 'ds1', 'reboot');
    expect(r.exitCode, r.stderr).toBe(0);
    // keepalived started again in BACKUP; with the higher priority it preempts: master again
    expect(r.stdout).toMatch(/^VRRP after [\d.]+ s: ds1: VI_1 MASTER, VI_GATEWAY MASTER; ds2: VI_1 BACKUP, VI_GATEWAY BACKUP$/m);
    // what the lab gave ds1 is back, and what keepalived adds as master is there once more, once
    expect(await addresses6(lab, 'ds1')).toEqual(before);
    expect(await addresses6(lab, 'ds2')).not.toContain('eth0 2001:db8::112/64');
    const p = await lvslab('probe', lab, '--count', '4');
    expect(p.exitCode, `${p.stderr}\n${p.stdout}`).toBe(0);
    expect(servers(p.stdout).sort()).toEqual(['RS1', 'RS1', 'RS2', 'RS2']);
  });
});
