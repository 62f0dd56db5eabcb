// The few libc calls VRRP needs that Node has no API for: raw IP (protocol 112, IPv4 and IPv6) and
// AF_PACKET sockets, and sendmsg/recvmsg for IPv6's ancillary data.
// Loaded lazily so importing the VRRP modules (e.g. from unit tests) never touches koffi.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const AF_INET = 2;
export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const IPPROTO_IP = 0;
export const SOL_SOCKET = 1;
export const SO_BINDTODEVICE = 25;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const MSG_DONTROUTE = 0x4;
export const MSG_DONTWAIT = 0x40;
export const POLLIN = 1;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const AF_INET6 = 10;
export const IPPROTO_IPV6 = 41;
export const IPV6_CHECKSUM = 7;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_MULTICAST_ALL = 29;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_TCLASS = 67;

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Libc {
  koffi: any;
  socket(domain: number, type: number, proto: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number | bigint;
  recv(fd: number, buf: Buffer, len: number, flags: number): number | bigint;
  /** msghdr built in koffi-allocated memory (io/msghdr.ts) */
  sendmsg(fd: number, msg: unknown, flags: number): number | bigint;
  recvmsg(fd: number, msg: unknown, flags: number): number | bigint;
  bind(fd: number, addr: Buffer, len: number): number;
  poll: any;
  close(fd: number): number;
  if_nametoindex(name: string): number;
  errno(): number;
}

let libc: Libc | undefined;

export function loadLibc(): Libc {
  if (libc) return libc;
  const koffi = require('koffi');
  const lib = koffi.load('libc.so.6');
  libc = {
    koffi,
    socket: lib.func('int socket(int, int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    sendto: lib.func('int64_t sendto(int, const void *, uint64_t, int, const void *, uint32_t)'),
    recv: lib.func('int64_t recv(int, _Out_ void *, uint64_t, int)'),
    sendmsg: lib.func('int64_t sendmsg(int, void *, int)'),
    recvmsg: lib.func('int64_t recvmsg(int, void *, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    poll: lib.func('int poll(void *, uint64_t, int)'),
    close: lib.func('int close(int)'),
    if_nametoindex: lib.func('uint32_t if_nametoindex(const char *)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

export function check(r: number | bigint, what: string): number {
  const n = Number(r);
  if (n < 0) throw new Error(`${what} failed: errno ${loadLibc().errno()}`);
  return n;
}

export function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

export function ifIndex(name: string): number {
  const i = loadLibc().if_nametoindex(name);
  if (!i) throw new Error(`interface '${name}' does not exist in this network namespace`);
  return i;
}
