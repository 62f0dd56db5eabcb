// An NFQUEUE consumer over a raw NETLINK_NETFILTER socket: koffi's batched recvmmsg (netlink-koffi.ts,
// the default) or the `netlink` package's RawNetlinkSocket. Binds one queue, hands each queued packet
// to a handler, and sends the verdicts back batched: the verdicts of one received batch (koffi) or of
// one event-loop turn (netlink) go out in one sendmsg.
import { createRequire } from 'node:module';
import { KoffiNetlinkSocket } from './netlink-koffi.js';
import {
  NETLINK_NETFILTER,
  NFQNL_CFG_CMD_BIND,
  NFQNL_CFG_CMD_UNBIND,
  decodeMessages,
  emptyPacket,
  encodeBindCommand,
  encodeParams,
  encodeVerdictInto,
  NF_ACCEPT,
  truncatedPacketId,
  verdictSize,
  type MessageSink,
  type QueuedPacket,
} from './nfqueue-codec.js';

export interface NfQueueOptions {
  queue: number;
  /** packets the kernel holds for us before it drops (counted in /proc/net/netfilter/nfnetlink_queue) */
  maxlen?: number;
  /** socket buffers, bytes */
  socketBuffer?: number;
  /** how the netlink socket is reached: koffi (libc FFI, batched reads; the default) or the `netlink` addon */
  transport?: NfQueueTransport;
}

export type NfQueueTransport = 'koffi' | 'netlink';

export interface VerdictSink {
  /** answer packet `id`: NF_ACCEPT/NF_DROP, optional mark, optional replacement payload */
  verdict(id: number, verdict: number, mark: number | null, payload: Uint8Array | null): void;
}

/** Handles one queued packet; `p` and its payload are only valid during the call. */
export type PacketHandler = (p: QueuedPacket, sink: VerdictSink) => void;

export interface NfQueueStats {
  received: number;
  verdicts: number;
  /** netlink errors reported by the kernel for our verdicts */
  verdictErrors: number;
  /** ENOBUFS on the socket: the kernel could not deliver packets to us (they were dropped) */
  enobufs: number;
  socketErrors: number;
  /** packets larger than the receive buffer: accepted untouched */
  truncated: number;
  /** sendmsg calls carrying verdicts (verdicts / sends = the average batch) */
  sends: number;
  /** times the socket woke us up (koffi transport; 0 on the netlink addon) */
  wakeups: number;
  /** the packet handler threw: the packet was accepted untouched (if it had no verdict yet) */
  handlerErrors: number;
}

export function emptyQueueStats(): NfQueueStats {
  return { received: 0, verdicts: 0, verdictErrors: 0, enobufs: 0, socketErrors: 0, truncated: 0, sends: 0, wakeups: 0, handlerErrors: 0 };
}

type SocketError = { code?: string; errno?: number; message: string };

/** What NfQueue sends through: either socket (and test doubles). */
interface SendingSocket {
  /** readable events so far, where the socket counts them */
  readonly wakeups?: number;
  send(msg: Uint8Array | Uint8Array[], options?: object, cb?: (e?: Error) => void): void;
  close(): void;
}

/** The `netlink` addon's RawNetlinkSocket: one event per datagram, in a Buffer of its own. */
interface AddonSocket extends SendingSocket {
  on(ev: 'message' | 'truncatedMessage', cb: (b: Buffer) => void): void;
  on(ev: 'error', cb: (e: SocketError) => void): void;
}

/** A socket that reads in batches (KoffiNetlinkSocket; tests pass a double): views, then `drained`. */
export interface BatchedSocket extends SendingSocket {
  on(ev: 'message', cb: (buf: Buffer, start: number, end: number, truncated: boolean) => void): void;
  on(ev: 'drained', cb: () => void): void;
  on(ev: 'error', cb: (e: SocketError) => void): void;
}

const require = createRequire(import.meta.url);

/**
 * Packets the kernel holds for us (queued or in our socket) before it drops: enough for ~180 ms at
 * 90k packets/s, so a daemon that is not scheduled for a while (a busy machine, a GC pause) loses
 * nothing. Memory is only used while packets wait. The `netlink` addon keeps the shorter queue it
 * always had: it cannot raise its socket buffer past net.core.rmem_max, and flooded with the longer
 * queue it aborts in its native code ("terminate called after throwing an instance of
 * 'Napi::Error'").
 */
export const DEFAULT_QUEUE_MAXLEN = { koffi: 16384, netlink: 4096 } as const;
/**
 * Socket buffers: the receive side must hold a full queue's netlink messages (~0.7 KB each for small
 * packets, ~2.3 KB for MTU-sized ones), or the kernel drops on delivery (user_dropped).
 */
export const DEFAULT_SOCKET_BUFFER = 32 << 20;

/** One batch buffer: a few dozen MTU-sized rewritten packets; a fuller turn takes another. */
const BATCH_BYTES = 1 << 17;

export class NfQueue implements VerdictSink, MessageSink {
  private readonly counters: NfQueueStats = emptyQueueStats();
  private seq = 1;
  /** verdicts of this batch (koffi) or event-loop turn (netlink), back to back in one buffer: one sendmsg */
  private out: Buffer | null = null;
  private outLen = 0;
  /** batch buffers whose send completed, for reuse */
  private spare: Buffer[] = [];
  private flushScheduled = false;
  private acks = new Map<number, (error: number) => void>();
  private closed = false;
  /** decoded into again for every packet (the handler does not keep it) */
  private readonly current = emptyPacket();

  private constructor(
    private readonly sock: SendingSocket,
    private readonly queue: number,
    private readonly handler: PacketHandler,
    /** the socket says when a batch is over (verdicts are flushed then, not on the next turn) */
    private readonly batched: boolean,
  ) {}

  /** Open the socket and bind the queue; rejects with a clear error if the queue is taken. */
  static async open(opts: NfQueueOptions, handler: PacketHandler): Promise<NfQueue> {
    const buf = opts.socketBuffer ?? DEFAULT_SOCKET_BUFFER;
    if ((opts.transport ?? 'koffi') === 'koffi') return await NfQueue.over(new KoffiNetlinkSocket(NETLINK_NETFILTER, { bufferBytes: buf }), opts, handler);
    const { RawNetlinkSocket } = require('netlink') as { RawNetlinkSocket: new (proto: number, o: object) => AddonSocket };
    // msgBufferSize bounds one received datagram (the addon allocates it per datagram): a queued
    // packet is one MTU-sized segment at most (the kernel segments GSO packets before queueing
    // unless asked not to) plus ~100 bytes of attributes. Bigger ones arrive truncated and are
    // accepted untouched.
    const sock = new RawNetlinkSocket(NETLINK_NETFILTER, { messagePeeking: false, msgBufferSize: 9216, recvBufferSize: buf, sendBufferSize: buf });
    const q = new NfQueue(sock, opts.queue, handler, false);
    sock.on('message', (b) => q.onMessage(b, 0, b.length, false));
    sock.on('truncatedMessage', (b) => q.onMessage(b, 0, b.length, true));
    sock.on('error', (e) => q.onError(e));
    return await q.bindQueue(opts);
  }

  /** Bind the queue over a batched socket: the verdicts of each batch go out when it is drained. */
  static async over(sock: BatchedSocket, opts: NfQueueOptions, handler: PacketHandler): Promise<NfQueue> {
    const q = new NfQueue(sock, opts.queue, handler, true);
    sock.on('error', (e) => q.onError(e));
    sock.on('drained', () => q.flush());
    sock.on('message', (b, start, end, truncated) => q.onMessage(b, start, end, truncated));
    return await q.bindQueue(opts);
  }

  private async bindQueue(opts: NfQueueOptions): Promise<NfQueue> {
    const q = this;
    try {
      // unbind first: harmless when unbound, and clears a stale binding of ours
      await q.request(encodeBindCommand(q.seq++, opts.queue, NFQNL_CFG_CMD_UNBIND), 'unbind', true);
      await q.request(encodeBindCommand(q.seq++, opts.queue, NFQNL_CFG_CMD_BIND), 'bind');
      await q.request(encodeParams(q.seq++, opts.queue, 0xffff, opts.maxlen ?? DEFAULT_QUEUE_MAXLEN[opts.transport ?? 'koffi']), 'set copy mode');
    } catch (err) {
      q.close();
      throw err;
    }
    return q;
  }

  get stats(): NfQueueStats {
    return { ...this.counters, wakeups: this.sock.wakeups ?? 0 };
  }

  verdict(id: number, verdict: number, mark: number | null, payload: Uint8Array | null): void {
    const need = verdictSize(mark, payload);
    if (this.out && this.outLen + need > this.out.length) this.flush();
    if (!this.out) {
      this.out = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
      this.outLen = 0;
    }
    this.outLen += encodeVerdictInto(this.out, this.outLen, this.seq++, this.queue, id, verdict, mark, payload);
    this.counters.verdicts++;
    if (!this.batched && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    // unbind now: the socket itself may outlive close() by a moment (koffi's fallback poll() on a
    // worker thread holds it until it returns)
    this.sock.send(encodeBindCommand(this.seq++, this.queue, NFQNL_CFG_CMD_UNBIND), {}, () => undefined);
    this.closed = true;
    try {
      this.sock.close();
    } catch {
      /* already closed */
    }
  }

  flush(): void {
    this.flushScheduled = false;
    const buf = this.out;
    if (this.closed || !buf || this.outLen === 0) return;
    const len = this.outLen;
    this.out = null;
    this.outLen = 0;
    this.counters.sends++;
    this.sock.send(buf.subarray(0, len), {}, (err) => {
      if (err) this.counters.socketErrors++;
      if (this.spare.length < 4) this.spare.push(buf);
    });
  }

  private request(msg: Buffer, what: string, tolerateError = false): Promise<void> {
    const seq = msg.readUInt32LE(8);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(seq);
        reject(new Error(`nfqueue ${this.queue}: no answer from the kernel to ${what}`));
      }, 3000);
      this.acks.set(seq, (error) => {
        clearTimeout(timer);
        if (error === 0 || tolerateError) resolve();
        else {
          const hint = error === -1 ? ' (EPERM: another process owns this queue number, or no CAP_NET_ADMIN)' : '';
          reject(new Error(`nfqueue ${this.queue}: ${what} failed with errno ${-error}${hint}`));
        }
      });
      this.sock.send(msg, {}, (err) => {
        if (err) {
          clearTimeout(timer);
          this.acks.delete(seq);
          reject(new Error(`nfqueue ${this.queue}: sending ${what}: ${err.message}`));
        }
      });
    });
  }

  /** One received datagram, buf[start, end); a truncated one (a packet longer than our buffer) is accepted untouched. */
  onMessage(buf: Buffer, start: number, end: number, truncated: boolean): void {
    if (!truncated) return decodeMessages(buf, start, end, this.current, this);
    this.counters.received++;
    this.counters.truncated++;
    const id = truncatedPacketId(buf.subarray(start, end));
    if (id !== null) this.verdict(id, NF_ACCEPT, null, null);
  }

  packet(p: QueuedPacket): void {
    this.counters.received++;
    if (p.id < 0) return; // no packet header: nothing we can answer
    const answered = this.counters.verdicts;
    try {
      this.handler(p, this);
    } catch {
      // nothing may throw into the socket's native callback (it would abort the process), and an
      // unanswered packet would hold its place in the kernel's queue for good
      this.counters.handlerErrors++;
      if (this.counters.verdicts === answered) this.verdict(p.id, NF_ACCEPT, null, null);
    }
  }

  ack(seq: number, error: number): void {
    const cb = this.acks.get(seq);
    if (cb) {
      this.acks.delete(seq);
      cb(error);
    } else if (error !== 0) this.counters.verdictErrors++;
  }

  onError(e: SocketError): void {
    // ENOBUFS: our receive buffer overflowed and the kernel dropped packets for us. Keep going.
    if (e.code === 'ENOBUFS') this.counters.enobufs++;
    else this.counters.socketErrors++;
  }
}

/** The kernel's own counters for a queue, from /proc/net/netfilter/nfnetlink_queue of our netns. */
export interface KernelQueueCounters {
  queueTotal: number;
  queueDropped: number;
  userDropped: number;
}

export function parseProcQueue(text: string, queue: number): KernelQueueCounters | null {
  // columns: queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length >= 7 && f[0] === queue) return { queueTotal: f[2], queueDropped: f[5], userDropped: f[6] };
  }
  return null;
}
