// The article's TCP scenario on the embedded backend, one director (article-single): LVS-NAT round
// robin on port 80, what the real servers see, what ipvsadm shows, and the article's failure modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { up, type LvsLab } from '../../src/api/up.js';
import { ARTICLE_TCP, VIP, articleVirtualServers, keepAliveScript } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';

const URL = `http://${VIP}/`;

describe('article TCP (embedded, article-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: ARTICLE_TCP } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('HTTP requests alternate RS2, RS1, RS2, RS1 (newest real server first)', async () => {
    const run = await lab.client.http(URL, { count: 4 });
    expect(run.failed).toBe(0);
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    expect(run.records).toBeRoundRobin(['RS1', 'RS2']);
  });

  it('each real server saw the client itself, 192.168.1.100 (NAT keeps the source)', async () => {
    for (const rs of lab.reals) {
      const seen = await rs.httpRequests();
      expect(seen.length).toBe(2);
      expect(new Set(seen.map((r) => r.remoteAddress.replace(/^::ffff:/, '')))).toEqual(new Set(['192.168.1.100']));
    }
  });

  it('-Ln shows the service with both real servers as Masq, weight 1', async () => {
    const out = await lab.director('ds1').ipvsadm('-Ln');
    const lines = out.text.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    ]);
    expect(lines[3]).toBe(`TCP  ${VIP}:80 rr`);
    expect(lines[4]).toMatch(/^ {2}-> 10\.0\.0\.101:80 {16}Masq {4}1 {6}\d+ +\d+ *$/);
    expect(lines[5]).toMatch(/^ {2}-> 10\.0\.0\.102:80 {16}Masq {4}1 {6}\d+ +\d+ *$/);
    const t = out.table;
    expect(t.services).toHaveLength(1);
    expect(t.services[0].dests.map((d) => [d.address, d.forward, d.weight])).toEqual([
      ['10.0.0.101:80', 'Masq', 1],
      ['10.0.0.102:80', 'Masq', 1],
    ]);
  });

  it('-Lnc shows the closed connections in TIME_WAIT with the kernel timeout (2 minutes)', async () => {
    const conns = await lab.director('ds1').connections();
    expect(conns).toHaveLength(4);
    for (const c of conns) {
      expect(c.proto).toBe('TCP');
      expect(c.client.addr).toBe('192.168.1.100');
      expect(`${c.virtual.addr}:${c.virtual.port}`).toBe(`${VIP}:80`);
      expect(c.state).toBe('TIME_WAIT');
      expect(c.expiresIn).toBeLessThanOrEqual(120);
      expect(c.expiresIn).toBeGreaterThan(60);
    }
    expect(conns).toHaveConnection({ destination: '10.0.0.101:80' });
    expect(conns).toHaveConnection({ destination: '10.0.0.102:80' });
  });

  it('--stats counts the connections and both directions of packets', async () => {
    // ipvsadm shows the counters as of the last 2-second estimator run, as the kernel does
    await new Promise((r) => setTimeout(r, 2100));
    const out = await lab.director('ds1').ipvsadm('-Ln', '--stats');
    const svc = out.text.split('\n').find((l) => l.startsWith('TCP  '));
    expect(svc).toBeDefined();
    const [, , conns, inPkts, outPkts] = svc!.trim().split(/\s+/);
    expect(Number(conns)).toBe(4);
    expect(Number(inPkts)).toBeGreaterThanOrEqual(4 * 5);
    expect(Number(outPkts)).toBeGreaterThanOrEqual(4 * 4);
  });

  it('a live connection is ESTABLISHED with 15 minutes to go, and -E ... -s wlc keeps it', async () => {
    const ds = lab.director('ds1');
    const live = lab.client.exec(['node', '-e', keepAliveScript(3500)], { timeoutMs: 15_000, check: false });
    // wait for the script's connection to be up (node starts slowly on a busy machine)
    let est: Awaited<ReturnType<typeof ds.connections>> = [];
    for (let i = 0; i < 30 && est.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      est = (await ds.connections()).filter((c) => c.state === 'ESTABLISHED');
    }
    expect(est).toHaveLength(1);
    expect(est[0].expiresIn).toBeGreaterThan(890);
    expect(est[0].expiresIn).toBeLessThanOrEqual(900);
    await ds.ipvsadm(`-E -t ${VIP}:80 -s wlc`);
    expect((await ds.services()).services[0].scheduler).toBe('wlc');
    const r = await live;
    const seen = JSON.parse(r.stdout.trim()) as string[];
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
  });

  it("with a real server's default gateway removed its connections fail (SYN_RECV), the other's work", async () => {
    const rs1 = lab.real('rs1');
    await rs1.exec('ip route del default');
    try {
      // back to rr so the sequence is known: RS2 first (newest), then RS1
      await lab.director('ds1').ipvsadm(`-E -t ${VIP}:80 -s rr`);
      const run = await lab.client.http(URL, { count: 4, timeoutMs: 1000 });
      expect(run.counts.RS1 ?? 0).toBe(0);
      expect(run.counts.RS2).toBe(2);
      expect(run.failed).toBe(2);
      expect(await lab.director('ds1').connections()).toHaveConnection({ state: 'SYN_RECV', destination: '10.0.0.101:80' });
    } finally {
      await rs1.exec('ip route add default via 10.0.0.105');
    }
  });

  it('-D removes the service and traffic stops', async () => {
    const ds = lab.director('ds1');
    await ds.ipvsadm(`-D -t ${VIP}:80`);
    expect((await ds.services()).services).toHaveLength(0);
    const run = await lab.client.http(URL, { count: 2, timeoutMs: 1000 });
    expect(run.failed).toBe(2);
    const status = await ds.ipvsadm(`-Ln`);
    expect(status.text.split('\n').filter((l) => l.startsWith('TCP'))).toEqual([]);
  });
});

describe("article TCP configured by the article's keepalived.conf virtual_server blocks", needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { keepalivedConf: articleVirtualServers() } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('sets up both services as the file says and balances TCP RS2, RS1, ...', async () => {
    const t = (await lab.director('ds1').services()).services;
    expect(t.map((s) => `${s.proto} ${s.address} ${s.scheduler}`)).toEqual([`TCP ${VIP}:80 rr`, `UDP ${VIP}:9999 rr`]);
    for (const s of t) expect(s.dests.map((d) => `${d.forward} ${d.weight}`)).toEqual(['Masq 1', 'Masq 1']);
    const run = await lab.client.http(URL, { count: 4 });
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  });
});
