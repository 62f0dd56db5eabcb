// A raw AF_INET6 IPPROTO_VRRP socket bound to one interface, set up as keepalived 2.2.7 sets up its
// IPv6 VRRP sockets (vrrp.c open_vrrp_send_socket / open_vrrp_read_socket, vrrp_if.c): the kernel
// writes the IPv6 header, so the options are what shape it on the wire:
//   IPV6_CHECKSUM 6 (the kernel fills in the checksum over the pseudo-header and drops bad ones on
//   receive), IPV6_MULTICAST_HOPS 255, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP 0, IPV6_TCLASS 0xc0,
//   IPV6_MULTICAST_ALL 0; on receive IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO (the hop limit and the
//   destination come as ancillary data); ff02::12 joined on the interface for multicast instances.
// Each advert is sent with sendmsg and an IPV6_PKTINFO naming the source (the interface's link-local
// address) and the interface, with MSG_DONTROUTE for multicast, as keepalived's vrrp_send_pkt does.
// keepalived uses one socket to send and one to receive; one socket carrying both options sends the
// same bytes. Reception: poll() on koffi's worker thread, recvmsg drained on the main thread.
import { bytesToIp6, ip6ToBytes, VRRP_GROUP6, VRRP_IP6_TCLASS } from '../ip6.js';
import { IPPROTO_VRRP } from '../packet.js';
import type { Received6 } from '../check.js';
import {
  AF_INET6,
  check,
  ifIndex,
  int32,
  IPPROTO_IPV6,
  IPV6_ADD_MEMBERSHIP,
  IPV6_CHECKSUM,
  IPV6_HOPLIMIT,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PKTINFO,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  loadLibc,
  MSG_DONTROUTE,
  MSG_DONTWAIT,
  POLLIN,
  SO_BINDTODEVICE,
  SOCK_RAW,
  SOL_SOCKET,
} from './libc.js';

const SOCKADDR_IN6_LEN = 28;
const CMSG_HDR_LEN = 16; // struct cmsghdr on 64-bit Linux: size_t len, int level, int type
const PKTINFO_LEN = 20; // struct in6_pktinfo { in6_addr; unsigned ifindex }
const CONTROL_LEN = 128;
const BUF_LEN = 2048;

/** struct sockaddr_in6 for `addr` (scope = interface index for link-local and multicast link scope) */
export function sockaddrIn6(addr: string, scopeId: number): Buffer {
  const sa = Buffer.alloc(SOCKADDR_IN6_LEN);
  sa.writeUInt16LE(AF_INET6, 0);
  ip6ToBytes(addr).copy(sa, 8);
  sa.writeUInt32LE(scopeId, 24);
  return sa;
}

/** the IPV6_PKTINFO control message keepalived's vrrp_build_ancillary_data writes */
export function pktinfoCmsg(src: string, ifindex: number): Buffer {
  const c = Buffer.alloc(CMSG_HDR_LEN + 24); // CMSG_SPACE(20) = 40
  c.writeBigUInt64LE(BigInt(CMSG_HDR_LEN + PKTINFO_LEN), 0);
  c.writeInt32LE(IPPROTO_IPV6, 8);
  c.writeInt32LE(IPV6_PKTINFO, 12);
  ip6ToBytes(src).copy(c, 16);
  c.writeUInt32LE(ifindex, 32);
  return c;
}

/** hop limit and destination from recvmsg's control messages (-1 and '' when absent) */
export function parseCmsgs6(control: Buffer, len: number): { hopLimit: number; dst: string } {
  let hopLimit = -1;
  let dst = '';
  for (let off = 0; off + CMSG_HDR_LEN <= len; ) {
    const clen = Number(control.readBigUInt64LE(off));
    if (clen < CMSG_HDR_LEN) break;
    const level = control.readInt32LE(off + 8);
    const type = control.readInt32LE(off + 12);
    if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT && clen - CMSG_HDR_LEN === 4) hopLimit = control.readInt32LE(off + CMSG_HDR_LEN);
    if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO && clen - CMSG_HDR_LEN === PKTINFO_LEN) dst = bytesToIp6(control, off + CMSG_HDR_LEN);
    off += (clen + 7) & ~7;
  }
  return { hopLimit, dst };
}

export class VrrpSocket6 {
  readonly fd: number;
  readonly ifindex: number;
  private running = true;
  private joined = false;
  private readonly pollfd: unknown;
  // recvmsg's and sendmsg's memory lives outside the JS heap, so the kernel can be handed pointers
  private readonly mem: { msg: unknown; iov: unknown; name: unknown; control: unknown; buf: unknown };
  sendErrors = 0;

  constructor(
    readonly ifname: string,
    private readonly onPacket: (p: Buffer, meta: Received6) => void,
  ) {
    const c = loadLibc();
    this.ifindex = ifIndex(ifname);
    this.fd = check(c.socket(AF_INET6, SOCK_RAW, IPPROTO_VRRP), 'socket(AF_INET6, IPPROTO_VRRP)');
    const opt = (level: number, name: number, value: Buffer, what: string) => check(c.setsockopt(this.fd, level, name, value, value.length), what);
    opt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(ifname + '\0'), `SO_BINDTODEVICE ${ifname}`);
    opt(IPPROTO_IPV6, IPV6_MULTICAST_ALL, int32(0), 'IPV6_MULTICAST_ALL');
    opt(IPPROTO_IPV6, IPV6_CHECKSUM, int32(6), 'IPV6_CHECKSUM');
    opt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int32(255), 'IPV6_MULTICAST_HOPS');
    opt(IPPROTO_IPV6, IPV6_MULTICAST_IF, int32(this.ifindex), 'IPV6_MULTICAST_IF');
    opt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int32(0), 'IPV6_MULTICAST_LOOP');
    opt(IPPROTO_IPV6, IPV6_TCLASS, int32(VRRP_IP6_TCLASS), 'IPV6_TCLASS');
    opt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, int32(1), 'IPV6_RECVHOPLIMIT');
    opt(IPPROTO_IPV6, IPV6_RECVPKTINFO, int32(1), 'IPV6_RECVPKTINFO');
    const k = c.koffi;
    this.mem = {
      msg: k.alloc('uint8_t', 56), // struct msghdr
      iov: k.alloc('uint8_t', 16), // struct iovec
      name: k.alloc('uint8_t', SOCKADDR_IN6_LEN),
      control: k.alloc('uint8_t', CONTROL_LEN),
      buf: k.alloc('uint8_t', BUF_LEN),
    };
    const pfd = k.alloc('uint8_t', 8); // struct pollfd { int fd; short events; short revents; }
    k.encode(pfd, 'int32_t', this.fd);
    k.encode(pfd, 4, 'int16_t', POLLIN);
    this.pollfd = pfd;
    this.arm();
  }

  /** join ff02::12 on the interface (once): a multicast instance runs here */
  joinGroup(): void {
    if (this.joined) return;
    const mreq = Buffer.alloc(20); // struct ipv6_mreq { in6_addr; int ifindex }
    ip6ToBytes(VRRP_GROUP6).copy(mreq, 0);
    mreq.writeInt32LE(this.ifindex, 16);
    check(loadLibc().setsockopt(this.fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, 20), 'IPV6_ADD_MEMBERSHIP ff02::12');
    this.joined = true;
  }

  /** a Buffer over native memory (aliasing it: writes reach the kernel's view) */
  private view(p: unknown, len: number): Buffer {
    return Buffer.from(loadLibc().koffi.view(p, len) as ArrayBuffer);
  }

  /** point the msghdr at `name`, one iovec of `len` bytes of `buf`, and `controlLen` bytes of control */
  private setupMsg(len: number, controlLen: number): void {
    const k = loadLibc().koffi;
    const { msg, iov, name, control, buf } = this.mem;
    k.encode(iov, 0, 'void *', buf);
    k.encode(iov, 8, 'uint64_t', len);
    this.view(msg, 56).fill(0);
    k.encode(msg, 0, 'void *', name);
    k.encode(msg, 8, 'uint32_t', SOCKADDR_IN6_LEN);
    k.encode(msg, 16, 'void *', iov);
    k.encode(msg, 24, 'uint64_t', 1);
    k.encode(msg, 32, 'void *', control);
    k.encode(msg, 40, 'uint64_t', controlLen);
  }

  private arm(): void {
    if (!this.running) return;
    const c = loadLibc();
    c.poll.async(this.pollfd, 1, 200, () => {
      if (!this.running) return;
      for (let i = 0; i < 64; i++) {
        this.setupMsg(BUF_LEN, CONTROL_LEN);
        const n = Number(c.recvmsg(this.fd, this.mem.msg, MSG_DONTWAIT));
        if (n <= 0) break;
        const data = Buffer.from(this.view(this.mem.buf, n)); // a copy: the buffer is reused
        const msg = this.view(this.mem.msg, 56);
        const control = this.view(this.mem.control, CONTROL_LEN);
        const { hopLimit, dst } = parseCmsgs6(control, Number(msg.readBigUInt64LE(40)));
        const src = bytesToIp6(this.view(this.mem.name, SOCKADDR_IN6_LEN), 8);
        try {
          this.onPacket(data, { src, dst, hopLimit });
        } catch {
          // a handler bug must not stop reception; the speaker counts drops itself
        }
      }
      this.arm();
    });
  }

  /** Send one VRRP message from `src` (link-local) to `dst` (ff02::12 or a unicast peer); false when refused. */
  send(payload: Buffer, src: string, dst: string = VRRP_GROUP6): boolean {
    const c = loadLibc();
    const multicast = ip6ToBytes(dst)[0] === 0xff;
    const sa = sockaddrIn6(dst, multicast || dst.toLowerCase().startsWith('fe80') ? this.ifindex : 0);
    const cm = pktinfoCmsg(src, this.ifindex);
    sa.copy(this.view(this.mem.name, SOCKADDR_IN6_LEN));
    cm.copy(this.view(this.mem.control, CONTROL_LEN));
    payload.copy(this.view(this.mem.buf, BUF_LEN));
    this.setupMsg(payload.length, cm.length);
    const r = Number(c.sendmsg(this.fd, this.mem.msg, multicast ? MSG_DONTROUTE : 0));
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
