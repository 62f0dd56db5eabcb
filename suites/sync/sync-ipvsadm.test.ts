// IPVS connection sync between the article's two embedded directors, started by hand with
// `ipvsadm --start-daemon master|backup`: the backup's -Lnc lists the master's
// established TCP connections; single-datagram UDP flows and half-open connections are not synced;
// `ipvsadm -L --daemon` prints the daemons. No VRRP here: DS1 holds the VIP and DIP by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type LvsLab } from '../../src/api/up.js';
import { keepAliveClient, type KeepAliveReport } from './helpers/keepalive.js';
import { needs, probe } from '../../test/capabilities.js';

const VIP = '192.168.1.112';
const DIP = '10.0.0.105';
const SERVICES = [
  `-A -t ${VIP}:80 -s rr`,
  `-a -t ${VIP}:80 -r 10.0.0.101:80 -m -w 1`,
  `-a -t ${VIP}:80 -r 10.0.0.102:80 -m -w 1`,
  `-A -u ${VIP}:9999 -s rr`,
  `-a -u ${VIP}:9999 -r 10.0.0.101:9999 -m -w 1`,
  `-a -u ${VIP}:9999 -r 10.0.0.102:9999 -m -w 1`,
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

describe('connection sync started with ipvsadm (embedded, article lab)', needs(await probe.root()), () => {
  let lab: LvsLab;

  beforeAll(async () => {
    lab = await up('article', { backend: 'embedded', directors: { ds1: { ipvsadm: SERVICES }, ds2: { ipvsadm: SERVICES } } });
    // DS1 is the active director: it holds the VIP and the real servers' gateway
    await lab.director('ds1').exec(['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
    await lab.director('ds1').exec(['ip', 'addr', 'add', `${DIP}/24`, 'dev', 'eth1']);
    await lab.director('ds1').ipvsadm('--start-daemon', 'master', '--mcast-interface', 'eth0', '--syncid', '51');
    await lab.director('ds2').ipvsadm('--start-daemon', 'backup', '--mcast-interface', 'eth0', '--syncid', '51');
  }, 120_000);

  afterAll(async () => {
    await lab?.down();
  });

  it('ipvsadm -L --daemon shows each director its daemon, as ipvsadm prints it', async () => {
    expect((await lab.director('ds1').ipvsadm('-L', '--daemon')).text).toBe(
      'master sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n',
    );
    expect((await lab.director('ds2').ipvsadm('-L', '--daemon')).text).toBe(
      'backup sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n',
    );
    // a second master is refused as the kernel refuses it
    const again = await lab.director('ds1').ipvsadm('--start-daemon', 'master', '--mcast-interface', 'eth0', { check: false });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toBe('Daemon has already run\n');
  });

  it("the backup's -Lnc lists the master's established TCP connection; single UDP datagrams are not synced", async () => {
    // one long-lived keep-alive connection (request every 200 ms for 8 s) ...
    const client = lab.client.exec(['node', '-e', keepAliveClient(VIP, 200, 8000)], { timeoutMs: 30_000 });
    // ... and three single-datagram UDP flows (fresh source port each)
    const udp = await lab.client.udp(`${VIP}:9999`, { count: 3 });
    expect(udp.records).toHaveLength(3);

    const master = await waitFor('the keep-alive connection on DS1', async () => {
      const rows = await lab.director('ds1').connections();
      return rows.find((r) => r.proto === 'TCP' && r.state === 'ESTABLISHED' && r.virtual.port === 80) ? rows : undefined;
    }, 10_000);
    const est = master.find((r) => r.proto === 'TCP' && r.state === 'ESTABLISHED')!;
    expect(master.filter((r) => r.proto === 'UDP')).toHaveLength(3);

    // the master sends a partly filled buffer once it is 2 s old: allow up to its 1 s poll more
    const backup = await waitFor('the connection on DS2', async () => {
      const rows = await lab.director('ds2').connections();
      return rows.some((r) => r.proto === 'TCP' && r.client.port === est.client.port) ? rows : undefined;
    }, 6_000);
    const synced = backup.find((r) => r.proto === 'TCP' && r.client.port === est.client.port)!;
    expect(synced.state).toBe('ESTABLISHED');
    expect(synced.client).toEqual(est.client);
    expect(synced.virtual).toEqual(est.virtual);
    expect(synced.destination).toEqual(est.destination);
    // the ESTABLISHED timeout (15 min) came across, not the UDP or a default one
    expect(synced.expiresIn).toBeGreaterThan(800);
    expect(backup.filter((r) => r.proto === 'UDP')).toEqual([]);
    // ActiveConn on the backup mirrors the master (the INACTIVE flag is carried)
    const t = await lab.director('ds2').services();
    const tcp = t.services.find((s) => s.proto === 'TCP')!;
    expect(tcp.dests.reduce((n, d) => n + d.activeConn, 0)).toBeGreaterThanOrEqual(1);

    const report = JSON.parse((await client).stdout) as KeepAliveReport;
    expect(report.error).toBeUndefined();
    expect(report.answers.length).toBeGreaterThan(10);
  });

  it('a connection that never completes its handshake is not synced (SYN_RECV)', async () => {
    // a SYN to the VIP from a raw client port, never answered by the client's ACK: bash's /dev/tcp
    // would complete the handshake, so drop the client's outgoing ACKs to the VIP for this port
    const port = 47123;
    const c = lab.client;
    await c.exec(['iptables', '-w', '-A', 'OUTPUT', '-p', 'tcp', '--sport', String(port), '--tcp-flags', 'SYN,ACK', 'ACK', '-j', 'DROP']);
    try {
      await c.exec(['node', '-e', `const s=require('net').connect({host:'${VIP}',port:80,localPort:${port}});s.on('error',()=>{});setTimeout(()=>process.exit(0),1500)`], { timeoutMs: 10_000, check: false });
      const rows = await lab.director('ds1').connections();
      expect(rows.find((r) => r.client.port === port)?.state).toBe('SYN_RECV');
      await sleep(3500);
      expect((await lab.director('ds2').connections()).find((r) => r.client.port === port)).toBeUndefined();
    } finally {
      await c.exec(['iptables', '-w', '-D', 'OUTPUT', '-p', 'tcp', '--sport', String(port), '--tcp-flags', 'SYN,ACK', 'ACK', '-j', 'DROP'], { check: false });
    }
  });

  it('a backup with another syncid ignores the master', async () => {
    await lab.director('ds2').ipvsadm('--stop-daemon', 'backup');
    await lab.director('ds2').ipvsadm('--start-daemon', 'backup', '--mcast-interface', 'eth0', '--syncid', '52');
    const before = new Set((await lab.director('ds2').connections()).map((r) => r.client.port));
    const client = lab.client.exec(['node', '-e', keepAliveClient(VIP, 200, 4500)], { timeoutMs: 30_000 });
    const report = JSON.parse((await client).stdout) as KeepAliveReport;
    expect(report.answers.length).toBeGreaterThan(5);
    const after = await lab.director('ds2').connections();
    expect(after.filter((r) => r.client.port === report.localPort && !before.has(r.client.port))).toEqual([]);
    // and the master did have it
    expect((await lab.director('ds1').connections()).some((r) => r.client.port === report.localPort)).toBe(true);
  });
});
