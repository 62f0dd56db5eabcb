// A raw NETLINK_NETFILTER socket through koffi (libc FFI), the alternative to the `netlink` addon:
// poll() runs on a koffi worker thread, then the event loop drains every ready datagram with
// non-blocking recv() and sends the verdicts with one synchronous send(): about twice the UDP
// packet rate of the addon without loss, at the price of a thread hand-off per wake-up (added
// latency). `npm run bench -- dataplane` measures both transports (docs/director.md).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const SOL_SOCKET = 1;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_NO_ENOBUFS = 5;
const EAGAIN = 11;
const EINTR = 4;
const POLLIN = 1;

interface Koffi {
  load(lib: string): { func(sig: string): ((...a: unknown[]) => unknown) & { async(...a: unknown[]): void } };
  errno(): number;
  alloc(type: string, n: number): unknown;
  encode(ref: unknown, offset: number | string, type: string | unknown, value?: unknown): void;
  free(ref: unknown): void;
}

export interface KoffiSocketEvents {
  message(b: Buffer): void;
  error(e: { code?: string; errno?: number; message: string }): void;
}

/** Implements the part of RawNetlinkSocket that NfQueue uses. */
export class KoffiNetlinkSocket {
  private readonly k: Koffi;
  private readonly fd: number;
  private readonly recvFn: (...a: unknown[]) => unknown;
  private readonly sendFn: (...a: unknown[]) => unknown;
  private readonly pollFn: { async(...a: unknown[]): void };
  private readonly closeFn: (...a: unknown[]) => unknown;
  private readonly pfd: unknown;
  private readonly rbuf = Buffer.allocUnsafe(65536);
  private onMessage: (b: Buffer) => void = () => undefined;
  private onError: KoffiSocketEvents['error'] = () => undefined;
  private closed = false;
  private armed = false;

  constructor(protocol: number, bufferBytes: number) {
    this.k = require('koffi') as Koffi;
    const libc = this.k.load('libc.so.6');
    const socket = libc.func('int socket(int, int, int)');
    const bind = libc.func('int bind(int, const void *, uint32_t)');
    const setsockopt = libc.func('int setsockopt(int, int, int, const void *, uint32_t)');
    this.recvFn = libc.func('int64_t recv(int, _Out_ void *, uint64_t, int)');
    this.sendFn = libc.func('int64_t send(int, const void *, uint64_t, int)');
    this.pollFn = libc.func('int poll(void *, uint64_t, int)');
    this.closeFn = libc.func('int close(int)');
    const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol) as number;
    if (fd < 0) throw new Error(`netlink socket: errno ${this.k.errno()}`);
    this.fd = fd;
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0); // nl_pid 0: the kernel assigns our port
    if ((bind(fd, sa, 12) as number) < 0) {
      const e = this.k.errno();
      this.closeFn(fd);
      throw new Error(`netlink bind: errno ${e}`);
    }
    const i32 = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v);
      return b;
    };
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, i32(bufferBytes), 4);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, i32(bufferBytes), 4);
    // a full receive buffer drops packets (counted by the kernel as user_dropped) without
    // turning into a socket error
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, i32(1), 4);
    // the pollfd lives in koffi-allocated memory: the worker thread reads it while JS runs
    this.pfd = this.k.alloc('uint8_t', 8);
    this.k.encode(this.pfd, 'int32_t', fd);
    this.k.encode(this.pfd, 4, 'int16_t', POLLIN);
  }

  on<E extends keyof KoffiSocketEvents>(ev: E, cb: KoffiSocketEvents[E]): void {
    if (ev === 'message') this.onMessage = cb as KoffiSocketEvents['message'];
    else if (ev === 'error') this.onError = cb as KoffiSocketEvents['error'];
    if (!this.armed) this.arm();
  }

  send(msg: Uint8Array | Uint8Array[], _opts?: object, cb?: (e?: Error) => void): void {
    const b = Array.isArray(msg) ? Buffer.concat(msg) : msg;
    let r = -1;
    for (let i = 0; i < 3; i++) {
      r = Number(this.sendFn(this.fd, b, b.length, 0));
      if (r >= 0 || this.k.errno() !== EINTR) break;
    }
    const err = r < 0 ? new Error(`netlink send: errno ${this.k.errno()}`) : undefined;
    if (cb) queueMicrotask(() => cb(err));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFn(this.fd);
    // the worker's poll() may still hold the pollfd: let it return before freeing
    setTimeout(() => this.k.free(this.pfd), 1500).unref();
  }

  private arm(): void {
    if (this.closed) return;
    this.armed = true;
    this.pollFn.async(this.pfd, 1, 1000, (err: unknown) => {
      if (this.closed) return;
      if (err) this.onError({ message: String(err) });
      this.drain();
      this.arm();
    });
  }

  private drain(): void {
    // bounded, so a flood cannot starve the control socket and timers
    for (let i = 0; i < 512; i++) {
      const n = Number(this.recvFn(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT));
      if (n < 0) {
        const e = this.k.errno();
        if (e !== EAGAIN && e !== EINTR) this.onError({ errno: e, message: `netlink recv: errno ${e}` });
        return;
      }
      // a view, reused by the next recv: NfQueue's handler rewrites in place and copies the
      // payload into its verdict before returning
      this.onMessage(this.rbuf.subarray(0, n));
    }
  }
}
