// The article's UDP scenario on the embedded backend, one director: files sent like
// `nc -u -w 1 192.168.1.112 9999 < 1.txt` land on different real servers intact; the UDP entries in
// -Lnc; a reused source port sticks to one real server; --ops spreads datagrams one by one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { up, type LvsLab } from '../../src/api/up.js';
import { ARTICLE_UDP, VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';


describe('article UDP (embedded, article-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-article-udp-'));
  const files = [path.join(dir, '1.txt'), path.join(dir, '2.txt')];
  beforeAll(async () => {
    // two different files, several datagrams each (1024-byte chunks), with every byte value
    fs.writeFileSync(files[0], Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)));
    fs.writeFileSync(files[1], 'the second file\n'.repeat(200));
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: ARTICLE_UDP } } });
  });
  afterAll(async () => {
    await lab?.down();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two files from fresh source ports land on different real servers, byte-identical', async () => {
    const run = await lab.client.sendFile(`${VIP}:9999`, files);
    expect(run.deliveries.map((d) => d.intact)).toEqual([true, true]);
    expect(run.deliveries.map((d) => d.server)).toEqual(['RS2', 'RS1']);
    expect(run.deliveries.map((d) => d.receivedBytes)).toEqual([3000, 16 * 200]);
  });

  it('-Lnc shows a UDP entry to each real server, expiring within 5 minutes', async () => {
    const conns = await lab.director('ds1').connections();
    const udp = conns.filter((c) => c.proto === 'UDP');
    expect(udp).toHaveLength(2);
    expect(new Set(udp.map((c) => c.destination.addr))).toEqual(new Set(['10.0.0.101', '10.0.0.102']));
    for (const c of udp) {
      expect(c.state).toBe('UDP');
      expect(c.expiresIn).toBeLessThan(300);
      expect(c.expiresIn).toBeGreaterThan(240);
      expect(c.expire).toMatch(/^0[0-4]:\d\d$/);
    }
  });

  it('datagrams reusing one source port stick to one real server', async () => {
    const run = await lab.client.udp(`${VIP}:9999`, { count: 6, sourcePort: 40000, intervalMs: 20 });
    expect(run.failed).toBe(0);
    expect(new Set(run.sequence).size).toBe(1);
    expect(run.records).toStickBy('source');
  });

  it('--ops schedules every datagram on its own: one source port reaches both real servers', async () => {
    await lab.director('ds1').ipvsadm(`-E -u ${VIP}:9999 -s rr -o`);
    expect((await lab.director('ds1').services()).services[0].ops).toBe(true);
    const before = (await lab.director('ds1').connections()).filter((c) => c.client.port === 40001).length;
    const run = await lab.client.udp(`${VIP}:9999`, { count: 6, sourcePort: 40001, intervalMs: 20 });
    expect(run.failed).toBe(0);
    expect(run.counts).toEqual({ RS1: 3, RS2: 3 });
    // one-packet connections are not kept in the table
    expect((await lab.director('ds1').connections()).filter((c) => c.client.port === 40001).length).toBe(before);
  });
});
