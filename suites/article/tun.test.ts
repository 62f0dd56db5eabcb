// LVS-TUN (ipvsadm -a ... -i) through the embedded director on the `dr` topology: the director
// IPIP-encapsulates each request to its real server, which decapsulates it on tunl0 (holding the
// VIP) and answers the client directly.
//
// Two parts. What needs only the director and the wire runs everywhere: the real servers count the
// IPIP packets arriving (nft in their own namespaces) and check the outer and inner headers, and a
// lowered route MTU toward one real server makes the director answer a full-size segment with ICMP
// fragmentation needed, which the client's kernel takes as its path MTU to the VIP. What needs the
// real servers to decapsulate (the kernel's ipip module) is skipped, with the reason, when a
// namespace cannot create an ipip device (under CI only where test/ci-exceptions.ts allows it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type LvsLab } from '../../src/api/up.js';
import type { DaemonStatus } from '../../src/lb/director/daemon.js';
import type { EmbeddedSession } from '../../src/lb/director/backend.js';
import { VIP } from './helpers/article.js';
import { needs, probe, skipUnless } from '../../test/capabilities.js';

const URL = `http://${VIP}/`;
const DIRECTOR = '192.168.1.110';
const CLIENT = '192.168.1.100';
const RS1 = '192.168.1.101';
const RS2 = '192.168.1.102';

const ipip = await probe.ipip();

/** nft counters in a real server's namespace: IPIP packets seen with the expected headers. */
const COUNT_TABLE = `table ip lvstun {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    ip protocol 4 counter name ipip_any
    ip protocol 4 ip saddr ${DIRECTOR} @nh,224,8 63 ip ttl 63 counter name ipip_ok
  }
  counter ipip_any {}
  counter ipip_ok {}
}
`;

function status(lab: LvsLab): Promise<DaemonStatus> {
  return (lab.session as EmbeddedSession).status('ds1');
}

async function counter(lab: LvsLab, rs: string, name: string): Promise<number> {
  const r = await lab.host(rs).exec(['nft', '-j', 'list', 'counter', 'ip', 'lvstun', name]);
  const j = JSON.parse(r.stdout) as { nftables: Array<{ counter?: { packets: number } }> };
  return j.nftables.find((x) => x.counter)?.counter?.packets ?? 0;
}

describe('LVS-TUN on the dr topology (embedded)', needs(await probe.root()), () => {
  let lab: LvsLab;
  beforeAll(async () => {
    lab = await up('dr', { backend: 'embedded', directors: { ds1: { ipvsadm: [] } } });
    for (const rs of ['rs1', 'rs2']) await lab.host(rs).exec(['nft', '-f', '-'], { input: COUNT_TABLE });
    if (ipip.ok) {
      for (const rs of ['rs1', 'rs2']) {
        const h = lab.host(rs);
        // tunl0 appears with the ipip module; it takes the VIP so the decapsulated packet is local.
        // The VIP stays silent on the LAN (arp_ignore/announce from the preset) and the inner
        // source (the client) arrives on tunl0, so the reverse-path filter must not drop it.
        await h.exec(['ip', 'link', 'set', 'tunl0', 'up']);
        await h.exec(['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'tunl0']);
        await h.exec(['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.tunl0.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0', 'net.ipv4.conf.tunl0.arp_ignore=1', 'net.ipv4.conf.tunl0.arp_announce=2']);
      }
    }
    // rs2 sits behind a smaller MTU (seen from the director only): its tunnel fits 1000 - 20
    await lab.host('ds1').exec(['ip', 'route', 'replace', `${RS2}/32`, 'dev', 'eth0', 'mtu', '1000']);
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('-Ln shows Tunnel forwarding; the director knows each tunnel source and MTU', async () => {
    const ds = lab.director('ds1');
    await ds.ipvsadm(`-A -t ${VIP}:80 -s rr`);
    await ds.ipvsadm(`-a -t ${VIP}:80 -r ${RS1}:80 -i`);
    const t = await ds.services();
    expect(t.services[0].dests.map((d) => d.forward)).toEqual(['Tunnel']);
    const st = await status(lab);
    expect(st.rulesError).toBeNull();
    expect(st.tunnels).toEqual([{ dest: RS1, saddr: DIRECTOR, mtu: 1500 }]);
  });

  it('requests reach the real server IPIP-encapsulated from the director, TTLs as the kernel sets them', async () => {
    const before = await counter(lab, 'rs1', 'ipip_ok');
    await lab.client.http(URL, { count: 3, timeoutMs: ipip.ok ? 5000 : 1500 });
    const any = await counter(lab, 'rs1', 'ipip_any');
    const ok = await counter(lab, 'rs1', 'ipip_ok');
    expect(any).toBeGreaterThanOrEqual(3);
    // every tunnel packet: outer from the director's address, outer and inner TTL 63 (client sent 64)
    expect(ok - before).toBe(any - before);
    const st = await status(lab);
    expect(st.dataplane.tunneled).toBeGreaterThanOrEqual(3);
    expect(st.dataplane.unsupported).toBe(0);
  });

  it('answers through tunl0 on the real server, straight to the client (needs ipip)', async (ctx) => {
    skipUnless(ctx, ipip);
    const run = await lab.client.http(URL, { count: 4 });
    expect(run.failed).toBe(0);
    expect(new Set(run.sequence)).toEqual(new Set(['RS1']));
    const seen = await lab.real('rs1').httpRequests();
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const r of seen) expect([r.remoteAddress.replace(/^::ffff:/, ''), r.localAddress.replace(/^::ffff:/, '')]).toEqual([CLIENT, VIP]);
  });

  it('a datagram too big for the tunnel to rs2 gets ICMP fragmentation needed (MTU 980) to the client', async () => {
    const ds = lab.director('ds1');
    await ds.ipvsadm(`-A -u ${VIP}:5353 -s rr`);
    await ds.ipvsadm(`-a -u ${VIP}:5353 -r ${RS2}:5353 -i`);
    const st = await status(lab);
    expect(st.tunnels).toEqual([
      { dest: RS1, saddr: DIRECTOR, mtu: 1500 },
      { dest: RS2, saddr: DIRECTOR, mtu: 1000 },
    ]);
    const before = await counter(lab, 'rs2', 'ipip_any');
    // Linux sends UDP with DF while it fits the path MTU (IP_PMTUDISC_WANT): 1200 bytes go with DF,
    // do not fit 1000 - 20, and the director answers for the VIP; 900 bytes fit and are tunneled.
    const send = (size: number) =>
      lab.client.exec(['node', '-e', `const s=require('node:dgram').createSocket('udp4');s.send(Buffer.alloc(${size - 28}),5353,'${VIP}',()=>setTimeout(()=>s.close(),300));`], { timeoutMs: 10_000 });
    await send(1200);
    const d = await status(lab);
    expect(d.dataplane.tunnelIcmp).toBe(1);
    const route = await lab.client.exec(['ip', 'route', 'get', VIP]);
    expect(route.stdout).toMatch(/mtu 980\b/);
    expect(await counter(lab, 'rs2', 'ipip_any')).toBe(before);
    await send(900);
    expect(await counter(lab, 'rs2', 'ipip_any')).toBe(before + 1);
    expect((await status(lab)).dataplane.tunnelIcmp).toBe(1);
  });
});
