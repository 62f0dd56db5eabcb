import { describe, expect, it } from 'vitest';
import type { PacketHeaders, Verdict } from '../ipvs/types.js';
import { ipHeaderChecksum, l4Checksum, sum16, finish } from './checksum.js';
import { Dataplane, type PacketCore } from './dataplane.js';
import { DestMarks } from './marks.js';
import { HOOK_POST_ROUTING, HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, type QueuedPacket } from './nfqueue-codec.js';
import type { VerdictSink } from './nfqueue.js';
import { ipToNumber, parsePacket, readU16 } from './packet.js';
import { craft, craftIcmpError } from '../../../test/director/craft.js';

interface Answer { id: number; verdict: number; mark: number | null; payload: Buffer | null }

function sink(): VerdictSink & { answers: Answer[] } {
  const answers: Answer[] = [];
  return { answers, verdict: (id, verdict, mark, payload) => answers.push({ id, verdict, mark, payload: payload ? Buffer.from(payload) : null }) };
}

const RIP = ipToNumber('10.0.0.101');
const VIP = ipToNumber('192.168.1.112');

/** A scripted core: answers each packet with the next verdict, records what it saw. */
function scripted(fn: (h: PacketHeaders, dir: 'in' | 'out') => Verdict): PacketCore & { seen: Array<[string, PacketHeaders]> } {
  const seen: Array<[string, PacketHeaders]> = [];
  return {
    seen,
    inbound: (h) => (seen.push(['in', h]), fn(h, 'in')),
    outbound: (h) => (seen.push(['out', h]), fn(h, 'out')),
  };
}

function marks(): DestMarks {
  const m = new DestMarks(0x100);
  m.sync([{ key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [
    { addr: '10.0.0.101', port: 80, forwarding: 'masq' },
    { addr: '10.0.0.102', port: 80, forwarding: 'route' },
  ] }]);
  return m;
}

const q = (payload: Buffer | null, hook = HOOK_PRE_ROUTING, id = 1): QueuedPacket => ({ id, hook, mark: 0, indev: 0, outdev: 0, payload });

function valid(p: Buffer): boolean {
  const ihl = (p[0] & 15) * 4;
  const csAt = p[9] === 6 ? 16 : 6;
  return readU16(p, 10) === ipHeaderChecksum(p, 0, ihl) && readU16(p, ihl + csAt) === l4Checksum(p, 0, ihl, p.length - ihl, p[9], csAt);
}

describe('Dataplane', () => {
  it('NAT: rewrites the destination in, the source out, with valid checksums', () => {
    const core = scripted((_h, dir) => (dir === 'in' ? { action: 'dnat', daddr: RIP, dport: 8080 } : { action: 'snat', saddr: VIP, sport: 80 }));
    const dp = new Dataplane(core, marks(), 'per-packet');
    const s = sink();
    dp.handle(q(craft({ proto: 6, src: '192.168.1.100', dst: '192.168.1.112', sport: 5000, dport: 80, payload: Buffer.from('GET /') }), HOOK_PRE_ROUTING, 7), s);
    dp.handle(q(craft({ proto: 6, src: '10.0.0.101', dst: '192.168.1.100', sport: 8080, dport: 5000, flags: 0x12 }), HOOK_POST_ROUTING, 8), s);
    expect(core.seen.map(([d, h]) => [d, h.dport, h.tcpFlags])).toEqual([['in', 80, 0x02], ['out', 5000, 0x12]]);
    const [a, b] = s.answers;
    expect([a.id, a.verdict, a.mark]).toEqual([7, NF_ACCEPT, null]);
    const pa = parsePacket(a.payload!);
    expect(pa.kind === 'l4' && [pa.h.daddr, pa.h.dport]).toEqual([RIP, 8080]);
    expect(valid(a.payload!)).toBe(true);
    const pb = parsePacket(b.payload!);
    expect(pb.kind === 'l4' && [pb.h.saddr, pb.h.sport]).toEqual([VIP, 80]);
    expect(valid(b.payload!)).toBe(true);
    expect(dp.stats.natted).toBe(2);
  });

  it('DR: accepts unchanged with the destination mark; reject marks; drop drops', () => {
    const verdicts: Verdict[] = [{ action: 'route', daddr: ipToNumber('10.0.0.102') }, { action: 'reject', reason: 'x' }, { action: 'drop', reason: 'y' }];
    const dp = new Dataplane(scripted(() => verdicts.shift()!), marks(), 'per-packet');
    const s = sink();
    for (let i = 0; i < 3; i++) dp.handle(q(craft({ proto: 6, src: '192.168.1.100', dst: '192.168.1.112', sport: 5000 + i, dport: 80 }), HOOK_PRE_ROUTING, i), s);
    expect(s.answers.map((a) => [a.verdict, a.mark, a.payload])).toEqual([
      [NF_ACCEPT, 0x102, null],
      [NF_ACCEPT, 0x100, null],
      [NF_DROP, null, null],
    ]);
  });

  it('offload: NAT becomes a DNAT mark; an unknown destination is dropped, not misrouted', () => {
    const verdicts: Verdict[] = [{ action: 'dnat', daddr: RIP, dport: 80 }, { action: 'dnat', daddr: ipToNumber('10.9.9.9'), dport: 80 }];
    const dp = new Dataplane(scripted(() => verdicts.shift()!), marks(), 'offload');
    const s = sink();
    dp.handle(q(craft({ proto: 6, src: '192.168.1.100', dst: '192.168.1.112', sport: 1, dport: 80 })), s);
    dp.handle(q(craft({ proto: 6, src: '192.168.1.100', dst: '192.168.1.112', sport: 2, dport: 80 })), s);
    expect(s.answers.map((a) => [a.verdict, a.mark, a.payload])).toEqual([[NF_ACCEPT, 0x101, null], [NF_DROP, null, null]]);
    expect(dp.stats.unsupported).toBe(1);
  });

  it('answers every packet it cannot use untouched: no payload, malformed, fragments, other protocols, core errors', () => {
    const core = scripted(() => {
      throw new Error('boom');
    });
    const dp = new Dataplane(core, marks(), 'per-packet');
    const s = sink();
    const good = craft({ proto: 17, src: '1.1.1.1', dst: '192.168.1.112', sport: 1, dport: 9999 });
    dp.handle(q(null, HOOK_PRE_ROUTING, 1), s);
    dp.handle(q(good.subarray(0, 10), HOOK_PRE_ROUTING, 2), s);
    dp.handle(q(craft({ proto: 17, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, fragOffset: 3 }), HOOK_PRE_ROUTING, 3), s);
    const gre = Buffer.from(good);
    gre[9] = 47;
    dp.handle(q(gre, HOOK_PRE_ROUTING, 4), s);
    dp.handle(q(good, HOOK_PRE_ROUTING, 5), s);
    expect(s.answers.map((a) => [a.id, a.verdict, a.mark, a.payload])).toEqual([1, 2, 3, 4, 5].map((id) => [id, NF_ACCEPT, null, null]));
    expect(dp.stats).toMatchObject({ malformed: 1, fragments: 1, coreErrors: 1, untouched: 5 });
    expect(dp.stats.lastError).toBe('core: boom');
  });

  it('translates ICMP errors about NATed connections using the bindings seen on the way in', () => {
    const dp = new Dataplane(scripted((_h, dir) => (dir === 'in' ? { action: 'dnat', daddr: RIP, dport: 9999 } : { action: 'accept' })), marks(), 'per-packet');
    const s = sink();
    const request = craft({ proto: 17, src: '192.168.1.100', dst: '192.168.1.112', sport: 4000, dport: 9999, payload: Buffer.from('hi') });
    dp.handle(q(request), s);
    // the real server answers the rewritten datagram with port unreachable
    const icmp = craftIcmpError('10.0.0.101', '192.168.1.100', 3, 3, s.answers[0].payload!);
    dp.handle(q(icmp, HOOK_POST_ROUTING, 2), s);
    const out = s.answers[1].payload!;
    const p = parsePacket(out);
    expect(p.kind).toBe('icmp-error');
    if (p.kind !== 'icmp-error') return;
    expect([p.saddr, p.inner.daddr, p.inner.dport]).toEqual([VIP, VIP, 9999]);
    expect(readU16(out, 22)).toBe(finish(sum16(out, 20, out.length) - readU16(out, 22)));
    expect(dp.stats.icmpNatted).toBe(1);
    // an ICMP error about something we never saw passes untouched
    const stray = craftIcmpError('10.0.0.101', '192.168.1.100', 3, 3, craft({ proto: 17, src: '192.168.1.100', dst: '10.0.0.101', sport: 1, dport: 2 }));
    dp.handle(q(stray, HOOK_POST_ROUTING, 3), s);
    expect(s.answers[2].payload).toBeNull();
  });

  it('drops an ICMP error about a NATed connection whose ICMP checksum is wrong, as the kernel does', () => {
    const dp = new Dataplane(scripted((_h, dir) => (dir === 'in' ? { action: 'dnat', daddr: RIP, dport: 9999 } : { action: 'accept' })), marks(), 'per-packet');
    const s = sink();
    dp.handle(q(craft({ proto: 17, src: '192.168.1.100', dst: '192.168.1.112', sport: 4000, dport: 9999, payload: Buffer.from('hi') })), s);
    const fromRs = craftIcmpError('10.0.0.101', '192.168.1.100', 3, 3, s.answers[0].payload!);
    fromRs[22] ^= 0x01; // one bit of the ICMP checksum
    dp.handle(q(fromRs, HOOK_POST_ROUTING, 2), s);
    expect([s.answers[1].verdict, s.answers[1].payload]).toEqual([NF_DROP, null]);
    // the same on the way in: an error for the VIP quoting a reply we NATed
    const reply = craft({ proto: 17, src: '192.168.1.112', dst: '192.168.1.100', sport: 9999, dport: 4000 });
    const forVip = craftIcmpError('192.168.1.100', '192.168.1.112', 3, 3, reply);
    forVip[23] ^= 0x80;
    dp.handle(q(forVip, HOOK_PRE_ROUTING, 3), s);
    expect([s.answers[2].verdict, s.answers[2].payload]).toEqual([NF_DROP, null]);
    expect(dp.stats).toMatchObject({ icmpBadChecksum: 2, icmpNatted: 0 });
    // with a good checksum the same error is translated
    dp.handle(q(craftIcmpError('192.168.1.100', '192.168.1.112', 3, 3, reply), HOOK_PRE_ROUTING, 4), s);
    expect(s.answers[3].verdict).toBe(NF_ACCEPT);
    expect(dp.stats.icmpNatted).toBe(1);
  });
});
