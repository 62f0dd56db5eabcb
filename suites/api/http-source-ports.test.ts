// HTTP probes from a chosen source address and port, seen from the real servers' side, and what a
// fixed source port does to the second fresh connection: the client still holds the first one's
// 4-tuple in TIME_WAIT, so connect() fails at once (EADDRNOTAVAIL) unless tcp_tw_reuse lets it through —
// and then IPVS (conn_reuse_mode=1) reschedules the SYN that hit its TIME_WAIT entry.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type LvsLab } from '../../src/api/index.js';
import { needs, probe } from '../../test/capabilities.js';

const VIP = '192.168.1.112';
const RR = [`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 10.0.0.101:80 -m`, `-a -t ${VIP}:80 -r 10.0.0.102:80 -m`];

describe('HTTP probes: source address and source port', needs(await probe.root()), () => {
  let lab: LvsLab | undefined;
  const the = (): LvsLab => lab ?? expect.unreachable('the lab did not come up');

  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: RR } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('every extra client address reaches the real servers as itself', async () => {
    const extras = the().client.host.extraAddresses;
    expect(extras.length).toBeGreaterThan(1);
    const since = Date.now();
    const run = await the().client.http(VIP, { count: extras.length, localAddress: 'extra' });
    expect(run.failed).toBe(0);
    const seen = (await the().httpRequests(since)).map((r) => r.request.remoteAddress).sort();
    expect(seen).toEqual([...extras].sort());
    expect(seen).not.toContain(the().client.address);
  });

  it('the real server records the chosen extra address and source ports', async () => {
    const extra = the().client.host.extraAddresses[3];
    const since = Date.now();
    const run = await the().client.http(VIP, { count: 2, localAddress: extra, sourcePorts: [41001, 41002] });
    expect(run.failed).toBe(0);
    expect(run.records.map((r) => r.source)).toEqual([
      { addr: extra, port: 41001 },
      { addr: extra, port: 41002 },
    ]);
    const seen = await the().httpRequests(since);
    expect(seen.map((s) => `${s.request.remoteAddress}:${s.request.remotePort}`).sort()).toEqual([`${extra}:41001`, `${extra}:41002`]);
    // each record names the server that recorded that very source port
    for (const r of run.records) expect(seen.find((s) => s.request.remotePort === r.source?.port)?.server).toBe(r.server);
    const conns = await the().director().connections();
    expect(conns.some((c) => c.proto === 'TCP' && c.client.addr === extra && c.client.port === 41001)).toBe(true);
  });

  it('a fixed source port: the next fresh connection meets TIME_WAIT and says so at once', async () => {
    const timeoutMs = 5000;
    const t0 = performance.now();
    const run = await the().client.http(VIP, { count: 2, sourcePorts: 41010, timeoutMs });
    expect(run.raw[0]).toMatchObject({ ok: true, localPort: 41010 });
    expect(run.raw[1]).toMatchObject({ localPort: 41010 });
    // Two outcomes, both Linux TCP as specified (docs/lab.md), decided by whether the first
    // connection's close (the probe's FIN, the server's FIN, through the director) has finished when
    // the second connect() from the same port comes:
    // - not yet (the usual case): the old socket still holds the 4-tuple, connect() fails at once
    //   with EADDRNOTAVAIL, and the client's socket then settles in TIME_WAIT;
    // - finished: the socket is in TIME_WAIT, which Linux hands over to a connect() from an explicitly
    //   bound port when the old connection carried TCP timestamps (tcp_twsk_unique; PAWS keeps the two
    //   apart), so the SYN goes out, IPVS (conn_reuse_mode=1) expires its entry of the old connection
    //   and schedules afresh: rr answers from the other real server.
    if (!run.raw[1].ok) {
      console.log(`fixed source port: the first connection was still closing, so the second connect() failed at once: ${run.raw[1].error}`);
      expect(run.raw[1].error).toMatch(/^EADDRNOTAVAIL: source \*:41010 -> 192\.168\.1\.112:80 is still taken \(TIME_WAIT/);
      const tw = await the().client.exec(['ss', '-Htn', 'state', 'time-wait', 'sport', '= :41010']);
      expect(tw.stdout).toContain(`${VIP}:80`);
    } else {
      console.log(`fixed source port: the first connection had closed (TIME_WAIT), Linux reused it for the second connect(), and IPVS rescheduled it: ${run.raw[0].server} then ${run.raw[1].server}`);
      expect(run.raw[1].server).toMatch(/^RS[12]$/);
      expect(run.raw[1].server).not.toBe(run.raw[0].server);
    }
    // never a hang: both requests together took less than one probe timeout
    expect(performance.now() - t0).toBeLessThan(timeoutMs);
    // keep-alive: both requests ride the first connection from that port, so one server answers both
    const kept = await the().client.http(VIP, { count: 2, keepAlive: true, sourcePorts: 41011 });
    expect(kept.failed).toBe(0);
    expect(new Set(kept.sequence).size).toBe(1);
  });

  it('with tcp_tw_reuse the port is reused, and IPVS reschedules the SYN that hit its TIME_WAIT entry', async () => {
    const client = the().client;
    await client.exec(['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']);
    try {
      const first = await client.http(VIP, { sourcePorts: 41020 });
      expect(first.failed).toBe(0);
      await sleep(1100); // tcp_tw_reuse wants the TIME_WAIT's last timestamp over a second old
      const conns = await the().director().connections();
      const entry = conns.find((c) => c.proto === 'TCP' && c.client.addr === client.address && c.client.port === 41020);
      expect(entry?.state).toBe('TIME_WAIT');
      const second = await client.http(VIP, { sourcePorts: 41020 });
      expect(second.failed).toBe(0);
      // conn_reuse_mode=1 (the kernel's default): the old entry expires and rr picks the next server
      expect(second.sequence[0]).not.toBe(first.sequence[0]);
    } finally {
      await client.exec(['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=2']);
    }
  });
});
