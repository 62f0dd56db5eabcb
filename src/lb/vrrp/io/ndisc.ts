// Unsolicited neighbour advertisements over AF_PACKET: IPv6's gratuitous ARP (RFC 4861 7.2.6), so
// neighbours repoint their cache entry for a VIP at the new master at once. The frame is keepalived
// 2.2.7's (vrrp_ndisc.c ndisc_send_unsolicited_na_immediate), 86 bytes:
//   Ethernet 33:33:00:00:00:01 <- our MAC, type 0x86dd;
//   IPv6 traffic class 0, flow label 0, payload 32, next header 58, hop limit 255, source = the VIP
//   itself (not the link-local address), destination ff02::1 (all nodes);
//   ICMPv6 type 136 code 0, flags Override, plus Router when the interface forwards IPv6
//   (/proc/sys/net/ipv6/conf/IF/forwarding, which keepalived rereads at most every 5 s), target = the
//   VIP, option 2 (target link-layer address) of length 1 with our MAC; the checksum over the IPv6
//   pseudo-header.
import { readFileSync } from 'node:fs';
import { ALL_NODES6, buildIp6Header, ip6ToBytes, IPPROTO_ICMPV6, multicastMac6, pseudoHeaderSum6 } from '../ip6.js';
import { sum16 } from '../packet.js';
import { interfaceMac } from './garp.js';
import { AF_PACKET, check, ETH_P_IPV6, ifIndex, loadLibc, SOCK_RAW } from './libc.js';

export const ND_NEIGHBOR_ADVERT = 136;
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_OVERRIDE = 0x20;
const ND_OPT_TARGET_LINKADDR = 2;
const NDISC_HOPLIMIT = 255;
const NA_LEN = 32; // nd_neighbor_advert (24) + option header (2) + MAC (6)

/** the whole Ethernet frame of one unsolicited neighbour advertisement for `vip` */
export function unsolicitedNaFrame(mac: Buffer, vip: string, router: boolean): Buffer {
  const na = Buffer.alloc(NA_LEN);
  na[0] = ND_NEIGHBOR_ADVERT;
  na[4] = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
  ip6ToBytes(vip).copy(na, 8);
  na[24] = ND_OPT_TARGET_LINKADDR;
  na[25] = 1;
  mac.copy(na, 26);
  na.writeUInt16BE(~sum16(na, pseudoHeaderSum6(vip, ALL_NODES6, NA_LEN, IPPROTO_ICMPV6)) & 0xffff, 2);
  const eth = Buffer.alloc(14);
  multicastMac6(ALL_NODES6).copy(eth, 0);
  mac.copy(eth, 6);
  eth.writeUInt16BE(ETH_P_IPV6, 12);
  const ip = buildIp6Header({ src: vip, dst: ALL_NODES6, payloadLength: NA_LEN, nextHeader: IPPROTO_ICMPV6, hopLimit: NDISC_HOPLIMIT });
  return Buffer.concat([eth, ip, na]);
}

/** keepalived's gna_router: the interface forwards IPv6 */
export function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

const ROUTER_RECHECK_MS = 5000;

export class NdiscSender {
  private fd: number;
  private readonly sll: Buffer;
  private readonly mac: Buffer;
  private router = false;
  private routerCheckedAt = -Infinity;
  sent = 0;

  constructor(readonly ifname: string, mac?: Buffer) {
    const c = loadLibc();
    // protocol 0: send-only, as garp.ts (keepalived's ndisc_fd receives nothing either)
    this.fd = check(c.socket(AF_PACKET, SOCK_RAW, 0), 'socket(AF_PACKET)');
    this.mac = mac ?? interfaceMac(ifname);
    this.sll = Buffer.alloc(20); // sockaddr_ll
    this.sll.writeUInt16LE(AF_PACKET, 0);
    this.sll.writeUInt16BE(ETH_P_IPV6, 2);
    this.sll.writeInt32LE(ifIndex(ifname), 4);
    this.sll.writeUInt16LE(1, 8); // ARPHRD_ETHER
    this.sll[11] = 6;
    this.mac.copy(this.sll, 12);
  }

  /** one unsolicited neighbour advertisement per address */
  send(vips: string[]): number {
    const now = Date.now();
    if (now - this.routerCheckedAt >= ROUTER_RECHECK_MS) {
      this.router = ipv6Forwarding(this.ifname);
      this.routerCheckedAt = now;
    }
    let ok = 0;
    for (const vip of vips) {
      const f = unsolicitedNaFrame(this.mac, vip, this.router);
      if (Number(loadLibc().sendto(this.fd, f, f.length, 0, this.sll, 20)) >= 0) ok++;
    }
    this.sent += ok;
    return ok;
  }

  close(): void {
    if (this.fd >= 0) loadLibc().close(this.fd);
    this.fd = -1;
  }
}
