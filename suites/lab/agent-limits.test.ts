// A real server's UDP service under a flood from thousands of source ports keeps a bounded number of
// per-peer files (the newest), counts what it dropped, and still serves.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { UDP_KEEP } from '../../src/lab/agent/servers.js';

describe('UDP agent under a flood of source ports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('article-single');
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it(`keeps at most ${UDP_KEEP.peers} peers' files, counting the dropped ones`, async () => {
    // From ds1, which sits on RS1's segment: 3000 datagrams, each from a fresh source port.
    const ds1 = await lab.host('ds1').agent();
    const sent = await ds1.udp('10.0.0.101', { port: 9999, count: 3000 });
    expect(sent.filter((r) => !r.ok)).toEqual([]);
    const dir = join(lab.runDir, 'hosts', 'rs1', 'udp-9999');
    const rs1 = await lab.host('rs1').agent();
    // dropped.json is written within a second of the first drop
    for (let i = 0; i < 50 && !readdirSync(dir).includes('dropped.json'); i++) await new Promise((r) => setTimeout(r, 100));
    // The last datagrams of the flood may still be arriving (the sender does not wait for every
    // reply): while a new peer replaces the oldest, its file is removed before the new one is
    // written, so read the records and the directory until they agree (at most 5 s).
    const read = async () => ({ peers: await rs1.udpPeers({ port: 9999 }), files: readdirSync(dir).filter((f) => f !== 'dropped.json') });
    let { peers, files } = await read();
    for (let i = 0; i < 50 && peers.length !== files.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ({ peers, files } = await read());
    }
    expect(files.length).toBeLessThanOrEqual(UDP_KEEP.peers);
    expect(peers.length).toBe(files.length);
    const dropped = JSON.parse(readFileSync(join(dir, 'dropped.json'), 'utf8')) as { peers: number };
    expect(dropped.peers + peers.length).toBeGreaterThan(UDP_KEEP.peers); // the flood had more peers than that
    // Still serving, the newest peer included.
    const [again] = await ds1.udp('10.0.0.101', { port: 9999, count: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await rs1.udpPeers({ port: 9999 })).some((p) => p.peerPort === again.localPort)).toBe(true);
  });
});
