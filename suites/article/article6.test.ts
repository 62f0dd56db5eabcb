// The article in IPv6 on the embedded backend (article6-single: 2001:db8::/64 outside, fd00::/64
// inside, every host keeping its number): LVS-NAT round robin for TCP and UDP through the IPv6 VIP,
// what the real servers see, ipvsadm's bracketed listings, and the shipped scenarios/article6 files
// passing as `lvslab run` runs them; the same NAT with offload (the kernel's conntrack DNAT after each
// connection's first packet). Then LVS-DR over IPv6, per packet and offload: the VIP on the real
// servers' lo, never answered in neighbour discovery by them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { up, type LvsLab } from '../../src/api/up.js';
import { loadScenario } from '../../src/api/scenario/load.js';
import { runScenario } from '../../src/api/scenario/run.js';
import type { LabDescription } from '../../src/lab/topology.js';
import type { EmbeddedSession } from '../../src/lb/director/backend.js';
import { expectOneArmDrOffload } from './helpers/offload.js';
import { needs, probe } from '../../test/capabilities.js';

const VIP = '2001:db8::112';
const NAT = [
  `-A -t [${VIP}]:80 -s rr`,
  `-a -t [${VIP}]:80 -r [fd00::101]:80 -m -w 1`,
  `-a -t [${VIP}]:80 -r [fd00::102]:80 -m -w 1`,
  `-A -u [${VIP}]:9999 -s rr`,
  `-a -u [${VIP}]:9999 -r [fd00::101]:9999 -m -w 1`,
  `-a -u [${VIP}]:9999 -r [fd00::102]:9999 -m -w 1`,
];

describe('article6 NAT (embedded, article6-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-article6-'));
  const file = path.join(dir, '1.txt');
  beforeAll(async () => {
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)));
    lab = await up('article6-single', { backend: 'embedded', directors: { ds1: { ipvsadm: NAT } } });
  });
  afterAll(async () => {
    await lab?.down();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('HTTP to http://[2001:db8::112]/ alternates RS2, RS1, RS2, RS1; the real servers see the client itself', async () => {
    const run = await lab.client.http(`http://[${VIP}]/`, { count: 4 });
    expect(run.failed).toBe(0);
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    for (const rs of lab.reals) {
      const seen = await rs.httpRequests();
      expect(new Set(seen.map((r) => r.remoteAddress))).toEqual(new Set(['2001:db8::100']));
      expect(new Set(seen.map((r) => r.localAddress))).toEqual(new Set([rs.name === 'rs1' ? 'fd00::101' : 'fd00::102']));
    }
  });

  it('-Ln prints the IPv6 service and real servers in brackets, in ipvsadm columns', async () => {
    const lines = (await lab.director('ds1').ipvsadm('-Ln')).text.split('\n');
    expect(lines[3]).toBe(`TCP  [${VIP}]:80 rr`);
    expect(lines[4]).toMatch(/^ {2}-> \[fd00::101\]:80 {15}Masq {4}1 {6}\d+ +\d+ *$/);
    expect(lines[5]).toMatch(/^ {2}-> \[fd00::102\]:80 {15}Masq {4}1 {6}\d+ +\d+ *$/);
    expect(lines[6]).toBe(`UDP  [${VIP}]:9999 rr`);
  });

  it('-Lnc shows the IPv6 connections, client 2001:db8::100', async () => {
    const conns = (await lab.director('ds1').connections()).filter((c) => c.proto === 'TCP');
    expect(conns).toHaveLength(4);
    for (const c of conns) expect([c.client.addr, c.virtual.addr, c.virtual.port]).toEqual(['2001:db8::100', VIP, 80]);
    expect(conns).toHaveConnection({ destination: '[fd00::101]:80' });
    expect(conns).toHaveConnection({ destination: '[fd00::102]:80' });
  });

  it('UDP: a file arrives intact, datagrams from one source port stick, from extra addresses they spread', async () => {
    const sent = await lab.client.sendFile(`[${VIP}]:9999`, [file]);
    expect(sent.deliveries.map((d) => [d.intact, d.receivedBytes])).toEqual([[true, 3000]]);
    const stuck = await lab.client.udp(`[${VIP}]:9999`, { count: 6, sourcePort: 40001, intervalMs: 10 });
    expect(stuck.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    expect(new Set(stuck.sequence).size).toBe(1);
    const spread = await lab.client.udp(`[${VIP}]:9999`, { count: 4, localAddress: ['2001:db8::150', '2001:db8::151', '2001:db8::152', '2001:db8::153'] });
    expect(spread.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    expect(new Set(spread.sequence)).toEqual(new Set(['RS1', 'RS2']));
  });

  it('an IPv6 client cannot bind an IPv4 source: the probe says so', async () => {
    await expect(lab.client.http(`http://[${VIP}]/`, { localAddress: '192.168.1.100' })).rejects.toThrow('localAddress 192.168.1.100 and target 2001:db8::112 are of different address families');
  });

  // (vrrp-failover.yaml builds its own two-director article6 lab: run with the others below)
  for (const name of ['tcp.yaml', 'udp.yaml']) {
    it(`scenarios/article6/${name} passes on the embedded backend`, async () => {
      const report = await runScenario(await loadScenario(fileURLToPath(new URL(`../../scenarios/article6/${name}`, import.meta.url))), 'embedded');
      expect(report.steps.flatMap((s) => s.checks).filter((c) => !c.pass)).toEqual([]);
      expect(report.error).toBeUndefined();
    }, 90_000);
  }
});

describe('article6 failover (embedded, article6): VRRPv3 over IPv6 moves the VIP and DIP', needs(await probe.root()), () => {
  it('scenarios/article6/vrrp-failover.yaml passes: DS1 killed, DS2 takes over within 5 s and serves', async () => {
    const report = await runScenario(await loadScenario(fileURLToPath(new URL('../../scenarios/article6/vrrp-failover.yaml', import.meta.url))), 'embedded');
    expect(report.error).toBeUndefined();
    expect(report.steps.flatMap((s) => s.checks).filter((c) => !c.pass)).toEqual([]);
    expect(report.steps.map((s) => s.name)).toContain('DS2 holds the VIP');
  }, 120_000);
});

describe('article6 NAT with offload (embedded, article6-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('article6-single', { backend: 'embedded', directors: { ds1: { ipvsadm: NAT, dataplane: 'offload' } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('only a connection\'s first packet crosses; conntrack DNAT by its mark (nft ip6 lvslab) does the rest, replies too', async () => {
    const run = await lab.client.http(`http://[${VIP}]/`, { count: 4 });
    expect(run.failed).toBe(0);
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    const st = await (lab.session as EmbeddedSession).status('ds1');
    expect(st.mode).toBe('offload');
    // the four SYNs, each answered with its destination's mark; replies never cross
    expect([st.dataplane.inbound, st.dataplane.outbound, st.dataplane.natted]).toEqual([4, 0, 4]);
    for (const rs of lab.reals) expect(new Set((await rs.httpRequests()).map((r) => r.remoteAddress))).toEqual(new Set(['2001:db8::100']));
    const nft = (await lab.director('ds1').exec('nft list table ip6 lvslab')).stdout;
    expect(nft).toMatch(/ip6 daddr 2001:db8::112 tcp dport 80 dnat ip6 to meta mark map \{ 0x[0-9a-f]+ : fd00::10[12] \. 80, 0x[0-9a-f]+ : fd00::10[12] \. 80 \}/);
  });

  it('UDP: a datagram\'s flow sticks to its real server; a new source port is scheduled anew', async () => {
    const stuck = await lab.client.udp(`[${VIP}]:9999`, { count: 6, sourcePort: 40001, intervalMs: 10 });
    expect(stuck.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    expect(new Set(stuck.sequence).size).toBe(1);
    const before = (await (lab.session as EmbeddedSession).status('ds1')).dataplane.inbound;
    const other = await lab.client.udp(`[${VIP}]:9999`, { count: 2, sourcePort: 40002, intervalMs: 10 });
    expect(other.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    // rr: the next flow goes to the other real server; only its first datagram crossed
    expect(new Set(other.sequence)).toEqual(new Set(stuck.sequence[0] === 'RS1' ? ['RS2'] : ['RS1']));
    expect((await (lab.session as EmbeddedSession).status('ds1')).dataplane.inbound).toBe(before + 1);
  });

  it('the director stopped, its nft tables are gone with its rules', async () => {
    await lab.director('ds1').stop();
    const tables = (await lab.director('ds1').exec('nft list tables')).stdout;
    expect(tables).not.toContain('lvslab');
  });
});

/** LVS-DR on one IPv6 LAN: the VIP on ds1's eth0 and on the real servers' lo (/128). */
function dr6(): LabDescription {
  const real = (n: number) => ({ role: 'real' as const, interfaces: [{ name: 'eth0', segment: 'lan', addresses: [`2001:db8::${n}/64`] }], loopback: [`${VIP}/128`] });
  return {
    name: 'dr6',
    segments: { lan: { subnet: '2001:db8::/64' } },
    hosts: {
      client: { role: 'client', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['2001:db8::100/64'] }] },
      ds1: { role: 'director', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['2001:db8::110/64', `${VIP}/64`] }], sysctls: { 'net.ipv6.conf.all.forwarding': 1 } },
      rs1: real(101),
      rs2: real(102),
    },
    vip: VIP,
    services: [{ protocol: 'tcp', port: 80 }],
  };
}

describe('LVS-DR over IPv6 with offload (embedded)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up(dr6(), { backend: 'embedded', directors: { ds1: { dataplane: 'offload', ipvsadm: [`-A -t [${VIP}]:80 -s rr`, `-a -t [${VIP}]:80 -r [2001:db8::101]:80 -g`, `-a -t [${VIP}]:80 -r [2001:db8::102]:80 -g`] } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('every connection completes: the first packet decides, the segments conntrack calls invalid after it (one-arm DR) are routed by the core', async () => {
    await expectOneArmDrOffload(lab, `http://[${VIP}]/`);
  });
});

describe('LVS-DR over IPv6 (embedded)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up(dr6(), { backend: 'embedded', directors: { ds1: { ipvsadm: [`-A -t [${VIP}]:80 -s rr`, `-a -t [${VIP}]:80 -r [2001:db8::101]:80 -g`, `-a -t [${VIP}]:80 -r [2001:db8::102]:80 -g`] } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('only the director answers neighbour solicitations for the VIP; the real servers keep it on lo', async () => {
    // a fresh neighbour entry: the client resolves the VIP now
    await lab.client.exec(`ip -6 neigh flush dev eth0`);
    await lab.client.exec(`ping -6 -c 1 -W 2 ${VIP}`);
    const neigh = (await lab.client.exec(`ip -6 neigh show ${VIP} dev eth0`)).stdout;
    const ds1Mac = (await lab.director('ds1').exec('cat /sys/class/net/eth0/address')).stdout.trim();
    expect(neigh).toContain(`lladdr ${ds1Mac}`);
    for (const rs of lab.reals) expect((await rs.exec('ip -6 -o addr show dev lo')).stdout).toContain(`${VIP}/128`);
  });

  it('HTTP through the VIP reaches both real servers, which answer the client directly from the VIP', async () => {
    const run = await lab.client.http(`http://[${VIP}]/`, { count: 4 });
    expect(run.failed).toBe(0);
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    for (const rs of lab.reals) {
      const seen = await rs.httpRequests();
      expect(new Set(seen.map((r) => r.localAddress))).toEqual(new Set([VIP]));
      expect(new Set(seen.map((r) => r.remoteAddress))).toEqual(new Set(['2001:db8::100']));
    }
    const lines = (await lab.director('ds1').ipvsadm('-Ln')).text.split('\n');
    expect(lines[4]).toMatch(/^ {2}-> \[2001:db8::101\]:80 {11}Route {3}1 /);
  });
});
