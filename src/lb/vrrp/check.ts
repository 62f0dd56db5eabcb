// What keepalived 2.2.7 does with a received datagram before its state machine sees it
// (vrrp.c vrrp_get_header and vrrp_check_packet, vrrp_scheduler.c vrrp_read_dispatcher), in the
// same order and with the same log lines: an advert that fails a check is dropped, counted by
// reason, and logged in keepalived's words ("(VI_1) invalid TTL/HL. Received 254 and expect 255").
// Checks keepalived only makes with options lvslab does not act on (check_unicast_src, AH, the
// pre-1.3.6 unicast checksum) are not made.
import { bytesToIp6, canonicalIp6, ip6ToBytes, isMulticast6, pseudoHeaderSum6 } from './ip6.js';
import { AUTH_LEN, AUTH_PASS, AUTH_NONE, bytesToIp, IPPROTO_VRRP, passAuthData, pseudoHeaderSum, sum16, VRRP_TTL, VRRP_TYPE_ADVERTISEMENT, type ReceivedAdvert, type VrrpAdvert } from './packet.js';

const VRRP_HDR_LEN = 8;
/** keepalived's VRRP_AUTH_AH: a valid type on the wire, refused by lvslab's parser */
const AUTH_AH = 2;

export type DropReason =
  | 'short' // shorter than an IP header + VRRP header (vrrp_get_header)
  | 'not-vrrp' // IP protocol is not 112: an IPPROTO_VRRP socket never delivers one, keepalived has no text
  | 'vrid' // no instance for this VRID on this interface (logged only with log_unknown_vrids)
  | 'length' // datagram length differs from what the header announces, or from the IP total length
  | 'ttl' // IP TTL is not 255 (multicast instances only)
  | 'version' // not the instance's VRRP version
  | 'auth' // v2: invalid or mismatched authentication type, or wrong password
  | 'interval' // v2: advert interval differs from ours
  | 'type' // not an ADVERTISEMENT
  | 'addr-count' // address count differs from the configured VIPs
  | 'checksum'
  | 'cast' // a multicast advert for a unicast instance or the other way round
  | 'addr-mismatch'; // a configured VIP is missing from the advert

export type Dropped = { ok: false; reason: DropReason; /** keepalived's log line, when it logs one */ log?: string };

/** What vrrp_check_packet reads of the receiving instance. */
export interface InstanceCheck {
  name: string;
  vrid: number;
  version: 2 | 3;
  /** v2: whole seconds as on the wire (v3 intervals are adopted, not checked) */
  advertInt: number;
  /** v2 auth_type PASS with this password; absent: no authentication */
  authPass?: string;
  vips: string[];
  /** the instance has unicast peers */
  unicast: boolean;
}

/** vrrp_get_header: enough bytes for the IP header and the VRRP header, and the VRID to dispatch on. */
export function vrrpGetHeader(p: Buffer): { ok: true; vrid: number } | Dropped {
  if (p.length < 20 || p.length < (p[0] & 0x0f) * 4 + VRRP_HDR_LEN) {
    return { ok: false, reason: 'short', log: `IPv4 VRRP packet too short - ${p.length} bytes` };
  }
  if (p[9] !== IPPROTO_VRRP) return { ok: false, reason: 'not-vrrp' };
  return { ok: true, vrid: p[(p[0] & 0x0f) * 4 + 1] };
}

/** keepalived's line for an advert whose VRID no instance on the interface has (log_unknown_vrids) */
export function unknownVridLog(vrid: number, ifname: string): string {
  return `Unknown VRID(${vrid}) received on interface(${ifname}). ignoring...`;
}

/**
 * vrrp_check_packet for an IPv4 instance, on a datagram vrrpGetHeader accepted. The order is
 * keepalived's, not the RFC's: exact length first, then TTL, version, v2 authentication and
 * interval, type, address count, IP total length, checksum, unicast/multicast, addresses.
 */
export function vrrpCheckPacket(inst: InstanceCheck, p: Buffer): { ok: true; packet: ReceivedAdvert } | Dropped {
  const drop = (reason: DropReason, text: string): Dropped => ({ ok: false, reason, log: `(${inst.name}) ${text}` });
  const ihl = (p[0] & 0x0f) * 4;
  const v = p.subarray(ihl);
  const pktVersion = v[0] >> 4;
  const naddr = v[3];
  const vrrpLen = VRRP_HDR_LEN + 4 * naddr + (pktVersion === 2 ? AUTH_LEN : 0);
  const expected = ihl + vrrpLen;
  if (p.length !== expected) {
    return drop('length', `vrrp packet too ${p.length > expected ? 'long' : 'short'}, length ${p.length} and expect ${expected}`);
  }
  const ttl = p[8];
  if (!inst.unicast && ttl !== VRRP_TTL) return drop('ttl', `invalid TTL/HL. Received ${ttl} and expect ${VRRP_TTL}`);
  if (pktVersion !== inst.version) return drop('version', `wrong version. Received ${pktVersion} and expect ${inst.version}`);
  const totLen = p.readUInt16BE(2);
  if (inst.version === 2) {
    const authType = v[4];
    if (authType !== AUTH_AH && authType !== AUTH_PASS && authType !== AUTH_NONE) return drop('auth', `Invalid auth type: ${authType}`);
    const want = inst.authPass !== undefined ? AUTH_PASS : AUTH_NONE;
    if (authType !== want) return drop('auth', `received a ${authType} auth, expecting ${want}!`);
    // keepalived reads the password at the end of the IP total length, checked only later
    const end = Math.min(totLen, p.length);
    if (want === AUTH_PASS && !p.subarray(end - AUTH_LEN, end).equals(passAuthData(inst.authPass!))) {
      return drop('auth', 'received an invalid passwd!');
    }
    if (v[5] !== inst.advertInt) return drop('interval', `advertisement interval mismatch mine=${inst.advertInt} sec rcv'd=${v[5]} sec`);
  }
  const type = v[0] & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return drop('type', `Invalid packet type. ${type} and expect ${VRRP_TYPE_ADVERTISEMENT}`);
  if (naddr !== inst.vips.length) return drop('addr-count', `received an unexpected ip number count ${naddr}, expected ${inst.vips.length}!`);
  if (totLen !== p.length) return drop('length', `ip_tot_len mismatch against received length. ${totLen} and received ${p.length}`);
  const src = bytesToIp(p, 12);
  const dst = bytesToIp(p, 16);
  const body = v.subarray(0, vrrpLen);
  const sum = inst.version === 2 ? sum16(body) : sum16(body, pseudoHeaderSum(src, dst, body.length));
  if (sum !== 0xffff) return drop('checksum', `Invalid VRRPv${inst.version} checksum`);
  const multicast = p[16] >= 224 && p[16] <= 239;
  if (multicast === inst.unicast) {
    const [want, got] = inst.unicast ? ['un', 'mult'] : ['mult', 'un'];
    return drop('cast', `Expected ${want}icast packet but received ${got}icast packet`);
  }
  const addresses = Array.from({ length: naddr }, (_, i) => bytesToIp(v, VRRP_HDR_LEN + 4 * i));
  const have = new Set(addresses);
  const missing = inst.vips.find((a) => !have.has(a));
  if (missing !== undefined) return drop('addr-mismatch', `ip address associated with VRID ${inst.vrid} not present in MASTER advert: ${missing}`);
  const advert: VrrpAdvert =
    inst.version === 2
      ? { version: 2, vrid: v[1], priority: v[2], addresses, advertInt: v[5], authType: v[4], authData: Buffer.from(v.subarray(vrrpLen - AUTH_LEN, vrrpLen)) }
      : { version: 3, vrid: v[1], priority: v[2], addresses, advertInt: v.readUInt16BE(4) & 0x0fff };
  return { ok: true, packet: { src, dst, ttl, advert } };
}

// ---- IPv6 (VRRPv3 only). An AF_INET6 raw socket hands keepalived the VRRP message without the IPv6
// header; the hop limit and the destination come as ancillary data (IPV6_HOPLIMIT, IPV6_PKTINFO),
// the source as the socket address. The kernel verifies the checksum (IPV6_CHECKSUM offset 6) and
// drops a bad one before keepalived sees it, so keepalived has no checksum check for IPv6, and
// neither has this one: VrrpSocket6 sets the same option.

/** what recvmsg tells besides the VRRP message */
export interface Received6 {
  src: string;
  dst: string;
  /** IPV6_HOPLIMIT; -1 when the kernel gave none (keepalived then skips the check) */
  hopLimit: number;
}

/** what keepalived logs at start for an IPv6 multicast instance whose first VIP is not link-local */
export function firstVipNotLinkLocalLog(instance: string): string {
  return `(${instance}) the first IPv6 VIP address should be link local`;
}

/** vrrp_get_header for AF_INET6: at least the 8-byte VRRP header */
export function vrrpGetHeader6(v: Buffer): { ok: true; vrid: number } | Dropped {
  if (v.length < VRRP_HDR_LEN) return { ok: false, reason: 'short', log: `IPv6 VRRP packet too short - ${v.length} bytes` };
  return { ok: true, vrid: v[1] };
}

/**
 * keepalived's vrrp_read_dispatcher drops an IPv6 advert whose destination does not match the
 * instance's kind (multicast for a multicast instance) before vrrp_check_packet, logging it only with
 * detailed logging; the instance's check then never sees one.
 */
export function castMismatch6(inst: Pick<InstanceCheck, 'unicast'>, meta: Received6): boolean {
  return isMulticast6(ip6ToBytes(meta.dst)) === inst.unicast;
}

/**
 * vrrp_check_packet for an IPv6 instance: exact length, hop limit (multicast instances), version,
 * type, address count, addresses: keepalived's order and words; no IP total length or checksum.
 */
export function vrrpCheckPacket6(inst: InstanceCheck, v: Buffer, meta: Received6): { ok: true; packet: ReceivedAdvert } | Dropped {
  const drop = (reason: DropReason, text: string): Dropped => ({ ok: false, reason, log: `(${inst.name}) ${text}` });
  const naddr = v[3];
  const expected = VRRP_HDR_LEN + 16 * naddr;
  if (v.length !== expected) {
    return drop('length', `vrrp packet too ${v.length > expected ? 'long' : 'short'}, length ${v.length} and expect ${expected}`);
  }
  if (!inst.unicast && meta.hopLimit !== -1 && meta.hopLimit !== VRRP_TTL) {
    return drop('ttl', `invalid TTL/HL. Received ${meta.hopLimit} and expect ${VRRP_TTL}`);
  }
  const pktVersion = v[0] >> 4;
  if (pktVersion !== inst.version) return drop('version', `wrong version. Received ${pktVersion} and expect ${inst.version}`);
  const type = v[0] & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return drop('type', `Invalid packet type. ${type} and expect ${VRRP_TYPE_ADVERTISEMENT}`);
  if (naddr !== inst.vips.length) return drop('addr-count', `received an unexpected ip number count ${naddr}, expected ${inst.vips.length}!`);
  const addresses = Array.from({ length: naddr }, (_, i) => bytesToIp6(v, VRRP_HDR_LEN + 16 * i));
  const have = new Set(addresses);
  const missing = inst.vips.find((a) => !have.has(canonicalIp6(a)));
  if (missing !== undefined) return drop('addr-mismatch', `ip address associated with VRID ${inst.vrid} not present in MASTER advert: ${canonicalIp6(missing)}`);
  const advert: VrrpAdvert = { version: 3, vrid: v[1], priority: v[2], addresses, advertInt: v.readUInt16BE(4) & 0x0fff };
  return { ok: true, packet: { src: meta.src, dst: meta.dst, ttl: meta.hopLimit, advert } };
}

/** the RFC's checksum test, which the kernel makes for keepalived: true when `v` sums to 0xffff with its pseudo-header */
export function vrrpChecksumOk6(v: Buffer, src: string, dst: string): boolean {
  return sum16(v, pseudoHeaderSum6(src, dst, v.length, IPPROTO_VRRP)) === 0xffff;
}
