// The director daemon's data plane on real packets, in a hand-built namespace lab, with a tiny
// fixture core (round robin) so the transport, rewrite, rules and control layers are tested on
// their own. The article scenarios with the real IPVS core are in article-*.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { HandLab, repoRoot } from './helpers/handlab.js';
import { controlRequest } from '../../src/lb/director/control.js';
import type { DaemonStatus } from '../../src/lb/director/daemon.js';
import { nodeWithTsx } from '../../test/tsx.js';
import { needs, probe } from '../../test/capabilities.js';

const mainJs = path.join(repoRoot, 'dist/lb/director/main.js');
const fixtureCore = path.join(repoRoot, 'test/director/fixture-core.ts');

const UDP_CLIENT = `
const d = require('node:dgram').createSocket('udp4');
d.on('message', (m) => { console.log(m.toString()); process.exit(0); });
d.send(process.argv[1], 9999, '192.168.1.112');
setTimeout(() => { console.log('timeout'); process.exit(1); }, 2000);
`;

async function startDaemon(lab: HandLab, name: string, extra: object, core: 'fixture' | 'ipvs' = 'fixture') {
  const socket = path.join(lab.dir, `${name}.sock`);
  const cfg = path.join(lab.dir, `${name}.json`);
  fs.writeFileSync(cfg, JSON.stringify({ director: 'ds', socket, ...(core === 'fixture' ? { coreModule: fixtureCore } : {}), ...extra }));
  const log = path.join(lab.dir, `${name}.log`);
  const proc = lab.spawn(lab.ns('ds'), core === 'fixture' ? nodeWithTsx(mainJs, '--config', cfg) : ['node', mainJs, '--config', cfg], log);
  try {
    await lab.waitFor(async () => !!(await controlRequest(socket, { op: 'ping' }, 1000)), 10_000, 'director control socket');
  } catch (err) {
    throw new Error(`${(err as Error).message}; daemon log:\n${fs.readFileSync(log, 'utf8')}`);
  }
  return { socket, proc };
}

async function curl(lab: HandLab, url = 'http://192.168.1.112/'): Promise<string> {
  const r = await lab.exec('client', ['curl', '-s', '-m', '3', url]);
  return r.exitCode === 0 ? String(r.stdout).trim() : `curl exit ${r.exitCode}`;
}

describe('director data plane (fixture core, hand-built lab)', needs(await probe.root(), probe.built(mainJs)), () => {
  describe.each([
    ['fixture', 'netlink'],
    ['ipvs', 'netlink'],
    ['ipvs', 'koffi'],
  ] as const)('NAT per packet (%s core, %s transport)', (core, transport) => {
    const lab = new HandLab();
    let socket = '';
    let proc: ReturnType<HandLab['spawn']>;
    beforeAll(async () => {
      await lab.build();
      ({ socket, proc } = await startDaemon(lab, 'nat', {
        ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m',
          '-A -u 192.168.1.112:9999 -s rr', '-a -u 192.168.1.112:9999 -r 10.0.0.101:9999 -m', '-a -u 192.168.1.112:9999 -r 10.0.0.102:9999 -m'],
        transport,
      }, core));
    });
    afterAll(async () => {
      await lab.destroy();
    });

    it('TCP: new connections alternate and the real server sees the client address', async () => {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await curl(lab));
      expect(got).toEqual(['RS2 192.168.1.100', 'RS1 192.168.1.100', 'RS2 192.168.1.100', 'RS1 192.168.1.100']);
    });

    it('UDP: datagrams are NATed both ways, payload intact', async () => {
      const a = await lab.exec('client', ['node', '-e', UDP_CLIENT, 'hello-1']);
      const b = await lab.exec('client', ['node', '-e', UDP_CLIENT, 'hello-2']);
      expect([String(a.stdout).trim(), String(b.stdout).trim()].sort()).toEqual(['RS1 hello-2', 'RS2 hello-1'].sort());
    });

    it('counts packets, NAT rewrites and nothing malformed; the kernel dropped nothing', async () => {
      const s = await controlRequest<DaemonStatus>(socket, { op: 'status' });
      expect(s.mode).toBe('per-packet');
      expect(s.dataplane.natted).toBeGreaterThan(20);
      expect(s.dataplane.inbound).toBeGreaterThan(10);
      expect(s.dataplane.outbound).toBeGreaterThan(10);
      expect(s.dataplane.malformed).toBe(0);
      expect(s.dataplane.coreErrors).toBe(0);
      expect(s.kernelQueue).not.toBeNull();
      expect(s.kernelQueue!.queueDropped).toBe(0);
    });

    it('a service without destinations rejects with ICMP port unreachable (connection refused)', async () => {
      const r = await controlRequest<{ status: number }>(socket, { op: 'ipvsadm', argv: ['-A', '-t', '192.168.1.112:8080', '-s', 'rr'] });
      expect(r.status).toBe(0);
      const c = await lab.exec('client', ['curl', '-s', '-m', '3', 'http://192.168.1.112:8080/']);
      expect(c.exitCode).toBe(7); // curl: failed to connect (refused), not a timeout (28)
      const s = await controlRequest<DaemonStatus>(socket, { op: 'status' });
      expect(s.dataplane.rejected).toBeGreaterThan(0);
    });

    it('removes its rules when stopped', async () => {
      const before = await lab.exec('ds', ['iptables-save']);
      expect(String(before.stdout)).toContain('LVSLAB_PRE');
      proc.kill('SIGTERM');
      await proc;
      const after = await lab.exec('ds', ['iptables-save']);
      expect(String(after.stdout)).not.toContain('LVSLAB');
      expect(fs.existsSync(socket)).toBe(false);
    });
  });

  describe('DR per packet and offload', () => {
    const lab = new HandLab();
    beforeAll(async () => {
      await lab.build({ drVipOnRs: true });
    });
    afterAll(async () => {
      await lab.destroy();
    });

    it('DR: the mark routes each connection to its real server unchanged', async () => {
      const { proc } = await startDaemon(lab, 'dr', {
        ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -g', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -g'],
      });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await curl(lab));
      expect(got).toEqual(['RS2 192.168.1.100', 'RS1 192.168.1.100', 'RS2 192.168.1.100', 'RS1 192.168.1.100']);
      proc.kill('SIGTERM');
      await proc;
      const rules = await lab.exec('ds', ['ip', 'rule', 'show']);
      expect(String(rules.stdout)).toMatch(/^0:\s+from all lookup local/m);
      expect(String(rules.stdout)).not.toContain('fwmark');
    });

    it('offload DR: the first packet decides, conntrack keeps routing the flow by its mark', async () => {
      const { socket, proc } = await startDaemon(lab, 'offdr', {
        dataplane: 'offload',
        ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -g', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -g'],
      }, 'ipvs');
      try {
        const got = [];
        for (let i = 0; i < 4; i++) got.push(await curl(lab));
        expect(got).toEqual(['RS2 192.168.1.100', 'RS1 192.168.1.100', 'RS2 192.168.1.100', 'RS1 192.168.1.100']);
        const s = await controlRequest<DaemonStatus>(socket, { op: 'status' });
        expect(s.dataplane.inbound).toBe(4);
        expect(s.dataplane.routed).toBe(4);
      } finally {
        proc.kill('SIGTERM');
        await proc;
      }
      const rules = await lab.exec('ds', ['ip', 'rule', 'show']);
      expect(String(rules.stdout)).not.toContain('fwmark');
      await lab.exec('ds', ['conntrack', '-F']);
    });

    it('offload NAT: only the first packet crosses, conntrack DNAT does the rest', async () => {
      // the RS have the VIP on lo for DR; NAT still works since the director rewrites to the RIP
      const { socket, proc } = await startDaemon(lab, 'off', {
        dataplane: 'offload',
        ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m'],
      });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await curl(lab));
      expect(got).toEqual(['RS2 192.168.1.100', 'RS1 192.168.1.100', 'RS2 192.168.1.100', 'RS1 192.168.1.100']);
      const s = await controlRequest<DaemonStatus>(socket, { op: 'status' });
      expect(s.mode).toBe('offload');
      // one packet per connection crossed (the SYN), replies never
      expect(s.dataplane.inbound).toBe(4);
      expect(s.dataplane.outbound).toBe(0);
      proc.kill('SIGTERM');
      await proc;
      const nft = await lab.exec('ds', ['nft', 'list', 'tables']);
      expect(String(nft.stdout)).not.toContain('lvslab');
    });
  });
});
