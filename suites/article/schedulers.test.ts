// Weighted and dynamic schedulers on live traffic through the embedded director: wrr 3:1, wlc with
// a slow real server, sh stickiness per client address, and LVS-DR on the `dr` preset, per packet and
// with offload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { up, type LvsLab } from '../../src/api/up.js';
import { expectOneArmDrOffload } from './helpers/offload.js';
import { VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';

const URL = `http://${VIP}/`;

/** An HTTP server answering like the lab's real servers (identity page), each response `delayMs` late. */
function slowServer(identity: string, delayMs: number): string {
  return `require('node:http').createServer((q, s) => setTimeout(() => s.end('<html><body><h1>${identity}</h1></body></html>\\n'), ${delayMs})).listen(80, '0.0.0.0');
setTimeout(() => process.exit(0), 120000);`;
}

describe('schedulers on live traffic (embedded, article-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: [] } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('wrr with weights 3:1 sends three connections to RS1 for each to RS2', async () => {
    const ds = lab.director('ds1');
    for (const l of [`-A -t ${VIP}:80 -s wrr`, `-a -t ${VIP}:80 -r 10.0.0.101:80 -m -w 3`, `-a -t ${VIP}:80 -r 10.0.0.102:80 -m -w 1`]) await ds.ipvsadm(l);
    try {
      const run = await lab.client.http(URL, { count: 16 });
      expect(run.failed).toBe(0);
      expect(run.counts).toEqual({ RS1: 12, RS2: 4 });
      expect(run.records).toMatchWeights({ RS1: 3, RS2: 1 });
    } finally {
      await ds.ipvsadm(`-D -t ${VIP}:80`);
    }
  });

  it('sh keeps each client address on one real server, and spreads the addresses', async () => {
    const ds = lab.director('ds1');
    for (const l of [`-A -t ${VIP}:80 -s sh`, `-a -t ${VIP}:80 -r 10.0.0.101:80 -m`, `-a -t ${VIP}:80 -r 10.0.0.102:80 -m`]) await ds.ipvsadm(l);
    try {
      // curl --interface binds each source address (the agent's HTTP probe does not bind it yet)
      const byAddr = new Map<string, Set<string>>();
      const extras = lab.lab.client.extraAddresses;
      expect(extras.length).toBeGreaterThanOrEqual(4);
      for (let round = 0; round < 3; round++) {
        for (const a of extras) {
          const r = await lab.client.exec(['curl', '-s', '-m', '2', '--interface', a, URL]);
          const server = /<h1>([^<]+)<\/h1>/.exec(r.stdout)?.[1] ?? 'none';
          byAddr.set(a, (byAddr.get(a) ?? new Set()).add(server));
        }
      }
      for (const [a, servers] of byAddr) expect([a, [...servers]]).toEqual([a, [expect.stringMatching(/^RS[12]$/)]]);
      expect(new Set([...byAddr.values()].map((s) => [...s][0])).size).toBe(2);
      // the real servers saw those addresses (NAT keeps the source), not the client's first one
      const seen = new Set((await lab.httpRequests()).map((r) => r.request.remoteAddress.replace(/^::ffff:/, '')));
      for (const a of extras) expect(seen.has(a)).toBe(true);
    } finally {
      await ds.ipvsadm(`-D -t ${VIP}:80`);
    }
  });

  it('wlc sends new connections away from a slow real server holding active connections', async () => {
    const ds = lab.director('ds1');
    for (const l of [`-A -t ${VIP}:80 -s wlc`, `-a -t ${VIP}:80 -r 10.0.0.101:80 -m`, `-a -t ${VIP}:80 -r 10.0.0.102:80 -m`]) await ds.ipvsadm(l);
    const rs1 = lab.real('rs1');
    await rs1.kill();
    const slow = await lab.lab.host('rs1').spawn(['node', '-e', slowServer('RS1', 400)], { logName: 'rs1-slow-http' });
    try {
      // wait until the slow server answers (from the director, inside the lab)
      for (let i = 0; i < 50; i++) {
        const r = await lab.director('ds1').exec(['curl', '-s', '-m', '2', 'http://10.0.0.101/'], { check: false });
        if (r.stdout.includes('<h1>RS1</h1>')) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const run = await lab.client.http(URL, { count: 30, concurrency: 6, timeoutMs: 3000 });
      expect(run.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
      expect(run.counts.RS1).toBeGreaterThan(0);
      expect(run.counts.RS2).toBeGreaterThanOrEqual(3 * run.counts.RS1);
    } finally {
      slow.kill('SIGKILL');
      await slow.exited;
      await rs1.start();
      await ds.ipvsadm(`-D -t ${VIP}:80`);
    }
  });
});

describe('LVS-DR on the dr preset (embedded)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('dr', {
      backend: 'embedded',
      directors: { ds1: { ipvsadm: [`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 192.168.1.101:80 -g`, `-a -t ${VIP}:80 -r 192.168.1.102:80 -g`] } },
    });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('forwards unchanged to the real servers in rr order; replies go straight to the client', async () => {
    const run = await lab.client.http(URL, { count: 4 });
    expect(run.failed).toBe(0);
    expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
    for (const rs of lab.reals) {
      const seen = await rs.httpRequests();
      expect(seen.map((r) => [r.remoteAddress.replace(/^::ffff:/, ''), r.localAddress.replace(/^::ffff:/, '')])).toEqual([
        ['192.168.1.100', VIP],
        ['192.168.1.100', VIP],
      ]);
    }
  });

  it('-Ln shows Route forwarding; -Lnc shows the connections the director saw one way only', async () => {
    const t = await lab.director('ds1').services();
    expect(t.services[0].dests.map((d) => d.forward)).toEqual(['Route', 'Route']);
    const conns = await lab.director('ds1').connections();
    expect(conns).toHaveLength(4);
    // DR uses the INPUT_ONLY table: the client's FIN moves ESTABLISHED to FIN_WAIT (2 minutes)
    for (const c of conns) {
      expect(['FIN_WAIT', 'TIME_WAIT', 'CLOSE']).toContain(c.state);
      expect(c.expiresIn).toBeLessThanOrEqual(120);
    }
  });
});

describe('LVS-DR on the dr preset with offload (embedded)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('dr', {
      backend: 'embedded',
      directors: { ds1: { dataplane: 'offload', ipvsadm: [`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 192.168.1.101:80 -g`, `-a -t ${VIP}:80 -r 192.168.1.102:80 -g`] } },
    });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('every connection completes: the segments conntrack calls invalid after the SYN (it never sees the SYN-ACK) are routed by the core', async () => {
    await expectOneArmDrOffload(lab, URL);
    // so the connection table follows them as per packet: the client's FIN seen
    const conns = await lab.director('ds1').connections();
    expect(conns).toHaveLength(4);
    for (const c of conns) expect(['FIN_WAIT', 'TIME_WAIT', 'CLOSE']).toContain(c.state);
  });
});
