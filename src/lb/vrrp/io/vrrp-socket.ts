// A raw IPPROTO_VRRP socket bound to one interface, set up as keepalived sets up its VRRP sockets
// (vrrp.c open_vrrp_send_socket / open_vrrp_read_socket): IP_HDRINCL, because we build the IP header
// ourselves (ip4.ts: TOS 0xc0, no DF, our own id); multicast loop off; IP_TOS 0xc0 for the socket's
// priority; the 224.0.0.18 membership only while a multicast instance uses the interface (a unicast
// one never hears multicast adverts, as with keepalived). Received datagrams (IP header included)
// come from a poll() on koffi's worker thread and are drained non-blocking on the main thread.
import { ipToBytes, IPPROTO_VRRP, VRRP_GROUP } from '../packet.js';
import { VRRP_IP_TOS } from '../ip4.js';
import {
  AF_INET,
  check,
  ifIndex,
  int32,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IPPROTO_IP,
  loadLibc,
  MSG_DONTROUTE,
  MSG_DONTWAIT,
  POLLIN,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_SOCKET,
} from './libc.js';

const IP_TOS = 1;

export class VrrpSocket {
  readonly fd: number;
  readonly ifindex: number;
  private running = true;
  private joined = false;
  private readonly rbuf = Buffer.alloc(2048);
  private readonly pollfd: unknown;
  private readonly mreqn: Buffer;
  sendErrors = 0;

  constructor(
    readonly ifname: string,
    private readonly onPacket: (p: Buffer) => void,
  ) {
    const c = loadLibc();
    this.ifindex = ifIndex(ifname);
    this.fd = check(c.socket(AF_INET, SOCK_RAW, IPPROTO_VRRP), 'socket(IPPROTO_VRRP)');
    this.mreqn = Buffer.alloc(12); // struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }
    ipToBytes(VRRP_GROUP).copy(this.mreqn, 0);
    this.mreqn.writeInt32LE(this.ifindex, 8);
    check(c.setsockopt(this.fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(ifname + '\0'), ifname.length + 1), `SO_BINDTODEVICE ${ifname}`);
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_HDRINCL, int32(1), 4), 'IP_HDRINCL');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_MULTICAST_IF, this.mreqn, 12), 'IP_MULTICAST_IF');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_MULTICAST_LOOP, int32(0), 4), 'IP_MULTICAST_LOOP');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_TOS, int32(VRRP_IP_TOS), 4), 'IP_TOS');
    const pfd = c.koffi.alloc('uint8_t', 8); // struct pollfd { int fd; short events; short revents; }
    c.koffi.encode(pfd, 'int32_t', this.fd);
    c.koffi.encode(pfd, 4, 'int16_t', POLLIN);
    this.pollfd = pfd;
    this.arm();
  }

  /** join 224.0.0.18 on the interface (once): a multicast instance runs here */
  joinGroup(): void {
    if (this.joined) return;
    check(loadLibc().setsockopt(this.fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, this.mreqn, 12), 'IP_ADD_MEMBERSHIP');
    this.joined = true;
  }

  private arm(): void {
    if (!this.running) return;
    const c = loadLibc();
    c.poll.async(this.pollfd, 1, 200, () => {
      if (!this.running) return;
      for (let i = 0; i < 64; i++) {
        const n = Number(c.recv(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT));
        if (n <= 0) break;
        try {
          this.onPacket(Buffer.from(this.rbuf.subarray(0, n)));
        } catch {
          // a handler bug must not stop reception; the speaker counts drops itself
        }
      }
      this.arm();
    });
  }

  /**
   * Send a whole IPv4 datagram (our header + the VRRP payload) to `dst`, the group or a unicast peer;
   * false when the kernel refused. Multicast goes out with MSG_DONTROUTE, unicast without, as keepalived
   * sends (vrrp_send_pkt).
   */
  send(datagram: Buffer, dst: string = VRRP_GROUP): boolean {
    const sa = Buffer.alloc(16); // sockaddr_in
    sa.writeUInt16LE(AF_INET, 0);
    ipToBytes(dst).copy(sa, 4);
    const flags = dst === VRRP_GROUP ? MSG_DONTROUTE : 0;
    const r = Number(loadLibc().sendto(this.fd, datagram, datagram.length, flags, sa, 16));
    if (r < 0) this.sendErrors++;
    return r >= 0;
  }

  close(): void {
    if (!this.running) return;
    this.running = false;
    // the pending poll() returns within its 200 ms timeout; closing now would race its fd
    setTimeout(() => loadLibc().close(this.fd), 250).unref();
  }
}
