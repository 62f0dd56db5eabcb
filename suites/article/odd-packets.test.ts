// Odd packets through the embedded director (article-single): the packet fuzzer's classes
// (test/director/fuzz.ts: truncations, bad lengths and header lengths, IP options, fragments, ICMP
// errors quoting random connections, bad checksums, other protocols and versions, garbage — 27 kinds,
// 8 packets of each) plus a TCP segment to the VIP with each of the 256 flag bytes, sent as raw
// Ethernet frames from the client (test/director/odd-frames.ts), so nothing of the client's stack
// fixes them. The director's kernel drops what ip_rcv rejects; the rest reaches the daemon. Afterwards
// the same daemon still answers and round robin is intact for HTTP and UDP.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/api/vitest.js';
import { up, type LvsLab } from '../../src/api/up.js';
import { controlRequest } from '../../src/lb/director/control.js';
import { directorSocketPath } from '../../src/lb/director/backend.js';
import type { DaemonStatus } from '../../src/lb/director/daemon.js';
import { oddPackets, FUZZ_CLASSES } from '../../test/director/fuzz.js';
import { nodeWithTsx } from '../../test/tsx.js';
import { needs, probe } from '../../test/capabilities.js';
import { ARTICLE_TCP, ARTICLE_UDP, VIP } from './helpers/article.js';

const SENDER = fileURLToPath(new URL('../../test/director/odd-frames.ts', import.meta.url));
const PER_KIND = 8;

describe('odd packets through the embedded director (article-single)', needs(await probe.root()), () => {
  let lab: LvsLab;
  const status = () => controlRequest<DaemonStatus>(directorSocketPath(lab.id, 'ds1'), { op: 'status' }, 10_000);
  beforeAll(async () => {
    lab = await up('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: [...ARTICLE_TCP, ...ARTICLE_UDP] } } });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it(`${FUZZ_CLASSES.length} kinds x ${PER_KIND} and 256 TCP flag bytes: the daemon carries on, round robin intact`, async () => {
    const first = await lab.client.http(`http://${VIP}/`, { count: 2 });
    expect(first.failed).toBe(0);
    // the director's MAC, as the client resolved it for the VIP
    const route = JSON.parse((await lab.client.exec(['ip', '-j', 'route', 'get', VIP])).stdout)[0] as { dev: string };
    const neigh = JSON.parse((await lab.client.exec(['ip', '-j', 'neigh', 'show', VIP, 'dev', route.dev])).stdout) as Array<{ lladdr?: string }>;
    const mac = neigh.find((n) => n.lladdr)?.lladdr;
    expect(mac, `the client has no neighbour entry for ${VIP}`).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const before = await status();
    const packets = oddPackets(76, PER_KIND);
    const sent = await lab.client.exec([...nodeWithTsx(SENDER, route.dev, mac!)], { input: packets.map((p) => p.packet.toString('hex') || '-').join('\n') + '\n', timeoutMs: 60_000 });
    expect(JSON.parse(sent.stdout)).toEqual({ sent: packets.length, failed: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    const after = await status();
    expect(after.pid).toBe(before.pid); // the same daemon, not a restarted one
    const d = after.dataplane;
    const seen = d.packets - before.dataplane.packets;
    console.log(`odd packets: ${packets.length} sent, ${seen} reached the daemon; malformed +${d.malformed - before.dataplane.malformed}, fragments +${d.fragments - before.dataplane.fragments}, ICMP errors +${d.icmpErrors - before.dataplane.icmpErrors}, dropped +${d.dropped - before.dataplane.dropped}, core errors ${d.coreErrors}`);
    expect(seen).toBeGreaterThan(256); // at least the flag sweep passes ip_rcv
    expect(d.coreErrors).toBe(0);
    // round robin intact, HTTP and UDP
    const http = await lab.client.http(`http://${VIP}/`, { count: 4 });
    expect(http.failed).toBe(0);
    expect(http.records).toBeRoundRobin(['RS1', 'RS2']);
    const udp = await lab.client.udp(`${VIP}:9999`, { count: 4, intervalMs: 20 });
    expect(udp.failed).toBe(0);
    expect(udp.counts).toEqual({ RS1: 2, RS2: 2 });
    expect((await lab.director('ds1').services()).services).toHaveLength(2);
  });
});
