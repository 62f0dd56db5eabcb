// The IPv4 header of an advertisement, built by us as keepalived 2.2.7 builds it (vrrp.c
// vrrp_build_ip4 and vrrp_update_pkt) and sent through a raw socket with IP_HDRINCL, so that the
// kernel adds nothing of its own (it would set DF, TOS 0 and pick a random id):
//   version 4, IHL 5, TOS 0xc0 (precedence "internetwork control"), no DF and no fragment offset,
//   TTL 255 (unicast_ttl aside), protocol 112, an id from a counter each instance keeps.
// The kernel still writes the header checksum and the total length of an IP_HDRINCL packet; we
// compute both anyway, so the header we build is the header on the wire.
import { IPPROTO_VRRP, ipToBytes, sum16, VRRP_TTL } from './packet.js';

export const IP4_HEADER_LEN = 20;
/** keepalived's "set tos to internet network control" (IPTOS_PREC_INTERNETCONTROL) */
export const VRRP_IP_TOS = 0xc0;

export interface Ip4HeaderFields {
  src: string;
  dst: string;
  /** the id as it goes on the wire (16 bits); 0 lets the kernel choose one, as for keepalived */
  id: number;
  /** bytes after the header */
  payloadLength: number;
  ttl?: number;
}

/** keepalived's vrrp_build_ip4 plus the checksum the kernel fills in. */
export function buildIp4Header(f: Ip4HeaderFields): Buffer {
  const h = Buffer.alloc(IP4_HEADER_LEN);
  h[0] = 0x45;
  h[1] = VRRP_IP_TOS;
  h.writeUInt16BE(IP4_HEADER_LEN + f.payloadLength, 2);
  h.writeUInt16BE(f.id & 0xffff, 4);
  // bytes 6-7 stay 0: no DF, no fragment offset (keepalived: ip->frag_off = 0)
  h[8] = f.ttl ?? VRRP_TTL;
  h[9] = IPPROTO_VRRP;
  ipToBytes(f.src).copy(h, 12);
  ipToBytes(f.dst).copy(h, 16);
  h.writeUInt16BE(~sum16(h) & 0xffff, 10);
  return h;
}

/**
 * keepalived's per-instance `ip_id`: an int that starts at 0 and is incremented before every
 * advertisement (so the first one carries id 1), skipping 0 when it wraps. Only its low 16 bits
 * reach the header, so every 65536th advert carries id 0 and the kernel picks that one's id. With
 * unicast peers one advertisement (one id) goes to every peer.
 */
export class IpIdCounter {
  private n = 0;

  next(): number {
    this.n = (this.n + 1) | 0;
    if (this.n === 0) this.n = 1;
    return this.n & 0xffff;
  }
}

/** header + VRRP payload: the datagram handed to the IP_HDRINCL socket */
export function ip4Packet(payload: Buffer, f: Omit<Ip4HeaderFields, 'payloadLength'>): Buffer {
  return Buffer.concat([buildIp4Header({ ...f, payloadLength: payload.length }), payload]);
}
