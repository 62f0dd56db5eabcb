import { describe, expect, it } from 'vitest';
import { buildIp4Header, ip4Packet, IpIdCounter, VRRP_IP_TOS } from './ip4.js';
import { encodeAdvert, passAuthData, sum16 } from './packet.js';

describe("the advert's IPv4 header, as keepalived 2.2.7 builds it (vrrp_build_ip4)", () => {
  it('TOS 0xc0, no DF, our id, TTL 255, protocol 112, the addresses, a valid checksum', () => {
    const h = buildIp4Header({ src: '192.168.1.110', dst: '224.0.0.18', id: 1, payloadLength: 20 });
    expect(h.toString('hex')).toBe('45c0' + '0028' + '0001' + '0000' + 'ff70' + '187c' + 'c0a8016e' + 'e0000012');
    expect(h[1]).toBe(VRRP_IP_TOS);
    expect(h.readUInt16BE(6)).toBe(0); // no DF, no fragment offset
    expect(h[8]).toBe(255);
    expect(h[9]).toBe(112);
    expect(sum16(h)).toBe(0xffff);
    // by hand: 45c0+0028+0001+0000+ff70+c0a8+016e+e000+0012 = 0x2e781 -> 0xe783, inverted 0x187c
    expect(h.readUInt16BE(10)).toBe(0x187c);
  });

  it('the article VI_1 advert: 40 bytes, total length in the header', () => {
    const payload = encodeAdvert({ version: 2, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 1, authType: 1, authData: passAuthData('example') });
    const p = ip4Packet(payload, { src: '192.168.1.110', dst: '224.0.0.18', id: 3 });
    expect(p.length).toBe(40);
    expect(p.readUInt16BE(2)).toBe(40);
    expect(p.readUInt16BE(4)).toBe(3);
    expect(p.subarray(20).equals(payload)).toBe(true);
  });

  it('keeps a unicast TTL when one is given', () => {
    expect(buildIp4Header({ src: '10.0.0.1', dst: '10.0.0.2', id: 9, payloadLength: 12, ttl: 64 })[8]).toBe(64);
  });
});

describe("keepalived's per-instance IP id", () => {
  it('starts at 1 and counts each advert', () => {
    const c = new IpIdCounter();
    expect([c.next(), c.next(), c.next()]).toEqual([1, 2, 3]);
  });

  it('sends only the low 16 bits: the 65536th advert carries 0 (the kernel picks that id), then 1 again', () => {
    const c = new IpIdCounter();
    let last = 0;
    for (let i = 0; i < 65535; i++) last = c.next();
    expect(last).toBe(65535);
    expect(c.next()).toBe(0);
    expect(c.next()).toBe(1);
  });

  it('counters are per instance', () => {
    const a = new IpIdCounter();
    const b = new IpIdCounter();
    a.next();
    a.next();
    expect(b.next()).toBe(1);
    expect(a.next()).toBe(3);
  });
});
