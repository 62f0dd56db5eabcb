// The one-director article lab with forwarding on: routing through the static DIP/VIP, and the
// agents' services and probes (no load balancer: the client talks to each real server directly,
// the director only routes).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type AgentClient, type Lab } from '../../src/lab/index.js';
import { needs, probe } from '../../test/capabilities.js';

describe('article-single lab', needs(await probe.root()), () => {
  let lab: Lab;
  let client: AgentClient;
  let scratch: string;
  beforeAll(async () => {
    lab = await buildLab('article-single');
    // Reach the real servers through DS1 (which forwards): client -> 192.168.1.112 -> 10.0.0.0/24.
    await lab.client.exec(['ip', 'route', 'add', '10.0.0.0/24', 'via', '192.168.1.112']);
    client = await lab.client.agent();
    scratch = await mkdtemp(join(tmpdir(), 'lvslab-suite-'));
  });
  afterAll(async () => {
    await lab?.teardown();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('RS1 reaches the client through 10.0.0.105', async () => {
    const route = (await lab.host('rs1').exec(['ip', 'route', 'get', '192.168.1.100'])).stdout;
    expect(route).toMatch(/192\.168\.1\.100 via 10\.0\.0\.105 dev eth0/);
    const ping = await lab.host('rs1').exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '192.168.1.100'], { check: false });
    expect(ping.stdout).toMatch(/2 packets transmitted, 2 received/);
    // TTL 63: one router (DS1) between them.
    expect(ping.stdout).toMatch(/ttl=63/);
  });

  it('real servers answer HTTP with their identity and record the client they saw', async () => {
    const [r1] = await client.http('10.0.0.101');
    const [r2] = await client.http('10.0.0.102');
    expect(r1).toMatchObject({ ok: true, status: 200, server: 'RS1', body: '<html><body><h1>RS1</h1></body></html>\n' });
    expect(r2).toMatchObject({ ok: true, server: 'RS2' });
    const seen = await (await lab.host('rs1').agent()).httpRequests({ clear: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ remoteAddress: '192.168.1.100', remotePort: r1.localPort, method: 'GET', url: '/' });
  });

  it('uses a fresh connection per request unless asked for keep-alive', async () => {
    const fresh = await client.http('10.0.0.101', { count: 5, concurrency: 2 });
    expect(fresh.every((r) => r.ok && r.server === 'RS1')).toBe(true);
    expect(new Set(fresh.map((r) => r.localPort)).size).toBe(5);
    const rs1 = await lab.host('rs1').agent();
    await rs1.httpRequests({ clear: true });
    const kept = await client.http('10.0.0.101', { count: 5, keepAlive: true });
    expect(kept.every((r) => r.ok)).toBe(true);
    const ports = new Set((await rs1.httpRequests({ clear: true })).map((r) => r.remotePort));
    expect(ports.size).toBe(1);
  });

  it('sends from the extra client addresses', async () => {
    const rs2 = await lab.host('rs2').agent();
    await rs2.httpRequests({ clear: true });
    const res = await client.http('10.0.0.102', { count: 3, localAddress: ['192.168.1.150', '192.168.1.151', '192.168.1.152'] });
    expect(res.map((r) => r.localAddress)).toEqual(['192.168.1.150', '192.168.1.151', '192.168.1.152']);
    expect((await rs2.httpRequests()).map((r) => r.remoteAddress)).toEqual(['192.168.1.150', '192.168.1.151', '192.168.1.152']);
  });

  it('reports an error, not a hang, for a server that is not there', async () => {
    const [r] = await client.http('10.0.0.101', { port: 81, timeoutMs: 1000 });
    expect(r).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    expect(r.server).toBeUndefined();
  });

  it('UDP: a file sent like nc -u lands in a per-peer file on the real server', async () => {
    const file = join(scratch, 'file.txt');
    const content = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('');
    await writeFile(file, content);
    const sent = await client.udpFile('10.0.0.102', file, { waitMs: 200 });
    expect(sent).toMatchObject({ bytes: content.length, datagrams: Math.ceil(content.length / 1024), localAddress: '0.0.0.0' });
    const peers = await (await lab.host('rs2').agent()).udpPeers({ port: 9999 });
    const mine = peers.find((p) => p.peerPort === sent.localPort);
    expect(mine).toMatchObject({ peerAddress: '192.168.1.100', bytes: content.length, datagrams: sent.datagrams });
    expect(await readFile(mine!.file, 'utf8')).toBe(content);
  });

  it('UDP: fresh source port per datagram, or a fixed one; echo names the server', async () => {
    const rs1 = await lab.host('rs1').agent();
    await rs1.serve({ protocol: 'udp', port: 7777, echo: 'identity' });
    const fresh = await client.udp('10.0.0.101', { port: 7777, count: 3, waitReply: true });
    expect(fresh.map((r) => r.server)).toEqual(['RS1', 'RS1', 'RS1']);
    expect(new Set(fresh.map((r) => r.localPort)).size).toBe(3);
    const fixed = await client.udp('10.0.0.101', { port: 7777, count: 3, sourcePort: 40123, waitReply: true });
    expect(fixed.map((r) => [r.localPort, r.server])).toEqual([[40123, 'RS1'], [40123, 'RS1'], [40123, 'RS1']]);
    const peers = (await rs1.udpPeers({ port: 7777 })).filter((p) => p.peerPort === 40123);
    expect(peers).toHaveLength(1);
    expect(peers[0].datagrams).toBe(3);
    const [silent] = await client.udp('10.0.0.102', { port: 7777, waitReply: true, timeoutMs: 300 });
    expect(silent).toMatchObject({ ok: false, error: 'timeout' });
  });

  it('probeContinuously returns a timeline naming who answered when', async () => {
    const tl = await client.probeContinuously('10.0.0.102', { everyMs: 50, forMs: 500 });
    expect(tl.probes).toHaveLength(10);
    expect(tl.probes.every((p) => p.ok && p.server === 'RS2')).toBe(true);
    const ts = tl.probes.map((p) => p.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    // the 10th probe leaves 9 intervals after the first (10 ms for a timer's rounding and the first send)
    expect(ts[9]).toBeGreaterThanOrEqual(9 * 50 - 10);
  });

  it('rejects unbounded probe loops with a clear error', async () => {
    await expect(client.http('10.0.0.101', { count: 1_000_000 })).rejects.toThrow(/count must be between 1 and 10000/);
    await expect(client.probeContinuously('10.0.0.101', { everyMs: 1, forMs: 100 })).rejects.toThrow(/everyMs must be between 5/);
  });
});
