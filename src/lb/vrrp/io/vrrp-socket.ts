// A raw IPPROTO_VRRP socket bound to one interface: joins 224.0.0.18 there, sends with TTL 255 and
// no multicast loop (keepalived's settings), and delivers received datagrams (IP header included)
// from a poll() on koffi's worker thread, drained non-blocking on the main thread.
import { ipToBytes, IPPROTO_VRRP, VRRP_GROUP, VRRP_TTL } from '../packet.js';
import {
  AF_INET,
  check,
  ifIndex,
  int32,
  IP_ADD_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  loadLibc,
  MSG_DONTWAIT,
  POLLIN,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_SOCKET,
} from './libc.js';

export class VrrpSocket {
  readonly fd: number;
  readonly ifindex: number;
  private running = true;
  private readonly rbuf = Buffer.alloc(2048);
  private readonly pollfd: unknown;
  sendErrors = 0;

  constructor(
    readonly ifname: string,
    private readonly onPacket: (p: Buffer) => void,
  ) {
    const c = loadLibc();
    this.ifindex = ifIndex(ifname);
    this.fd = check(c.socket(AF_INET, SOCK_RAW, IPPROTO_VRRP), 'socket(IPPROTO_VRRP)');
    const mreqn = Buffer.alloc(12); // struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }
    ipToBytes(VRRP_GROUP).copy(mreqn, 0);
    mreqn.writeInt32LE(this.ifindex, 8);
    check(c.setsockopt(this.fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(ifname + '\0'), ifname.length + 1), `SO_BINDTODEVICE ${ifname}`);
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, 12), 'IP_ADD_MEMBERSHIP');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_MULTICAST_IF, mreqn, 12), 'IP_MULTICAST_IF');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_MULTICAST_TTL, int32(VRRP_TTL), 4), 'IP_MULTICAST_TTL');
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_TTL, int32(VRRP_TTL), 4), 'IP_TTL'); // unicast peers
    check(c.setsockopt(this.fd, IPPROTO_IP, IP_MULTICAST_LOOP, int32(0), 4), 'IP_MULTICAST_LOOP');
    const pfd = c.koffi.alloc('uint8_t', 8); // struct pollfd { int fd; short events; short revents; }
    c.koffi.encode(pfd, 'int32_t', this.fd);
    c.koffi.encode(pfd, 4, 'int16_t', POLLIN);
    this.pollfd = pfd;
    this.arm();
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

  /** send a VRRP payload to `dst` (the group, or a unicast peer); false when the kernel refused */
  send(payload: Buffer, dst: string = VRRP_GROUP): boolean {
    const sa = Buffer.alloc(16); // sockaddr_in
    sa.writeUInt16LE(AF_INET, 0);
    ipToBytes(dst).copy(sa, 4);
    const r = Number(loadLibc().sendto(this.fd, payload, payload.length, 0, sa, 16));
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
