import { describe, expect, it } from 'vitest';
import { castMismatch6, unknownVridLog, vrrpCheckPacket, vrrpCheckPacket6, vrrpChecksumOk6, vrrpGetHeader, vrrpGetHeader6, type InstanceCheck } from './check.js';
import { VRRP_GROUP6 } from './ip6.js';
import { parseCmsgs6, pktinfoCmsg, sockaddrIn6 } from './io/vrrp-socket6.js';
import { buildIp4Header, ip4Packet } from './ip4.js';
import { encodeAdvert, passAuthData, sum16, type VrrpAdvert } from './packet.js';

const VI_1: InstanceCheck = { name: 'VI_1', vrid: 51, version: 2, advertInt: 1, authPass: 'example', vips: ['192.168.1.112'], unicast: false };
const v2: VrrpAdvert = { version: 2, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 1, authType: 1, authData: passAuthData('example') };
const SRC = '192.168.1.111';

function wrap(payload: Buffer, opts: { src?: string; dst?: string; ttl?: number } = {}): Buffer {
  return ip4Packet(payload, { src: opts.src ?? SRC, dst: opts.dst ?? '224.0.0.18', id: 7, ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}) });
}

/** a v2 payload with one byte changed, its checksum fixed up so only that byte is wrong */
function patched(at: number, value: number, a: VrrpAdvert = v2): Buffer {
  const b = encodeAdvert(a);
  b[at] = value;
  b.writeUInt16BE(0, 6);
  b.writeUInt16BE(~sum16(b) & 0xffff, 6);
  return b;
}

const check = (p: Buffer, inst: InstanceCheck = VI_1) => vrrpCheckPacket(inst, p);

describe("keepalived's receive checks (vrrp_check_packet), with its log lines", () => {
  it('accepts a good advert', () => {
    const r = check(wrap(encodeAdvert(v2)));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.packet).toMatchObject({ src: SRC, ttl: 255, advert: { priority: 150, addresses: ['192.168.1.112'] } });
  });

  it('vrrp_get_header: too short for the IP and VRRP headers (no instance known yet)', () => {
    expect(vrrpGetHeader(Buffer.alloc(3))).toEqual({ ok: false, reason: 'short', log: 'IPv4 VRRP packet too short - 3 bytes' });
    expect(vrrpGetHeader(wrap(encodeAdvert(v2).subarray(0, 5)))).toEqual({ ok: false, reason: 'short', log: 'IPv4 VRRP packet too short - 25 bytes' });
    expect(vrrpGetHeader(wrap(encodeAdvert(v2)))).toEqual({ ok: true, vrid: 51 });
  });

  it('an IP protocol other than 112 never reaches an IPPROTO_VRRP socket: dropped without a keepalived line', () => {
    const p = wrap(encodeAdvert(v2));
    p[9] = 17;
    expect(vrrpGetHeader(p)).toEqual({ ok: false, reason: 'not-vrrp' });
  });

  it('unknown VRID, as keepalived logs it with log_unknown_vrids', () => {
    expect(unknownVridLog(9, 'eth0')).toBe('Unknown VRID(9) received on interface(eth0). ignoring...');
  });

  it('length: the datagram must be exactly what its header announces', () => {
    expect(check(wrap(encodeAdvert(v2).subarray(0, 16)))).toEqual({ ok: false, reason: 'length', log: '(VI_1) vrrp packet too short, length 36 and expect 40' });
    expect(check(wrap(Buffer.concat([encodeAdvert(v2), Buffer.alloc(4)])))).toEqual({ ok: false, reason: 'length', log: '(VI_1) vrrp packet too long, length 44 and expect 40' });
    // nine addresses announced, one present
    expect(check(wrap(patched(3, 9)))).toEqual({ ok: false, reason: 'length', log: '(VI_1) vrrp packet too short, length 40 and expect 72' });
  });

  it('TTL 255, for multicast instances only', () => {
    expect(check(wrap(encodeAdvert(v2), { ttl: 254 }))).toEqual({ ok: false, reason: 'ttl', log: '(VI_1) invalid TTL/HL. Received 254 and expect 255' });
    expect(check(wrap(encodeAdvert(v2), { ttl: 64 }))).toMatchObject({ reason: 'ttl' });
    const uni = { ...VI_1, unicast: true };
    expect(check(wrap(encodeAdvert(v2), { ttl: 64, dst: '192.168.1.110' }), uni).ok).toBe(true);
  });

  it('version: the instance\'s', () => {
    const v3 = encodeAdvert({ version: 3, vrid: 51, priority: 150, addresses: ['192.168.1.112'], advertInt: 100 }, { src: SRC, dst: '224.0.0.18' });
    expect(check(wrap(v3))).toEqual({ ok: false, reason: 'version', log: '(VI_1) wrong version. Received 3 and expect 2' });
    expect(check(wrap(encodeAdvert(v2)), { ...VI_1, version: 3 })).toEqual({ ok: false, reason: 'version', log: '(VI_1) wrong version. Received 2 and expect 3' });
  });

  it('v2 authentication: type, mismatch, password (only the first 8 characters count)', () => {
    expect(check(wrap(patched(4, 7)))).toEqual({ ok: false, reason: 'auth', log: '(VI_1) Invalid auth type: 7' });
    expect(check(wrap(encodeAdvert({ ...v2, authType: 0, authData: Buffer.alloc(8) })))).toEqual({ ok: false, reason: 'auth', log: '(VI_1) received a 0 auth, expecting 1!' });
    expect(check(wrap(encodeAdvert(v2)), { ...VI_1, authPass: undefined })).toEqual({ ok: false, reason: 'auth', log: '(VI_1) received a 1 auth, expecting 0!' });
    expect(check(wrap(encodeAdvert({ ...v2, authData: passAuthData('wrong') })))).toEqual({ ok: false, reason: 'auth', log: '(VI_1) received an invalid passwd!' });
    expect(check(wrap(encodeAdvert({ ...v2, authData: passAuthData('examplelonger') })), { ...VI_1, authPass: 'examplelong' }).ok).toBe(true);
  });

  it('v2 advert interval must be ours; v3 intervals are adopted, not checked', () => {
    expect(check(wrap(encodeAdvert({ ...v2, advertInt: 2 })))).toEqual({ ok: false, reason: 'interval', log: "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec" });
  });

  it('type: advertisements only', () => {
    expect(check(wrap(patched(0, 0x22)))).toEqual({ ok: false, reason: 'type', log: '(VI_1) Invalid packet type. 2 and expect 1' });
  });

  it('address count, then the IP total length, then the checksum', () => {
    const two = encodeAdvert({ ...v2, addresses: ['192.168.1.112', '192.168.1.113'] });
    expect(check(wrap(two))).toEqual({ ok: false, reason: 'addr-count', log: '(VI_1) received an unexpected ip number count 2, expected 1!' });
    const p = wrap(encodeAdvert(v2));
    p.writeUInt16BE(41, 2);
    expect(check(p)).toEqual({ ok: false, reason: 'length', log: '(VI_1) ip_tot_len mismatch against received length. 41 and received 40' });
    const bad = encodeAdvert(v2);
    bad[6] ^= 1;
    expect(check(wrap(bad))).toEqual({ ok: false, reason: 'checksum', log: '(VI_1) Invalid VRRPv2 checksum' });
  });

  it('VRRPv3: the checksum covers the pseudo-header', () => {
    const gw: InstanceCheck = { name: 'VI_GATEWAY', vrid: 52, version: 3, advertInt: 100, vips: ['10.0.0.105'], unicast: false };
    const b = encodeAdvert({ version: 3, vrid: 52, priority: 100, addresses: ['10.0.0.105'], advertInt: 100 }, { src: '10.0.0.104', dst: '224.0.0.18' });
    expect(check(wrap(b, { src: '10.0.0.104' }), gw).ok).toBe(true);
    expect(check(wrap(b, { src: '10.0.0.103' }), gw)).toEqual({ ok: false, reason: 'checksum', log: '(VI_GATEWAY) Invalid VRRPv3 checksum' });
  });

  it('multicast adverts for multicast instances, unicast for unicast ones', () => {
    expect(check(wrap(encodeAdvert(v2), { dst: '192.168.1.110' }))).toEqual({ ok: false, reason: 'cast', log: '(VI_1) Expected multicast packet but received unicast packet' });
    expect(check(wrap(encodeAdvert(v2)), { ...VI_1, unicast: true })).toEqual({ ok: false, reason: 'cast', log: '(VI_1) Expected unicast packet but received multicast packet' });
  });

  it('every configured address must be in the advert', () => {
    expect(check(wrap(encodeAdvert({ ...v2, addresses: ['192.168.1.113'] })))).toEqual({
      ok: false,
      reason: 'addr-mismatch',
      log: '(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.168.1.112',
    });
  });

  it("keepalived's order, not the RFC's: a short packet with a bad TTL is reported as short", () => {
    expect(check(wrap(encodeAdvert(v2).subarray(0, 16), { ttl: 1 }))).toMatchObject({ reason: 'length' });
    // a wrong password is found before a wrong type
    const p = patched(0, 0x22, { ...v2, authData: passAuthData('other') });
    expect(check(wrap(p))).toMatchObject({ reason: 'auth' });
  });

  it('a datagram built by buildIp4Header carries a valid header checksum', () => {
    const h = buildIp4Header({ src: SRC, dst: '224.0.0.18', id: 1, payloadLength: 20 });
    expect(sum16(h)).toBe(0xffff);
  });
});

describe('vrrp_check_packet for IPv6 (keepalived 2.2.7 order and words)', () => {
  const VI_6: InstanceCheck = { name: 'VI_6', vrid: 61, version: 3, advertInt: 100, vips: ['fe80::61', '2001:db8:1::112'], unicast: false };
  const SRC6 = 'fe80::ff:fe00:602';
  const meta = { src: SRC6, dst: VRRP_GROUP6, hopLimit: 255 };
  const adv = (over: Partial<VrrpAdvert> = {}) =>
    encodeAdvert({ version: 3, vrid: 61, priority: 100, addresses: VI_6.vips, advertInt: 100, ...over }, { src: SRC6, dst: VRRP_GROUP6 });

  it('accepts a good advert', () => {
    const r = vrrpCheckPacket6(VI_6, adv(), meta);
    expect(r.ok && r.packet.advert).toEqual({ version: 3, vrid: 61, priority: 100, addresses: ['fe80::61', '2001:db8:1::112'], advertInt: 100 });
    // configured in any text form, compared canonically
    expect(vrrpCheckPacket6({ ...VI_6, vips: ['FE80:0::61', '2001:db8:1:0::112'] }, adv(), meta).ok).toBe(true);
  });

  it('header too short: the IPv6 line (no IP header to count)', () => {
    expect(vrrpGetHeader6(Buffer.alloc(7))).toEqual({ ok: false, reason: 'short', log: 'IPv6 VRRP packet too short - 7 bytes' });
    expect(vrrpGetHeader6(adv())).toEqual({ ok: true, vrid: 61 });
  });

  it('drops with the reason and line keepalived logs', () => {
    const cases: [Buffer, typeof meta, string, string][] = [
      [Buffer.concat([adv(), Buffer.alloc(4)]), meta, 'length', '(VI_6) vrrp packet too long, length 44 and expect 40'],
      [adv().subarray(0, 30), meta, 'length', '(VI_6) vrrp packet too short, length 30 and expect 40'],
      [adv(), { ...meta, hopLimit: 64 }, 'ttl', '(VI_6) invalid TTL/HL. Received 64 and expect 255'],
      [(() => { const b = adv(); b[0] = 0x21; return b; })(), meta, 'version', '(VI_6) wrong version. Received 2 and expect 3'],
      [(() => { const b = adv(); b[0] = 0x32; return b; })(), meta, 'type', '(VI_6) Invalid packet type. 2 and expect 1'],
      [adv({ addresses: ['fe80::61'] }), meta, 'addr-count', '(VI_6) received an unexpected ip number count 1, expected 2!'],
      [adv({ addresses: ['fe80::61', '2001:db8:1::113'] }), meta, 'addr-mismatch', '(VI_6) ip address associated with VRID 61 not present in MASTER advert: 2001:db8:1::112'],
    ];
    for (const [p, m, reason, log] of cases) expect(vrrpCheckPacket6(VI_6, p, m)).toEqual({ ok: false, reason, log });
  });

  it('no hop limit from the kernel: the check is skipped, as keepalived does with rx_ttl_hop_limit -1', () => {
    expect(vrrpCheckPacket6(VI_6, adv(), { ...meta, hopLimit: -1 }).ok).toBe(true);
  });

  it('a unicast instance takes any hop limit, and a wrong-cast advert is caught before the checks', () => {
    expect(vrrpCheckPacket6({ ...VI_6, unicast: true }, adv(), { ...meta, dst: 'fe80::ff:fe00:601', hopLimit: 3 }).ok).toBe(true);
    expect(castMismatch6({ unicast: true }, meta)).toBe(true);
    expect(castMismatch6({ unicast: false }, meta)).toBe(false);
    expect(castMismatch6({ unicast: false }, { ...meta, dst: 'fe80::ff:fe00:601' })).toBe(true);
  });

  it("the checksum is the kernel's to check (IPV6_CHECKSUM): vrrpCheckPacket6 does not, vrrpChecksumOk6 can", () => {
    const b = adv();
    b[7] ^= 1;
    expect(vrrpCheckPacket6(VI_6, b, meta).ok).toBe(true);
    expect(vrrpChecksumOk6(b, SRC6, VRRP_GROUP6)).toBe(false);
    expect(vrrpChecksumOk6(adv(), SRC6, VRRP_GROUP6)).toBe(true);
  });
});

describe('IPv6 ancillary data', () => {
  it('reads IPV6_HOPLIMIT and IPV6_PKTINFO as recvmsg returns them, and writes the IPV6_PKTINFO keepalived sends', () => {
    const pk = pktinfoCmsg('fe80::ff:fe00:601', 2);
    expect(pk.length).toBe(40);
    const hl = Buffer.alloc(24);
    hl.writeBigUInt64LE(20n, 0);
    hl.writeInt32LE(41, 8);
    hl.writeInt32LE(52, 12);
    hl.writeInt32LE(255, 16);
    const control = Buffer.concat([hl, pk]);
    expect(parseCmsgs6(control, control.length)).toEqual({ hopLimit: 255, dst: 'fe80::ff:fe00:601' });
    expect(parseCmsgs6(control, 0)).toEqual({ hopLimit: -1, dst: '' });
    expect(sockaddrIn6('ff02::12', 7).toString('hex')).toBe('0a00000000000000ff02000000000000000000000000001207000000');
  });
});
