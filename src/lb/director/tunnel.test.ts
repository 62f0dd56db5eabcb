import { describe, expect, it } from 'vitest';
import type { Verdict } from '../ipvs/types.js';
import { finish, ipHeaderChecksum, l4Checksum, sum16 } from './checksum.js';
import { Dataplane, type TunnelTable } from './dataplane.js';
import { DestMarks } from './marks.js';
import { HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, type QueuedPacket } from './nfqueue-codec.js';
import type { VerdictSink } from './nfqueue.js';
import { ipToNumber, readU16, readU32 } from './packet.js';
import { craft, craftIcmpError } from '../../../test/director/craft.js';
import { TunnelRoutes } from './tunnel-routes.js';
import { FORWARD_HOP, tunnelPacket, type TunnelEndpoint } from './tunnel.js';

const CLIENT = '192.168.1.100';
const VIP = '192.168.1.112';
const RIP = ipToNumber('192.168.1.101');
const DIRECTOR = ipToNumber('192.168.1.110');
const EP: TunnelEndpoint = { saddr: DIRECTOR, mtu: 1500 };

function withHeader(p: Buffer, o: { tos?: number; ttl?: number; df?: boolean; id?: number }): Buffer {
  if (o.tos !== undefined) p[1] = o.tos;
  if (o.ttl !== undefined) p[8] = o.ttl;
  if (o.df !== undefined) p.writeUInt16BE(o.df ? 0x4000 : 0, 6);
  if (o.id !== undefined) p.writeUInt16BE(o.id, 4);
  p.writeUInt16BE(ipHeaderChecksum(p, 0, 20), 10);
  return p;
}

function tcp(len: number, o: { tos?: number; ttl?: number; df?: boolean } = {}): Buffer {
  return withHeader(craft({ proto: 6, src: CLIENT, dst: VIP, sport: 40000, dport: 80, payload: Buffer.alloc(len - 40, 0x61) }), o);
}

/** Every field of an IPv4 header checked by full recompute of its checksum. */
function headerChecksumOk(b: Buffer, off: number): boolean {
  return finish(sum16(b, off, off + (b[off] & 0x0f) * 4)) === 0;
}

describe('tunnelPacket (ip_vs_tunnel_xmit, IPIP)', () => {
  it('prepends the kernel outer header: every field, and the checksum by full recompute', () => {
    const inner = tcp(100, { tos: 0xb8, ttl: 64, df: true });
    const r = tunnelPacket(inner, inner.length, EP, RIP, 0x4242);
    if (r.kind !== 'encapsulated') throw new Error(r.kind);
    const o = r.packet;
    expect(o.length).toBe(120);
    expect(o[0]).toBe(0x45); // version 4, IHL 5
    expect(o[1]).toBe(0xb8); // TOS copied from inner
    expect(readU16(o, 2)).toBe(120); // total length
    expect(readU16(o, 4)).toBe(0); // id 0 with DF (ip_select_ident without a socket)
    expect(readU16(o, 6)).toBe(0x4000); // DF copied, no MF, offset 0
    expect(o[8]).toBe(63 + FORWARD_HOP); // the kernel's 63, plus the hop our forwarding takes off
    expect(o[9]).toBe(4); // IPPROTO_IPIP
    expect(readU32(o, 12)).toBe(DIRECTOR);
    expect(readU32(o, 16)).toBe(RIP);
    expect(readU16(o, 10)).toBe(ipHeaderChecksum(o, 0, 20));
    expect(headerChecksumOk(o, 0)).toBe(true);
    // inner: TTL decremented (decrement_ttl), header checksum still right, everything else as sent
    const i = o.subarray(20);
    expect(i[8]).toBe(63);
    expect(headerChecksumOk(i, 0)).toBe(true);
    expect(Buffer.compare(i.subarray(20), inner.subarray(20))).toBe(0);
    expect(l4Checksum(i, 0, 20, 80, 6, 16)).toBe(readU16(i, 36));
    expect(Buffer.compare(i.subarray(0, 8), inner.subarray(0, 8))).toBe(0);
    expect(Buffer.compare(i.subarray(12, 20), inner.subarray(12, 20))).toBe(0);
    // the input is left alone
    expect(inner[8]).toBe(64);
  });

  it('without DF: outer DF clear and a fresh id', () => {
    const inner = tcp(60, { df: false, ttl: 9 });
    const r = tunnelPacket(inner, inner.length, EP, RIP, 0x1234);
    if (r.kind !== 'encapsulated') throw new Error(r.kind);
    expect(readU16(r.packet, 6)).toBe(0);
    expect(readU16(r.packet, 4)).toBe(0x1234);
    expect(r.packet[8]).toBe(8 + FORWARD_HOP);
    expect(headerChecksumOk(r.packet, 0)).toBe(true);
  });

  it('encapsulates only the first `len` bytes of the buffer', () => {
    const inner = tcp(60);
    const padded = Buffer.concat([inner, Buffer.alloc(16, 0xee)]);
    const r = tunnelPacket(padded, inner.length, EP, RIP, 1);
    if (r.kind !== 'encapsulated') throw new Error(r.kind);
    expect(r.packet.length).toBe(80);
  });

  it('DF and too big for the tunnel: ICMP fragmentation needed to the client with MTU - 20', () => {
    const ep = { saddr: DIRECTOR, mtu: 1000 };
    const ok = tcp(980, { df: true });
    expect(tunnelPacket(ok, ok.length, ep, RIP, 1).kind).toBe('encapsulated');
    const big = tcp(981, { df: true, tos: 0x17 });
    const r = tunnelPacket(big, big.length, ep, RIP, 0x0707);
    if (r.kind !== 'too-big') throw new Error(r.kind);
    expect(r.mtu).toBe(980);
    const m = r.icmp;
    expect(m[0]).toBe(0x45);
    expect(m[1]).toBe((0x17 & 0x1e) | 0xc0);
    expect(readU16(m, 2)).toBe(576);
    expect(m.length).toBe(576);
    expect(readU16(m, 4)).toBe(0x0707);
    expect(readU16(m, 6)).toBe(0);
    expect(m[8]).toBe(64 + FORWARD_HOP);
    expect(m[9]).toBe(1);
    expect(readU32(m, 12)).toBe(ipToNumber(VIP));
    expect(readU32(m, 16)).toBe(ipToNumber(CLIENT));
    expect(headerChecksumOk(m, 0)).toBe(true);
    expect([m[20], m[21]]).toEqual([3, 4]);
    expect(readU16(m, 24)).toBe(0);
    expect(readU16(m, 26)).toBe(980);
    expect(finish(sum16(m, 20, m.length))).toBe(0);
    // quotes the packet as the kernel held it then: TTL already decremented, header checksum fixed
    const quoted = m.subarray(28);
    expect(quoted[8]).toBe(63);
    expect(headerChecksumOk(quoted, 0)).toBe(true);
    expect(Buffer.compare(quoted.subarray(12, 548), big.subarray(12, 548))).toBe(0);
  });

  it('without DF a too-big packet is tunneled anyway (the outer packet gets fragmented)', () => {
    const big = tcp(1400, { df: false });
    const r = tunnelPacket(big, big.length, { saddr: DIRECTOR, mtu: 1000 }, RIP, 1);
    expect(r.kind).toBe('encapsulated');
  });

  it('TTL 1: ICMP time exceeded to the client, quoting the packet whole when short', () => {
    const p = tcp(60, { ttl: 1 });
    const r = tunnelPacket(p, p.length, EP, RIP, 3);
    if (r.kind !== 'ttl-expired') throw new Error(r.kind);
    expect([r.icmp[20], r.icmp[21]]).toEqual([11, 0]);
    expect(r.icmp.length).toBe(28 + 60);
    expect(Buffer.compare(r.icmp.subarray(28), p)).toBe(0);
    expect(finish(sum16(r.icmp, 20, r.icmp.length))).toBe(0);
    expect(headerChecksumOk(r.icmp, 0)).toBe(true);
  });

  it('an MTU leaving less than 68 bytes drops', () => {
    const p = tcp(60);
    expect(tunnelPacket(p, p.length, { saddr: DIRECTOR, mtu: 87 }, RIP, 1).kind).toBe('drop');
  });
});

function sink(): VerdictSink & { answers: Array<{ verdict: number; mark: number | null; payload: Buffer | null }> } {
  const answers: Array<{ verdict: number; mark: number | null; payload: Buffer | null }> = [];
  return { answers, verdict: (_id, verdict, mark, payload) => answers.push({ verdict, mark, payload: payload ? Buffer.from(payload) : null }) };
}
const q = (payload: Buffer): QueuedPacket => ({ id: 1, hook: HOOK_PRE_ROUTING, mark: 0, indev: 0, outdev: 0, payload });

describe('Dataplane tunnel verdicts', () => {
  const table: TunnelTable = { endpointFor: (d) => (d === RIP ? EP : undefined) };
  const core = (v: Verdict) => ({ inbound: () => v, outbound: () => ({ action: 'accept' }) as Verdict });

  it('answers with the longer encapsulated packet and counts it', () => {
    const dp = new Dataplane(core({ action: 'tunnel', daddr: RIP }), new DestMarks(0x100), 'per-packet', table);
    const s = sink();
    const p = tcp(80);
    dp.handle(q(p), s);
    expect(s.answers[0].verdict).toBe(NF_ACCEPT);
    expect(s.answers[0].payload!.length).toBe(100);
    expect(readU32(s.answers[0].payload!, 16)).toBe(RIP);
    expect(dp.stats.tunneled).toBe(1);
    expect(dp.stats.unsupported).toBe(0);
  });

  it('no endpoint for the real server: dropped as unsupported', () => {
    const other = ipToNumber('192.168.1.199');
    const dp = new Dataplane(core({ action: 'tunnel', daddr: other }), new DestMarks(0x100), 'per-packet', table);
    const s = sink();
    dp.handle(q(tcp(60)), s);
    expect(s.answers[0].verdict).toBe(NF_DROP);
    expect(dp.stats.unsupported).toBe(1);
    expect(dp.stats.lastError).toContain('192.168.1.199');
  });

  it('an ICMP error about a tunneled connection is tunneled to the same real server', () => {
    const dp = new Dataplane(core({ action: 'tunnel', daddr: RIP }), new DestMarks(0x100), 'per-packet', table);
    const s = sink();
    const req = tcp(60);
    dp.handle(q(req), s);
    const reply = craft({ proto: 6, src: VIP, dst: CLIENT, sport: 80, dport: 40000 });
    const err = craftIcmpError('10.9.9.9', VIP, 3, 4, reply);
    dp.handle(q(err), s);
    const out = s.answers[1].payload!;
    expect(out[9]).toBe(4);
    expect(readU32(out, 16)).toBe(RIP);
    // the error itself goes as it came (its TTL one less), quote and ICMP checksum untouched
    expect(Buffer.compare(out.subarray(40), err.subarray(20))).toBe(0);
    expect(out[28]).toBe(err[8] - 1);
    expect(dp.stats.tunneled).toBe(2);
  });
});

describe('TunnelRoutes', () => {
  it('looks each real server up once: prefsrc and the device MTU (a route mtu wins); sysctls once', async () => {
    const calls: string[] = [];
    const tr = new TunnelRoutes(async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      if (args.join(' ') === '-j route get 192.168.1.101') return { exitCode: 0, stderr: '', stdout: '[{"dst":"192.168.1.101","dev":"eth0","prefsrc":"192.168.1.110"}]' };
      if (args.join(' ') === '-j route get 192.168.1.102') return { exitCode: 0, stderr: '', stdout: '[{"dst":"192.168.1.102","dev":"eth0","prefsrc":"192.168.1.110","metrics":[{"mtu":1400}]}]' };
      if (args.join(' ') === '-j route get 10.1.1.1') return { exitCode: 2, stderr: 'RTNETLINK answers: Network is unreachable', stdout: '' };
      if (args.join(' ') === '-j link show dev eth0') return { exitCode: 0, stderr: '', stdout: '[{"ifname":"eth0","mtu":1500}]' };
      if (args.join(' ') === '-j link show') return { exitCode: 0, stderr: '', stdout: '[{"ifname":"lo"},{"ifname":"eth0"}]' };
      return { exitCode: 0, stderr: '', stdout: '' };
    });
    expect(await tr.refresh(['192.168.1.101', '192.168.1.102'])).toEqual([]);
    expect(tr.endpointFor(RIP)).toEqual({ saddr: DIRECTOR, mtu: 1500 });
    expect(tr.endpointFor(ipToNumber('192.168.1.102'))).toEqual({ saddr: DIRECTOR, mtu: 1400 });
    expect(calls.filter((c) => c.startsWith('sysctl'))).toEqual([
      'sysctl -qw net.ipv4.conf.all.accept_local=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.lo.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0',
    ]);
    const before = calls.length;
    expect(await tr.refresh(['192.168.1.101', '10.1.1.1'])).toEqual([expect.stringContaining('tunnel to real server 10.1.1.1: no route')]);
    expect(calls.slice(before)).toEqual(['ip -j route get 10.1.1.1']);
    expect(tr.endpointFor(ipToNumber('192.168.1.102'))).toBeUndefined();
    expect(tr.describe()).toEqual([{ dest: '192.168.1.101', saddr: '192.168.1.110', mtu: 1500 }]);
  });
});
