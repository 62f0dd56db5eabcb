import { describe, expect, it } from 'vitest';
import { ipHeaderChecksum, l4Checksum, update16, update32, sum16, finish } from './checksum.js';
import { parsePacket, ipToNumber, numberToIp, readU16 } from './packet.js';
import { rewriteDestination, rewriteSource, rewriteIcmpErrorOut, rewriteIcmpErrorIn } from './rewrite.js';
import { craft, craftIcmpError } from '../../../test/director/craft.js';

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s;
  };
}

function checksumsValid(p: Buffer): { ip: boolean; l4: boolean } {
  const ihl = (p[0] & 15) * 4;
  const total = readU16(p, 2);
  const proto = p[9];
  const csAt = proto === 6 ? 16 : 6;
  const ip = readU16(p, 10) === ipHeaderChecksum(p, 0, ihl);
  const have = readU16(p, ihl + csAt);
  const l4 = proto === 17 && have === 0 ? true : have === l4Checksum(p, 0, ihl, total - ihl, proto, csAt);
  return { ip, l4 };
}

describe('checksum', () => {
  it('RFC 1624 update equals a full recompute for many random edits', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const data = Buffer.alloc(40);
      for (let j = 0; j < 40; j++) data[j] = r() & 0xff;
      data.writeUInt16BE(0, 10);
      const cs = finish(sum16(data, 0, 40));
      data.writeUInt16BE(cs, 10);
      const from = data.readUInt32BE(16);
      const to = r();
      data.writeUInt32BE(to >>> 0, 16);
      const inc = update32(cs, from, to >>> 0);
      data.writeUInt16BE(0, 10);
      const full = finish(sum16(data, 0, 40));
      // 0x0000 and 0xffff are the same one's-complement value; the kernel never yields -0 for a
      // non-zero sum, neither do we, so compare exactly
      expect(inc).toBe(full);
      const p0 = data.readUInt16BE(20);
      const p1 = r() & 0xffff;
      data.writeUInt16BE(full, 10);
      data.writeUInt16BE(p1, 20);
      const inc2 = update16(full, p0, p1);
      data.writeUInt16BE(0, 10);
      expect(inc2).toBe(finish(sum16(data, 0, 40)));
    }
  });
});

describe('parsePacket', () => {
  it('reads TCP headers, flags, length and mark', () => {
    const p = craft({ proto: 6, src: '192.168.1.100', dst: '192.168.1.112', sport: 40000, dport: 80, flags: 0x12, payload: Buffer.from('hello') });
    const r = parsePacket(p, 7);
    expect(r.kind).toBe('l4');
    if (r.kind !== 'l4') return;
    expect(r.h).toEqual({ proto: 6, saddr: ipToNumber('192.168.1.100'), daddr: ipToNumber('192.168.1.112'), sport: 40000, dport: 80, tcpFlags: 0x12, length: 45, fwmark: 7 });
  });

  it('handles IP options and trailing padding beyond the total length', () => {
    const p = craft({ proto: 17, src: '1.2.3.4', dst: '5.6.7.8', sport: 1, dport: 9999, ipOptions: new Uint8Array([1, 1, 1, 0]), payload: Buffer.from('x') });
    const padded = Buffer.concat([p, Buffer.alloc(6)]);
    const r = parsePacket(padded);
    expect(r.kind === 'l4' && r.ihl === 24 && r.h.dport === 9999 && r.h.length === p.length).toBe(true);
  });

  it('classifies every truncation of a valid packet without throwing', () => {
    const p = craft({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 5, dport: 6, payload: Buffer.alloc(30, 1) });
    for (let n = 0; n < p.length; n++) {
      const r = parsePacket(p.subarray(0, n));
      expect(r.kind).toBe('malformed');
    }
  });

  it('never throws on random bytes', () => {
    const r = rng(99);
    for (let i = 0; i < 5000; i++) {
      const len = r() % 80;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = r() & 0xff;
      if (len > 0 && i % 2 === 0) b[0] = 0x45;
      if (len > 3 && i % 4 === 0) b.writeUInt16BE(len, 2);
      expect(() => parsePacket(b)).not.toThrow();
    }
  });

  it('reports later fragments, IPv6, other protocols and bad headers', () => {
    expect(parsePacket(craft({ proto: 17, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, fragOffset: 10 })).kind).toBe('fragment');
    const first = parsePacket(craft({ proto: 17, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, moreFragments: true }));
    expect(first.kind === 'l4' && first.fragment).toBe(true);
    expect(parsePacket(Buffer.from([0x60, 0, 0, 0])).kind).toBe('malformed'); // IPv6, truncated (packet6.test.ts has the rest)
    const gre = craft({ proto: 17, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 });
    gre[9] = 47;
    expect(parsePacket(gre).kind).toBe('other');
    const badIhl = craft({ proto: 6, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 });
    badIhl[0] = 0x44;
    expect(parsePacket(badIhl)).toEqual({ kind: 'malformed', reason: 'IPv4 header length 16' });
    const badOff = craft({ proto: 6, src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 });
    badOff[32] = 0x40;
    expect(parsePacket(badOff).kind).toBe('malformed');
  });

  it('parses the quoted header of an ICMP error', () => {
    const offending = craft({ proto: 17, src: '192.168.1.100', dst: '10.0.0.101', sport: 5555, dport: 9999, payload: Buffer.alloc(100) });
    const icmp = craftIcmpError('10.0.0.101', '192.168.1.100', 3, 3, offending);
    const r = parsePacket(icmp);
    expect(r.kind).toBe('icmp-error');
    if (r.kind !== 'icmp-error') return;
    expect(r.inner).toMatchObject({ proto: 17, saddr: ipToNumber('192.168.1.100'), daddr: ipToNumber('10.0.0.101'), sport: 5555, dport: 9999 });
    // echo request is not an error
    const echo = Buffer.from(icmp);
    echo[20] = 8;
    expect(parsePacket(echo).kind).toBe('other');
    // an error quoting less than the transport ports is malformed
    expect(parsePacket(craftIcmpError('1.1.1.1', '2.2.2.2', 3, 3, offending.subarray(0, 24))).kind).toBe('malformed');
  });
});

describe('NAT rewrite', () => {
  it('keeps IP and TCP/UDP checksums valid (checked by full recompute) over random packets', () => {
    const r = rng(1234);
    const ip = () => numberToIp(r());
    for (let i = 0; i < 3000; i++) {
      const proto = (i % 2 === 0 ? 6 : 17) as 6 | 17;
      const len = r() % 300;
      const payload = Buffer.alloc(len);
      for (let j = 0; j < len; j++) payload[j] = r() & 0xff;
      const p = craft({ proto, src: ip(), dst: ip(), sport: r() & 0xffff, dport: r() & 0xffff, flags: r() & 0x3f, payload, ipOptions: i % 7 === 0 ? new Uint8Array(8) : undefined });
      const parsed = parsePacket(p);
      if (parsed.kind !== 'l4') throw new Error('expected l4');
      const na = r();
      const np = r() & 0xffff;
      if (i % 3 === 0) rewriteSource(p, parsed.ihl, proto, na, np);
      else rewriteDestination(p, parsed.ihl, proto, na, np);
      const after = parsePacket(p);
      if (after.kind !== 'l4') throw new Error('expected l4');
      if (i % 3 === 0) expect([after.h.saddr, after.h.sport]).toEqual([na, np]);
      else expect([after.h.daddr, after.h.dport]).toEqual([na, np]);
      expect(checksumsValid(p)).toEqual({ ip: true, l4: true });
    }
  });

  it('leaves a UDP checksum of zero alone, and never produces one', () => {
    const p = craft({ proto: 17, noUdpChecksum: true, src: '192.168.1.100', dst: '192.168.1.112', sport: 3000, dport: 9999, payload: Buffer.from('abc') });
    rewriteDestination(p, 20, 17, ipToNumber('10.0.0.101'), 9999);
    expect(readU16(p, 26)).toBe(0);
    expect(checksumsValid(p).ip).toBe(true);
    // search for a rewrite whose true checksum is 0 -> must be sent as 0xffff
    const r = rng(5);
    let found = false;
    for (let i = 0; i < 200000 && !found; i++) {
      const q = craft({ proto: 17, src: '192.168.1.100', dst: '192.168.1.112', sport: 3000, dport: 9999, payload: Buffer.from('abcd') });
      const to = r();
      rewriteDestination(q, 20, 17, to, 9999);
      q.writeUInt16BE(0, 26);
      const full = l4Checksum(q, 0, 20, q.length - 20, 17, 6);
      if (full === 0xffff) {
        const q2 = craft({ proto: 17, src: '192.168.1.100', dst: '192.168.1.112', sport: 3000, dport: 9999, payload: Buffer.from('abcd') });
        rewriteDestination(q2, 20, 17, to, 9999);
        expect(readU16(q2, 26)).toBe(0xffff);
        found = true;
      }
    }
    expect(found).toBe(true);
  });

  it('rewrites ICMP errors about NATed connections both ways', () => {
    const vip = ipToNumber('192.168.1.112');
    const rip = ipToNumber('10.0.0.101');
    // real server rejects a datagram client -> RIP:9999 (already DNATed): the client must see it from the VIP
    const fromRs = craftIcmpError('10.0.0.101', '192.168.1.100', 3, 3, craft({ proto: 17, src: '192.168.1.100', dst: '10.0.0.101', sport: 4000, dport: 9998, payload: Buffer.from('zz') }));
    const a = parsePacket(fromRs);
    if (a.kind !== 'icmp-error') throw new Error('expected icmp-error');
    rewriteIcmpErrorOut(fromRs, a.ihl, a.inner, vip, 9999);
    const a2 = parsePacket(fromRs);
    if (a2.kind !== 'icmp-error') throw new Error('expected icmp-error');
    expect([a2.saddr, a2.inner.daddr, a2.inner.dport, a2.inner.saddr]).toEqual([vip, vip, 9999, ipToNumber('192.168.1.100')]);
    expect(readU16(fromRs, 10)).toBe(ipHeaderChecksum(fromRs, 0, 20));
    expect(readU16(fromRs, 22)).toBe(finish(sum16(fromRs, 20, fromRs.length) - readU16(fromRs, 22)));
    expect(readU16(fromRs, 28 + 10)).toBe(ipHeaderChecksum(fromRs, 28, 20));
    // client rejects a reply VIP:9999 -> client: the real server must get it quoting its own address
    const fromClient = craftIcmpError('192.168.1.100', '192.168.1.112', 3, 3, craft({ proto: 17, src: '192.168.1.112', dst: '192.168.1.100', sport: 9999, dport: 4000 }));
    const b = parsePacket(fromClient);
    if (b.kind !== 'icmp-error') throw new Error('expected icmp-error');
    rewriteIcmpErrorIn(fromClient, b.ihl, b.inner, rip, 9998);
    const b2 = parsePacket(fromClient);
    if (b2.kind !== 'icmp-error') throw new Error('expected icmp-error');
    expect([b2.daddr, b2.inner.saddr, b2.inner.sport]).toEqual([rip, rip, 9998]);
    expect(readU16(fromClient, 10)).toBe(ipHeaderChecksum(fromClient, 0, 20));
    expect(readU16(fromClient, 28 + 10)).toBe(ipHeaderChecksum(fromClient, 28, 20));
  });
});
