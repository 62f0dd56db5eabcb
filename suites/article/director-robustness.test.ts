// What real traffic does to the embedded director: a full queue (counted, reported, recovered), ICMP
// errors from a real server (translated back to the client), a real server vanishing, and a daemon
// killed with SIGKILL and started again (its leftover rules cleared).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { openEmbeddedBackend, type EmbeddedSession } from '../../src/lb/director/backend.js';
import { ARTICLE_TCP, ARTICLE_UDP, VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';


const UDP_BURST = (n: number, port: number) => `
const d = require('node:dgram').createSocket('udp4');
let i = 0;
const next = () => { if (i++ >= ${n}) return d.close(); d.send('x', ${port}, '${VIP}', next); };
next();`;

const UDP_REFUSED = `
const d = require('node:dgram').createSocket('udp4');
d.connect(7777, '${VIP}', () => d.send('anyone?'));
d.on('error', (e) => { console.log(e.code); process.exit(0); });
d.on('message', () => { console.log('answered'); process.exit(0); });
setTimeout(() => { console.log('silence'); process.exit(0); }, 2000);`;

async function curlServer(lab: Lab): Promise<string> {
  const r = await lab.client.exec(['curl', '-s', '-m', '2', `http://${VIP}/`], { check: false });
  return /<h1>([^<]+)<\/h1>/.exec(r.stdout)?.[1] ?? `curl exit ${r.exitCode}`;
}

describe('embedded director under adverse traffic (article-single)', needs(await probe.root()), () => {
  let lab: Lab;
  let session: EmbeddedSession;
  beforeAll(async () => {
    lab = await buildLab('article-single');
    session = openEmbeddedBackend(lab, { daemon: { queueMaxlen: 32 } });
    await session.startDirector('ds1', { ipvsadm: [...ARTICLE_TCP, ...ARTICLE_UDP, `-A -u ${VIP}:7777 -s rr`, `-a -u ${VIP}:7777 -r 10.0.0.101:7777 -m`] });
  });
  afterAll(async () => {
    await session?.close();
    await lab?.teardown();
  });

  it('a full queue drops, is counted in status, and the daemon carries on', async () => {
    const pid = session.pidOf('ds1')!;
    process.kill(pid, 'SIGSTOP');
    try {
      await lab.client.exec(['node', '-e', UDP_BURST(300, 9999)], { timeoutMs: 10_000 });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const st = await session.status('ds1');
    expect(st.kernelQueue).not.toBeNull();
    expect(st.kernelQueue!.queueDropped).toBeGreaterThan(200);
    expect(await curlServer(lab)).toMatch(/^RS[12]$/);
  });

  it("a real server's ICMP port unreachable reaches the client as connection refused", async () => {
    const r = await lab.client.exec(['node', '-e', UDP_REFUSED], { timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('ECONNREFUSED');
    expect((await session.status('ds1')).dataplane.icmpNatted).toBeGreaterThan(0);
  });

  it('a real server that vanishes fails its connections only; the director keeps serving', async () => {
    // rs1's interface goes down: its connections time out, rs2's work
    const rs1 = lab.host('rs1');
    await rs1.exec(['ip', 'link', 'set', 'eth0', 'down']);
    try {
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push(await curlServer(lab));
      expect(got.filter((g) => g === 'RS2')).toHaveLength(2);
      expect(got.filter((g) => g.startsWith('curl exit'))).toHaveLength(2);
    } finally {
      await rs1.exec(['ip', 'link', 'set', 'eth0', 'up']);
      await rs1.exec(['ip', 'route', 'replace', 'default', 'via', '10.0.0.105']);
    }
    const st = await session.status('ds1');
    expect(st.dataplane.coreErrors).toBe(0);
    expect(st.rulesError).toBeNull();
  });

  it('SIGKILL leaves the rules behind; a new daemon clears them and serves again', async () => {
    await session.killDirector('ds1');
    const left = await lab.host('ds1').exec(['iptables-save']);
    expect(left.stdout).toContain('LVSLAB_PRE');
    await session.startDirector('ds1', { ipvsadm: ARTICLE_TCP });
    const rules = await lab.host('ds1').exec(['iptables-save', '-t', 'mangle']);
    // one jump from PREROUTING, not two
    expect(rules.stdout.split('\n').filter((l) => l === '-A PREROUTING -j LVSLAB_PRE')).toHaveLength(1);
    const got = [await curlServer(lab), await curlServer(lab)];
    expect(got).toEqual(['RS2', 'RS1']);
  });
});
