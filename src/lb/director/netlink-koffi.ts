// A raw NETLINK_NETFILTER socket through koffi (libc FFI), read in batches on the event loop's own
// thread: libuv polls the socket (koffi.node.poll, a uv_poll handle on Node's loop, like any socket
// Node watches), and when it is readable, non-blocking recvmmsg() calls take every datagram waiting,
// a batch at a time, into preallocated native memory. Each datagram goes to the consumer as a view
// (no allocation, no per-datagram call from C++), then the consumer hears that the batch is over,
// so the verdicts of a whole batch go out in one send().
//
// No thread hand-off on the way: the thread that sleeps until a packet arrives is the one that
// handles it. (Where koffi has no node.poll, a koffi worker thread poll()s instead and wakes the
// loop: one hand-off per wake-up.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_NO_ENOBUFS = 5;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
const EINTR = 4;
const ENOBUFS = 105;
const POLLIN = 1;

/** struct mmsghdr on x86-64/arm64: struct msghdr (56 bytes) + msg_len + padding. */
const MMSGHDR = 64;
const MSGHDR_IOV = 16;
const MSGHDR_IOVLEN = 24;
const MSGHDR_FLAGS = 48;
const MMSGHDR_LEN = 56;
const IOVEC = 16;

/**
 * Batches one readable event may take before the loop gets a turn (control socket, timers, VRRP):
 * the rest waits one loop iteration (the poll is level-triggered).
 */
const MAX_BATCHES_PER_WAKEUP = 16;

type Fn = ((...a: unknown[]) => unknown) & { async(...a: unknown[]): void };

interface UvPoll {
  close(): void;
}

interface Koffi {
  load(lib: string): { func(sig: string): Fn };
  errno(): number;
  alloc(type: string, n: number): unknown;
  address(ptr: unknown): bigint;
  view(ptr: unknown, len: number): ArrayBuffer;
  encode(ref: unknown, offset: number, type: string, value: unknown): void;
  free(ref: unknown): void;
  node?: { poll?(fd: number, opts: { readable: boolean }, cb: (ev: { readable: boolean }) => void): UvPoll | null };
}

export interface KoffiSocketOptions {
  /** SO_RCVBUF/SO_SNDBUF, bytes */
  bufferBytes: number;
  /** datagrams one recvmmsg takes at most */
  batch?: number;
  /** bytes per datagram; a longer one arrives truncated and is reported as such */
  datagramBytes?: number;
}

export interface KoffiSocketEvents {
  /** one datagram: buf[start, end), valid until the handler returns. `truncated`: longer than datagramBytes. */
  message(buf: Buffer, start: number, end: number, truncated: boolean): void;
  /** the datagrams of one batch have all been handed over */
  drained(): void;
  error(e: { code?: string; errno?: number; message: string }): void;
}

export class KoffiNetlinkSocket {
  /** readable events: each one a wake-up of the event loop, or a loop turn that found data */
  wakeups = 0;
  private readonly k: Koffi;
  private readonly fd: number;
  private readonly recvmmsgFn: Fn;
  private readonly sendFn: Fn;
  private readonly closeFn: Fn;
  private readonly batch: number;
  private readonly slot: number;
  /** the mmsghdr array, its iovecs and the datagram slots, in one native block */
  private readonly mem: unknown;
  /** the same block as a Buffer */
  private readonly buf: Buffer;
  private readonly dataOff: number;
  private listeners: Partial<KoffiSocketEvents> = {};
  private uvPoll: UvPoll | null = null;
  /** the fallback: a poll() under way on a koffi worker thread (its pollfd) */
  private pfd: unknown = null;
  private closed = false;

  constructor(protocol: number, opts: KoffiSocketOptions) {
    this.k = require('koffi') as Koffi;
    const libc = this.k.load('libc.so.6');
    const socket = libc.func('int socket(int, int, int)');
    const bind = libc.func('int bind(int, const void *, uint32_t)');
    const setsockopt = libc.func('int setsockopt(int, int, int, const void *, uint32_t)');
    this.recvmmsgFn = libc.func('int recvmmsg(int, void *, uint32_t, int, void *)');
    this.sendFn = libc.func('int64_t send(int, const void *, uint64_t, int)');
    this.closeFn = libc.func('int close(int)');
    this.batch = opts.batch ?? 64;
    // a queued packet is at most one MTU-sized segment (the kernel segments GSO packets before
    // queueing) plus ~100 bytes of attributes; jumbo frames fit too
    this.slot = ((opts.datagramBytes ?? 9216 + 256) + 7) & ~7;
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
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, i32(opts.bufferBytes), 4);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, i32(opts.bufferBytes), 4);
    // a full receive buffer drops packets (counted by the kernel as user_dropped) without
    // turning into a socket error
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, i32(1), 4);

    const n = this.batch;
    const iovOff = n * MMSGHDR;
    this.dataOff = iovOff + n * IOVEC;
    const size = this.dataOff + n * this.slot;
    this.mem = this.k.alloc('uint8_t', size);
    this.buf = Buffer.from(this.k.view(this.mem, size));
    this.buf.fill(0, 0, this.dataOff);
    // the kernel fills in msg_len and msg_flags; the iovecs it only reads
    const base = this.k.address(this.mem);
    for (let i = 0; i < n; i++) {
      const h = i * MMSGHDR;
      this.buf.writeBigUInt64LE(base + BigInt(iovOff + i * IOVEC), h + MSGHDR_IOV);
      this.buf.writeBigUInt64LE(1n, h + MSGHDR_IOVLEN);
      this.buf.writeBigUInt64LE(base + BigInt(this.dataOff + i * this.slot), iovOff + i * IOVEC);
      this.buf.writeBigUInt64LE(BigInt(this.slot), iovOff + i * IOVEC + 8);
    }
  }

  on<E extends keyof KoffiSocketEvents>(ev: E, cb: KoffiSocketEvents[E]): void {
    this.listeners[ev] = cb;
    if (ev === 'message' && !this.uvPoll && !this.pfd) this.watch();
  }

  /** One synchronous send (every verdict of a batch goes in one). */
  send(msg: Uint8Array | Uint8Array[], _opts?: object, cb?: (e?: Error) => void): void {
    const b = Array.isArray(msg) ? Buffer.concat(msg) : msg;
    let r = -1;
    for (let i = 0; i < 3; i++) {
      r = Number(this.sendFn(this.fd, b, b.length, 0));
      if (r >= 0 || this.k.errno() !== EINTR) break;
    }
    const err = r < 0 ? new Error(`netlink send: errno ${this.k.errno()}`) : undefined;
    if (cb) cb(err);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.uvPoll?.close(); // before the fd goes: libuv must stop watching it first
    this.uvPoll = null;
    this.closeFn(this.fd);
    if (this.pfd) {
      // the worker's poll() may still hold the pollfd: let it return before freeing
      const pfd = this.pfd;
      setTimeout(() => this.k.free(pfd), 1500).unref();
    }
    // close() may come from a handler in the middle of a batch: free once it has unwound
    const mem = this.mem;
    setImmediate(() => this.k.free(mem));
  }

  private watch(): void {
    const poll = this.k.node?.poll;
    if (poll) {
      this.uvPoll = poll(this.fd, { readable: true }, () => this.readableGuarded());
      if (this.uvPoll) return;
    }
    this.pfd = this.k.alloc('uint8_t', 8);
    this.k.encode(this.pfd, 0, 'int32_t', this.fd);
    this.k.encode(this.pfd, 4, 'int16_t', POLLIN);
    this.pollOnWorker();
  }

  private pollOnWorker(): void {
    const pollFn = this.k.load('libc.so.6').func('int poll(void *, uint64_t, int)');
    const again = (): void => {
      if (this.closed) return;
      pollFn.async(this.pfd, 1, 1000, (err: unknown) => {
        if (this.closed) return;
        if (err) this.listeners.error?.({ message: String(err) });
        this.readableGuarded();
        again();
      });
    };
    again();
  }

  /** readable(), reporting instead of throwing: an exception must not reach koffi's native callback. */
  private readableGuarded(): void {
    try {
      this.readable();
    } catch (err) {
      this.listeners.error?.({ message: `netlink socket: ${(err as Error).message}` });
    }
  }

  /** Take what is waiting, batch by batch, until the socket is empty or this wake-up had its share. */
  private readable(): void {
    this.wakeups++;
    for (let round = 0; round < MAX_BATCHES_PER_WAKEUP && !this.closed; round++) {
      const n = Number(this.recvmmsgFn(this.fd, this.mem, this.batch, MSG_DONTWAIT, null));
      if (n <= 0) {
        if (n < 0) this.failed(this.k.errno());
        return;
      }
      this.deliver(n);
      // not `n < batch: done`: more may have come in while this batch was handled, and asking
      // costs less than the next wake-up would
    }
  }

  private deliver(n: number): void {
    const onMessage = this.listeners.message;
    const buf = this.buf;
    for (let i = 0; i < n && !this.closed; i++) {
      const h = i * MMSGHDR;
      const len = buf.readUInt32LE(h + MMSGHDR_LEN);
      const truncated = (buf.readInt32LE(h + MSGHDR_FLAGS) & MSG_TRUNC) !== 0;
      const start = this.dataOff + i * this.slot;
      onMessage?.(buf, start, start + Math.min(len, this.slot), truncated);
    }
    this.listeners.drained?.();
  }

  private failed(e: number): void {
    if (e === EAGAIN || e === EINTR) return;
    if (e === ENOBUFS) this.listeners.error?.({ code: 'ENOBUFS', errno: e, message: 'netlink recvmmsg: ENOBUFS' });
    else this.listeners.error?.({ errno: e, message: `netlink recvmmsg: errno ${e}` });
  }
}
