// nfnetlink_queue messages as the kernel sends them (packets, acks), and a socket double that answers
// NfQueue's configuration requests and records its verdicts: the queue's logic tested without a kernel.
import type { BatchedSocket } from '../../src/lb/director/nfqueue.js';

/** An NFQNL_MSG_PACKET for queue 5: packet header (id, hook), mark, payload. */
export function queuedPacketMessage(id: number, hook: number, mark: number, payload: Buffer, queue = 5): Buffer {
  const attrs: Buffer[] = [];
  const a = (type: number, data: Buffer) => {
    const b = Buffer.alloc((4 + data.length + 3) & ~3);
    b.writeUInt16LE(4 + data.length, 0);
    b.writeUInt16LE(type, 2);
    data.copy(b, 4);
    attrs.push(b);
  };
  const hdr = Buffer.alloc(7);
  hdr.writeUInt32BE(id, 0);
  hdr.writeUInt16BE(0x0800, 4);
  hdr[6] = hook;
  a(1, hdr);
  const m = Buffer.alloc(4);
  m.writeUInt32BE(mark);
  a(3, m);
  a(10, payload);
  const body = Buffer.concat(attrs);
  const msg = Buffer.alloc(20 + body.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE((3 << 8) | 0, 4);
  msg.writeUInt16BE(queue, 18);
  body.copy(msg, 20);
  return msg;
}

/** An NLMSG_ERROR acknowledging request `seq` with `error` (0: success). */
export function ackMessage(seq: number, error = 0): Buffer {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(2, 4);
  b.writeInt32LE(error, 16);
  b.writeUInt32LE(seq, 28);
  return b;
}

export interface SentVerdict {
  id: number;
  verdict: number;
  mark: number | null;
  payload: Buffer | null;
}

/**
 * A BatchedSocket double: acks every configuration request, keeps the verdicts of each send, and
 * delivers batches of datagrams the way KoffiNetlinkSocket does (views into one buffer, then drained).
 */
export class FakeBatchedSocket implements BatchedSocket {
  /** the verdicts of each send() */
  readonly sends: SentVerdict[][] = [];
  /** configuration requests: [nfqnl config command or 0 for params, queue] */
  readonly config: Array<[number, number]> = [];
  closed = false;
  private onMessage: (buf: Buffer, start: number, end: number, truncated: boolean) => void = () => undefined;
  private onDrained: () => void = () => undefined;

  on(ev: 'message' | 'drained' | 'error', cb: (...a: never[]) => void): void {
    if (ev === 'message') this.onMessage = cb as typeof this.onMessage;
    else if (ev === 'drained') this.onDrained = cb as typeof this.onDrained;
  }

  /** Hand over datagrams as one batch, laid out in one buffer as recvmmsg fills it. */
  deliver(datagrams: Array<Buffer | { truncated: Buffer }>): void {
    const slot = 4096;
    const area = Buffer.alloc(slot * datagrams.length);
    datagrams.forEach((d, i) => {
      const b = Buffer.isBuffer(d) ? d : d.truncated;
      b.copy(area, i * slot);
      this.onMessage(area, i * slot, i * slot + b.length, !Buffer.isBuffer(d));
    });
    this.onDrained();
  }

  send(msg: Uint8Array | Uint8Array[], _opts?: object, cb?: (e?: Error) => void): void {
    const b = Buffer.concat(Array.isArray(msg) ? msg : [msg]);
    const verdicts: SentVerdict[] = [];
    const acks: Buffer[] = [];
    for (let off = 0; off + 20 <= b.length; ) {
      const len = b.readUInt32LE(off);
      const type = b.readUInt16LE(off + 4);
      if (type === ((3 << 8) | 2)) {
        // NFQNL_MSG_CONFIG: a command (attr 1) or parameters (attr 2)
        const attrType = b.readUInt16LE(off + 22);
        this.config.push([attrType === 1 ? b[off + 24] : 0, b.readUInt16BE(off + 18)]);
        if (b.readUInt16LE(off + 6) & 4) acks.push(ackMessage(b.readUInt32LE(off + 8)));
      } else if (type === ((3 << 8) | 1)) {
        const v: SentVerdict = { verdict: b.readUInt32BE(off + 24), id: b.readUInt32BE(off + 28), mark: null, payload: null };
        for (let a = off + 32; a + 4 <= off + len; ) {
          const alen = b.readUInt16LE(a);
          if (b.readUInt16LE(a + 2) === 3) v.mark = b.readUInt32BE(a + 4);
          if (b.readUInt16LE(a + 2) === 10) v.payload = Buffer.from(b.subarray(a + 4, a + alen));
          a += (alen + 3) & ~3;
        }
        verdicts.push(v);
      }
      off += (len + 3) & ~3;
    }
    if (verdicts.length) this.sends.push(verdicts);
    cb?.();
    if (acks.length) queueMicrotask(() => this.deliver(acks));
  }

  close(): void {
    this.closed = true;
  }
}
