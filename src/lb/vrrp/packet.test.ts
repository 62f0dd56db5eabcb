import { describe, expect, it } from 'vitest';
import { encodeAdvert, passAuthData, sum16, type VrrpAdvert } from './packet.js';
import { vrrpCheckPacket, type InstanceCheck } from './check.js';
import { ip4Packet } from './ip4.js';

/** wrap a VRRP payload in the IPv4 header an advert carries on the wire */
function ipWrap(payload: Buffer, src: string, dst = '224.0.0.18'): Buffer {
  return ip4Packet(payload, { src, dst, id: 1 });
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
    const inst: InstanceCheck = { name: 'VI_1', vrid: 51, version: 2, advertInt: 1, authPass: 'example', vips: ['192.168.1.112'], unicast: false };
    const r = vrrpCheckPacket(inst, ipWrap(encodeAdvert(v2), '192.168.1.2'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet.src).toBe('192.168.1.2');
    expect(r.packet.advert).toMatchObject({ version: 2, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 1, authType: 1 });
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
    const inst: InstanceCheck = { name: 'VI_GATEWAY', vrid: 52, version: 3, advertInt: 10, vips: ['10.0.0.105'], unicast: false };
    const b = encodeAdvert(a, { src: '10.0.0.2', dst: '224.0.0.18' });
    expect(vrrpCheckPacket(inst, ipWrap(b, '10.0.0.2')).ok).toBe(true);
    // the same bytes from another source no longer check out
    expect(vrrpCheckPacket(inst, ipWrap(b, '10.0.0.3'))).toMatchObject({ ok: false, reason: 'checksum' });
    expect(sum16(b)).not.toBe(0xffff);
    expect(() => encodeAdvert(a)).toThrow(/VRRPv3 needs the source/);
  });

  it('accepts any v3 interval (the backup adopts it)', () => {
    const inst: InstanceCheck = { name: 'VI_GATEWAY', vrid: 52, version: 3, advertInt: 10, vips: ['10.0.0.105'], unicast: false };
    const b = encodeAdvert({ ...a, advertInt: 25 }, { src: '10.0.0.2', dst: '224.0.0.18' });
    expect(vrrpCheckPacket(inst, ipWrap(b, '10.0.0.2')).ok).toBe(true);
  });
});
