// What a UDP service keeps of a flood: the newest peers' files within UDP_KEEP, the rest counted.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UDP_KEEP, UdpPeerFiles } from './servers.js';

describe('UdpPeerFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-udp-'));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a file per peer, in arrival order, private to root', async () => {
    const f = new UdpPeerFiles(9999, join(dir, 'udp-9999'));
    f.add('10.0.0.1', 40000, Buffer.from('a'));
    f.add('10.0.0.2', 40001, Buffer.from('x'));
    f.add('10.0.0.1', 40000, Buffer.from('b'));
    expect(await readFile(join(dir, 'udp-9999', '10.0.0.1_40000'), 'utf8')).toBe('ab');
    expect(f.records().map((p) => [p.peerPort, p.datagrams, p.bytes])).toEqual([[40000, 2, 2], [40001, 1, 1]]);
    expect((await stat(join(dir, 'udp-9999'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'udp-9999', '10.0.0.1_40000'))).mode & 0o777).toBe(0o600);
  });

  it('is bounded by default: a flood from 3000 source ports leaves at most UDP_KEEP.peers files', async () => {
    const f = new UdpPeerFiles(9999, join(dir, 'udp-9999'));
    for (let i = 0; i < 3000; i++) f.add('192.168.1.100', 20000 + i, Buffer.from(`probe ${i}\n`));
    f.flush();
    const files = await readdir(join(dir, 'udp-9999'));
    expect(files.length).toBe(UDP_KEEP.peers + 1); // + dropped.json
    expect(f.records()).toHaveLength(UDP_KEEP.peers);
    expect(f.records()[0].peerPort).toBe(20000 + 3000 - UDP_KEEP.peers); // the newest kept
    expect(JSON.parse(await readFile(join(dir, 'udp-9999', 'dropped.json'), 'utf8'))).toMatchObject({ peers: 3000 - UDP_KEEP.peers, datagrams: 3000 - UDP_KEEP.peers });
  });

  it('drops the oldest peers to stay within the byte budget; one peer past it stops being written', async () => {
    const f = new UdpPeerFiles(7777, join(dir, 'u'), { peers: 10, bytes: 100 });
    const forty = Buffer.alloc(40, 1);
    f.add('10.0.0.1', 1, forty);
    f.add('10.0.0.2', 2, forty);
    f.add('10.0.0.3', 3, forty); // 120 > 100: peer 1 goes
    expect(f.records().map((p) => p.peerPort)).toEqual([2, 3]);
    expect(f.dropped).toEqual({ peers: 1, datagrams: 1, bytes: 40 });
    f.add('10.0.0.3', 3, forty); // peer 2 goes, peer 3 holds 80
    f.add('10.0.0.3', 3, forty); // 120 bytes from one peer: this datagram is not kept
    expect(f.records().map((p) => [p.peerPort, p.bytes])).toEqual([[3, 120]]);
    expect((await readFile(join(dir, 'u', '10.0.0.3_3'))).length).toBe(80);
    expect(f.dropped).toEqual({ peers: 2, datagrams: 3, bytes: 120 });
    expect(await readdir(join(dir, 'u'))).not.toContain('10.0.0.1_1');
  });
});
