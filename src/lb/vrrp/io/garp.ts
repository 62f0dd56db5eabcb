// Gratuitous ARP over AF_PACKET: an ARP request "who-has VIP tell VIP" from the interface's MAC to
// broadcast, so neighbours (the client, the router, the real servers) repoint their entry for the VIP
// at the new master at once instead of after their cache times out. The frame is keepalived 2.2.7's
// (vrrp_arp.c send_gratuitous_arp_immediate): Ethernet broadcast destination, sender = our MAC and
// the VIP, target = the broadcast MAC (not zeros) and the VIP again; 42 bytes, no padding (a real
// NIC pads to 60 on the wire, a veth does not).
import { readFileSync } from 'node:fs';
import { ipToBytes } from '../packet.js';
import { AF_PACKET, check, ETH_P_ARP, ifIndex, loadLibc, SOCK_RAW } from './libc.js';

export function interfaceMac(ifname: string): Buffer {
  const text = readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim();
  return Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
}

export const ETH_BROADCAST = Buffer.alloc(6, 0xff);

export function garpFrame(mac: Buffer, ip: string): Buffer {
  const f = Buffer.alloc(42);
  ETH_BROADCAST.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(1, 14); // hardware: Ethernet
  f.writeUInt16BE(0x0800, 16); // protocol: IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  mac.copy(f, 22);
  ipToBytes(ip).copy(f, 28);
  ETH_BROADCAST.copy(f, 32); // keepalived: memcpy(arp_ptr, ifp->hw_addr_bcast, ...)
  ipToBytes(ip).copy(f, 38);
  return f;
}

export class GarpSender {
  private fd: number;
  private readonly sll: Buffer;
  private readonly mac: Buffer;
  sent = 0;

  constructor(readonly ifname: string, mac?: Buffer) {
    const c = loadLibc();
    // protocol 0: a send-only packet socket (it receives nothing, so no ARP frames queue up unread);
    // the frame's type comes from sockaddr_ll.sll_protocol below
    this.fd = check(c.socket(AF_PACKET, SOCK_RAW, 0), 'socket(AF_PACKET)');
    this.mac = mac ?? interfaceMac(ifname);
    this.sll = Buffer.alloc(20); // sockaddr_ll
    this.sll.writeUInt16LE(AF_PACKET, 0);
    this.sll.writeUInt16BE(ETH_P_ARP, 2);
    this.sll.writeInt32LE(ifIndex(ifname), 4);
    this.sll[11] = 6;
    this.sll.fill(0xff, 12, 18);
  }

  /** one gratuitous ARP per address; errors (link down) are counted by the caller's result */
  send(ips: string[]): number {
    let ok = 0;
    for (const ip of ips) {
      const f = garpFrame(this.mac, ip);
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
