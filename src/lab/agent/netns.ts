// Sockets in a lab host's network namespace, opened from an agent thread that lives elsewhere.
//
// A network namespace belongs to each socket, fixed when socket() creates it: bind, connect, send,
// accept and every later call act in that namespace whatever thread makes them. So the agent thread
// enters a host's namespace (setns on itself only: namespaces are per thread) just for the socket()
// call and goes straight back, all inside one synchronous JavaScript call where nothing else can
// run; Node then adopts the descriptor (server.listen({ fd }), dgram bind({ fd }), net.connect({ fd })).
//
// "Back" is an empty namespace of the thread's own (unshare at start), never the machine's: a socket
// opened any other way (a bug, a library opening its own) finds no interface but a down loopback and
// fails with ENETUNREACH instead of leaking into the root namespace. Names are never resolved (the
// agent takes literal addresses), so the libuv thread pool, which stays in the process's namespace,
// never sends a packet for an agent.
import { createRequire } from 'node:module';
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { ipv6Bytes } from '../ipv6.js';

const require = createRequire(import.meta.url);

const CLONE_NEWNET = 0x40000000;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Libc {
  errno(): number;
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  socket(domain: number, type: number, proto: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  close(fd: number): number;
  gettid(): number;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  const koffi = require('koffi') as any;
  const lib = koffi.load('libc.so.6');
  libc = {
    errno: () => koffi.errno(),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    close: lib.func('int close(int)'),
    gettid: lib.func('int gettid()'),
  };
  return libc;
}

/** An Error shaped like Node's own (code, errno, syscall, message), so probes report it the same way. */
function errnoError(syscall: string, errno: number, detail = ''): NodeJS.ErrnoException {
  const [code, text] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, 'unknown error'];
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code}: ${text}${detail}`);
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  return err;
}

/** The inode string (`net:[...]`) of this thread's network namespace. */
export function threadNamespace(): string {
  return readlinkSync(`/proc/self/task/${loadLibc().gettid()}/ns/net`);
}

export function threadId(): number {
  return loadLibc().gettid();
}

let home: number | undefined;

/**
 * Move the calling thread into a fresh, empty network namespace of its own (once). Every agent
 * socket is opened from here by a brief visit to its host's namespace (NamespaceSockets).
 */
export function enterHomeNamespace(): void {
  if (home !== undefined) return;
  const c = loadLibc();
  if (c.unshare(CLONE_NEWNET) !== 0) throw errnoError('unshare(CLONE_NEWNET)', c.errno(), ' (agents need root)');
  home = openSync(`/proc/self/task/${c.gettid()}/ns/net`, 'r');
}

/** Thrown when the thread could not return home: it must not open another socket, ever. */
export class NamespaceEscapeError extends Error {
  override name = 'NamespaceEscapeError';
}

let stranded: Error | undefined;

/** Opens sockets in one namespace (by name, /run/netns/NAME) for the thread that made it. */
export class NamespaceSockets {
  private fd: number | undefined;

  constructor(readonly namespace: string) {
    if (home === undefined) throw new Error('enterHomeNamespace() first: agent sockets are opened from the thread\'s own namespace');
    try {
      this.fd = openSync(`/run/netns/${namespace}`, 'r');
    } catch (err) {
      throw new Error(`network namespace ${namespace}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** socket() inside the namespace: setns there, socket, setns home, with nothing in between. */
  private open(type: number, family: 4 | 6 = 4): number {
    if (stranded) throw stranded;
    if (this.fd === undefined) throw new Error(`${this.namespace}: closed (the host's agent stopped)`);
    const c = loadLibc();
    if (c.setns(this.fd, CLONE_NEWNET) !== 0) throw errnoError('setns', c.errno(), ` (${this.namespace})`);
    const sock = c.socket(family === 6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const socketErrno = c.errno();
    if (c.setns(home!, CLONE_NEWNET) !== 0) {
      stranded = new NamespaceEscapeError(`agent thread could not return from ${this.namespace} (errno ${c.errno()}): it opens no more sockets`);
      if (sock >= 0) c.close(sock);
      throw stranded;
    }
    if (sock < 0) throw errnoError('socket', socketErrno);
    return sock;
  }

  /** A TCP socket of that family (IPv4 unless told), unbound (for net.connect({ fd })). */
  tcp(family: 4 | 6 = 4): number {
    return this.open(SOCK_STREAM, family);
  }

  /**
   * A TCP socket bound to address:port with SO_REUSEADDR, as libuv binds (for server.listen({ fd })).
   * An IPv6 address gives an IPv6-only socket: IPv4 keeps its own, so its peers never show as ::ffff:.
   */
  tcpBound(address: string, port: number): number {
    const fd = this.openFor(SOCK_STREAM, address);
    loadLibc().setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, intOne(), 4);
    return this.bindOrClose(fd, address, port);
  }

  /** A UDP socket bound to address:port (0: any port), for dgram bind({ fd }); IPv6-only for an IPv6 address. */
  udpBound(address: string, port: number): number {
    return this.bindOrClose(this.openFor(SOCK_DGRAM, address), address, port);
  }

  private openFor(type: number, address: string): number {
    if (!address.includes(':')) return this.open(type, 4);
    const fd = this.open(type, 6);
    if (loadLibc().setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, intOne(), 4) !== 0) {
      const errno = loadLibc().errno();
      loadLibc().close(fd);
      throw errnoError('setsockopt(IPV6_V6ONLY)', errno);
    }
    return fd;
  }

  private bindOrClose(fd: number, address: string, port: number): number {
    const c = loadLibc();
    const sa = address.includes(':') ? sockaddrIn6(address, port) : sockaddrIn(address, port);
    if (c.bind(fd, sa, sa.length) === 0) return fd;
    const errno = c.errno();
    c.close(fd);
    throw errnoError('bind', errno, ` ${address.includes(':') ? `[${address}]` : address}:${port}`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function intOne(): Buffer {
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  return one;
}

/** struct sockaddr_in6 (28 bytes) for an IPv6 literal: no flow label, no scope. */
function sockaddrIn6(address: string, port: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  Buffer.from(ipv6Bytes(address)).copy(b, 8);
  return b;
}

/** struct sockaddr_in for an IPv4 literal. */
function sockaddrIn(address: string, port: number): Buffer {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new Error(`not an IPv4 address: '${address}'`);
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  octets.forEach((o, i) => (b[4 + i] = o));
  return b;
}
