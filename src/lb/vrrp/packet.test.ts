import { describe, expect, it } from 'vitest';
import { checkAdvert, decodeIpPacket, encodeAdvert, passAuthData, sum16, type VrrpAdvert } from './packet.js';

/** wrap a VRRP payload in an IPv4 header as the raw socket delivers it */
function ipWrap(payload: Buffer, src: string, dst = '224.0.0.18', ttl = 255, proto = 112): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = ttl;
  h[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(h, 12);
  Buffer.from(dst.split('.').map(Number)).copy(h, 16);
  h.writeUInt16BE(~sum16(h) & 0xffff, 10);
  return Buffer.concat([h, payload]);
}

const v2: VrrpAdvert = { version: 2, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 1, authType: 1, authData: passAuthData('example') };

describe('VRRPv2 codec', () => {
  it('encodes the RFC 3768 layout with the PASS password in the auth data', () => {
    const b = encodeAdvert(v2);
    expect(b.length).toBe(8 + 4 + 8);
    expect([b[0], b[1], b[2], b[3], b[4], b[5]]).toEqual([0x21, 51, 150, 1, 1, 1]);
    expect(b.subarray(8, 12)).toEqual(Buffer.from([192, 168, 1, 112]));
    expect(b.subarray(12, 20).toString('latin1')).toBe('example\0');
    expect(sum16(b)).toBe(0xffff);
  });

  it('computes the RFC 1071 checksum over the VRRP message only', () => {
    // by hand: 0x2133 + 0x6401 + 0x0001 + 0xc0a8 + 0x01c8 = 0x147a5 -> 0x47a6, inverted 0xb859
    const b = encodeAdvert({ version: 2, vrid: 51, priority: 100, addresses: ['192.168.1.200'], advertInt: 1, authType: 0 });
    expect(b.toString('hex')).toBe('213364010001b859c0a801c80000000000000000');
  });

  it('decodes what it encodes, and checks it', () => {
    const r = decodeIpPacket(ipWrap(encodeAdvert(v2), '192.168.1.2'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet.src).toBe('192.168.1.2');
    expect(r.packet.advert).toMatchObject({ version: 2, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 1, authType: 1 });
    expect(checkAdvert(r.packet.advert, { version: 2, advertInt: 1, authPass: 'example', vips: ['192.168.1.112'] })).toBeUndefined();
  });

  it('drops bad TTL, checksum, version, type and truncated packets with a reason', () => {
    const good = encodeAdvert(v2);
    expect(decodeIpPacket(ipWrap(good, '1.1.1.1', '224.0.0.18', 64))).toEqual({ ok: false, reason: 'ttl' });
    const badSum = Buffer.from(good);
    badSum[2] ^= 1;
    expect(decodeIpPacket(ipWrap(badSum, '1.1.1.1'))).toEqual({ ok: false, reason: 'checksum' });
    const v4 = Buffer.from(good);
    v4[0] = 0x41;
    expect(decodeIpPacket(ipWrap(v4, '1.1.1.1'))).toEqual({ ok: false, reason: 'version' });
    const t2 = Buffer.from(good);
    t2[0] = 0x22;
    expect(decodeIpPacket(ipWrap(t2, '1.1.1.1'))).toEqual({ ok: false, reason: 'type' });
    const many = Buffer.from(good);
    many[3] = 9;
    expect(decodeIpPacket(ipWrap(many, '1.1.1.1'))).toEqual({ ok: false, reason: 'length' });
    expect(decodeIpPacket(ipWrap(good.subarray(0, 5), '1.1.1.1'))).toEqual({ ok: false, reason: 'short' });
    expect(decodeIpPacket(Buffer.alloc(3))).toEqual({ ok: false, reason: 'short' });
    expect(decodeIpPacket(ipWrap(good, '1.1.1.1', '224.0.0.18', 255, 17))).toEqual({ ok: false, reason: 'not-vrrp' });
  });

  it('rejects wrong passwords, auth types, address sets and intervals', () => {
    const want = { version: 2 as const, advertInt: 1, authPass: 'example', vips: ['192.168.1.112'] };
    expect(checkAdvert({ ...v2, authData: passAuthData('wrong') }, want)).toBe('auth');
    expect(checkAdvert({ ...v2, authType: 0 }, want)).toBe('auth');
    expect(checkAdvert({ ...v2, addresses: ['192.168.1.112', '192.168.1.113'] }, want)).toBe('addr-count');
    expect(checkAdvert({ ...v2, addresses: ['192.168.1.113'] }, want)).toBe('addr-mismatch');
    expect(checkAdvert({ ...v2, advertInt: 2 }, want)).toBe('interval');
    expect(checkAdvert(v2, { ...want, version: 3 })).toBe('version');
    // only the first 8 characters count, as in keepalived
    expect(checkAdvert({ ...v2, authData: passAuthData('examplelonger') }, { ...want, authPass: 'examplelong' })).toBeUndefined();
  });
});

describe('VRRPv3 codec', () => {
  const a: VrrpAdvert = { version: 3, vrid: 52, priority: 100, addresses: ['10.0.0.105'], advertInt: 10 };

  it('has no auth data and a 12-bit centisecond interval', () => {
    const b = encodeAdvert(a, { src: '10.0.0.2', dst: '224.0.0.18' });
    expect(b.length).toBe(12);
    expect(b.readUInt16BE(4)).toBe(10);
    expect(b[0]).toBe(0x31);
  });

  it('includes the IPv4 pseudo-header in the checksum', () => {
    const b = encodeAdvert(a, { src: '10.0.0.2', dst: '224.0.0.18' });
    expect(decodeIpPacket(ipWrap(b, '10.0.0.2')).ok).toBe(true);
    // the same bytes from another source no longer check out
    expect(decodeIpPacket(ipWrap(b, '10.0.0.3'))).toEqual({ ok: false, reason: 'checksum' });
    expect(sum16(b)).not.toBe(0xffff);
    expect(() => encodeAdvert(a)).toThrow(/VRRPv3 needs the source/);
  });

  it('accepts any v3 interval (the backup adopts it)', () => {
    expect(checkAdvert({ ...a, advertInt: 25 }, { version: 3, advertInt: 0.1, vips: ['10.0.0.105'] })).toBeUndefined();
  });
});
