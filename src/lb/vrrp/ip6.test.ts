// VRRPv3 over IPv6 against what keepalived 2.2.7 put on the wire (test/recordings/vrrp: its frames
// and how they were captured): the embedded codec encodes the same VRRP bytes, checksum over the
// IPv6 pseudo-header included, and the same unsolicited neighbour advertisements.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_NODES6, buildIp6Header, bytesToIp6, canonicalIp6, ip6ToBytes, isLinkLocal6, multicastMac6, pseudoHeaderSum6, VRRP_GROUP6, VRRP_IP6_TCLASS } from './ip6.js';
import { compareAddresses, encodeAdvert, IPPROTO_VRRP, sum16 } from './packet.js';
import { vrrpChecksumOk6 } from './check.js';
import { unsolicitedNaFrame } from './io/ndisc.js';

const rec = JSON.parse(readFileSync(new URL('../../../test/recordings/vrrp/keepalived-2.2.7-ipv6.json', import.meta.url), 'utf8')) as {
  src: string;
  mac: string;
  vips: string[];
  advert: string;
  resign: string;
  na: string[];
};
const mac = Buffer.from(rec.mac.split(':').map((h) => parseInt(h, 16)));
const frame = (hex: string) => Buffer.from(hex, 'hex');
/** the VRRP message of a captured advert frame: after Ethernet (14) and IPv6 (40) */
const vrrpOf = (f: Buffer) => f.subarray(54);

describe('IPv6 addresses', () => {
  it('parses and prints as inet_ntop does (RFC 5952)', () => {
    expect(bytesToIp6(ip6ToBytes('2001:0db8:0000:0000:0000:0000:0000:0112'))).toBe('2001:db8::112');
    expect(canonicalIp6('FE80::FF:FE00:601')).toBe('fe80::ff:fe00:601');
    expect(canonicalIp6('::')).toBe('::');
    expect(canonicalIp6('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIp6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // the first of two equal runs
    expect(canonicalIp6('::ffff:192.168.1.1')).toBe('::ffff:192.168.1.1'); // glibc's inet_ntop keeps the dotted tail
    expect(() => ip6ToBytes('192.168.1.1')).toThrow(/not an IPv6 address/);
    expect(isLinkLocal6('fe80::61')).toBe(true);
    expect(isLinkLocal6('2001:db8::1')).toBe(false);
    expect(multicastMac6(VRRP_GROUP6).toString('hex')).toBe('333300000012');
  });

  it('compares IPv6 addresses as 128-bit numbers (the equal-priority tie-break)', () => {
    expect(compareAddresses('fe80::ff:fe00:602', 'fe80::ff:fe00:601')).toBeGreaterThan(0);
    expect(compareAddresses('fe80::1', 'fe80::1:0')).toBeLessThan(0);
    expect(compareAddresses('192.168.1.111', '192.168.1.110')).toBeGreaterThan(0);
  });
});

describe("keepalived 2.2.7's IPv6 advert, recorded", () => {
  const f = frame(rec.advert);

  it('has the IPv6 header keepalived asks the kernel for', () => {
    expect(f.subarray(0, 6).toString('hex')).toBe('333300000012'); // ff02::12's MAC
    expect(f.readUInt16BE(12)).toBe(0x86dd);
    const ip = f.subarray(14, 54);
    expect(ip[0] >> 4).toBe(6);
    expect((ip.readUInt32BE(0) >> 20) & 0xff).toBe(VRRP_IP6_TCLASS);
    expect(ip.readUInt16BE(4)).toBe(8 + 16 * 2);
    expect(ip[6]).toBe(IPPROTO_VRRP);
    expect(ip[7]).toBe(255);
    expect(bytesToIp6(ip, 8)).toBe(rec.src);
    expect(bytesToIp6(ip, 24)).toBe(VRRP_GROUP6);
    // everything but the flow label (a per-boot hash) is what buildIp6Header writes
    const flow = ip.readUInt32BE(0) & 0xfffff;
    expect(buildIp6Header({ src: rec.src, dst: VRRP_GROUP6, payloadLength: 40, nextHeader: IPPROTO_VRRP, hopLimit: 255, trafficClass: VRRP_IP6_TCLASS, flowLabel: flow }).equals(ip)).toBe(true);
  });

  it('its checksum is over the IPv6 pseudo-header, and encodeAdvert writes the same bytes', () => {
    const v = vrrpOf(f);
    expect(vrrpChecksumOk6(v, rec.src, VRRP_GROUP6)).toBe(true);
    expect(sum16(v, pseudoHeaderSum6(rec.src, VRRP_GROUP6, v.length, IPPROTO_VRRP))).toBe(0xffff);
    // not over an IPv4-style sum or another source
    expect(vrrpChecksumOk6(v, 'fe80::ff:fe00:602', VRRP_GROUP6)).toBe(false);
    const ours = encodeAdvert({ version: 3, vrid: 61, priority: 150, addresses: rec.vips, advertInt: 100 }, { src: rec.src, dst: VRRP_GROUP6 });
    expect(ours.toString('hex')).toBe(v.toString('hex'));
  });

  it('the priority-0 resignation too', () => {
    const v = vrrpOf(frame(rec.resign));
    const ours = encodeAdvert({ version: 3, vrid: 61, priority: 0, addresses: rec.vips, advertInt: 100 }, { src: rec.src, dst: VRRP_GROUP6 });
    expect(ours.toString('hex')).toBe(v.toString('hex'));
  });

  it('refuses IPv6 addresses in a v2 advert, and mixed families', () => {
    expect(() => encodeAdvert({ version: 2, vrid: 1, priority: 1, addresses: ['fe80::1'], advertInt: 1 })).toThrow(/VRRPv3/);
    expect(() => encodeAdvert({ version: 3, vrid: 1, priority: 1, addresses: ['fe80::1', '10.0.0.1'], advertInt: 100 }, { src: 'fe80::2', dst: VRRP_GROUP6 })).toThrow(/family/);
  });
});

describe("keepalived 2.2.7's unsolicited neighbour advertisements, recorded", () => {
  it('unsolicitedNaFrame builds the same 86 bytes for each VIP', () => {
    rec.vips.forEach((vip, i) => {
      const k = frame(rec.na[i]);
      expect(k.length).toBe(86);
      expect(bytesToIp6(k, 14 + 8)).toBe(vip); // source = the VIP
      expect(bytesToIp6(k, 14 + 24)).toBe(ALL_NODES6);
      expect(k[54]).toBe(136);
      expect(k[58]).toBe(0x20); // Override, not Router: the interface did not forward IPv6
      expect(unsolicitedNaFrame(mac, vip, false).toString('hex')).toBe(k.toString('hex'));
    });
  });

  it('sets the Router flag when the interface forwards IPv6, checksum following', () => {
    const f = unsolicitedNaFrame(mac, rec.vips[1], true);
    expect(f[58]).toBe(0xa0);
    const icmp = f.subarray(54);
    expect(sum16(icmp, pseudoHeaderSum6(rec.vips[1], ALL_NODES6, icmp.length, 58))).toBe(0xffff);
  });
});
