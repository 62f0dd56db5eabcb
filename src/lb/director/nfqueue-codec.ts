// nfnetlink_queue messages (include/uapi/linux/netfilter/nfnetlink_queue.h) encoded and decoded by
// hand: netlink header (host byte order) + nfgenmsg + attributes (payload values in network order).
// Pure functions, so the codec is tested without a kernel.

export const NETLINK_NETFILTER = 12;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 1;
export const NLM_F_ACK = 4;
const NFNL_SUBSYS_QUEUE = 3;
const NFQNL_MSG_PACKET = 0;
const NFQNL_MSG_VERDICT = 1;
const NFQNL_MSG_CONFIG = 2;
const NFQA_PACKET_HDR = 1;
const NFQA_VERDICT_HDR = 2;
const NFQA_MARK = 3;
const NFQA_IFINDEX_INDEV = 5;
const NFQA_IFINDEX_OUTDEV = 6;
const NFQA_PAYLOAD = 10;
const NFQA_CFG_CMD = 1;
const NFQA_CFG_PARAMS = 2;
const NFQA_CFG_QUEUE_MAXLEN = 3;
const NFQA_CFG_MASK = 4;
const NFQA_CFG_FLAGS = 5;
export const NFQNL_CFG_CMD_BIND = 1;
export const NFQNL_CFG_CMD_UNBIND = 2;
const NFQNL_COPY_PACKET = 2;
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
const AF_INET = 2;

/** Netfilter hooks, as NFQA_PACKET_HDR reports where the packet was queued. */
export const HOOK_PRE_ROUTING = 0;
export const HOOK_LOCAL_IN = 1;
export const HOOK_FORWARD = 2;
export const HOOK_LOCAL_OUT = 3;
export const HOOK_POST_ROUTING = 4;

export interface QueuedPacket {
  id: number;
  hook: number;
  mark: number;
  indev: number;
  outdev: number;
  /** a view into the received datagram: copy or rewrite before the buffer is reused */
  payload: Buffer | null;
}

export type Incoming =
  | { type: 'packet'; queue: number; packet: QueuedPacket }
  | { type: 'ack'; seq: number; error: number }
  | { type: 'other'; msgType: number };

function header(len: number, msgType: number, flags: number, seq: number, queue: number, family = 0): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE((NFNL_SUBSYS_QUEUE << 8) | msgType, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(0, 12);
  b[16] = family;
  b[17] = 0; // NFNETLINK_V0
  b.writeUInt16BE(queue, 18);
  return b;
}

function attr(type: number, data: Buffer): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}

function configMessage(seq: number, queue: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const b = header(20 + body.length, NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, seq, queue);
  body.copy(b, 20);
  return b;
}

/** Bind (or unbind) this socket to queue `queue`. */
export function encodeBindCommand(seq: number, queue: number, cmd: number): Buffer {
  const c = Buffer.alloc(4);
  c[0] = cmd;
  c.writeUInt16BE(AF_INET, 2);
  return configMessage(seq, queue, [attr(NFQA_CFG_CMD, c)]);
}

/** Copy whole packets (up to copyRange bytes), a queue of maxlen packets, and flags under mask. */
export function encodeParams(seq: number, queue: number, copyRange: number, maxlen: number, flags = 0, mask = 0): Buffer {
  const params = Buffer.alloc(5);
  params.writeUInt32BE(copyRange, 0);
  params[4] = NFQNL_COPY_PACKET;
  const ml = Buffer.alloc(4);
  ml.writeUInt32BE(maxlen, 0);
  const attrs = [attr(NFQA_CFG_PARAMS, params), attr(NFQA_CFG_QUEUE_MAXLEN, ml)];
  if (mask) {
    const f = Buffer.alloc(4);
    f.writeUInt32BE(flags, 0);
    const m = Buffer.alloc(4);
    m.writeUInt32BE(mask, 0);
    attrs.push(attr(NFQA_CFG_FLAGS, f), attr(NFQA_CFG_MASK, m));
  }
  return configMessage(seq, queue, attrs);
}

/** Bytes a verdict message takes (see encodeVerdictInto). */
export function verdictSize(mark: number | null, payload: Uint8Array | null): number {
  return 32 + (mark !== null ? 8 : 0) + (payload ? (4 + payload.length + 3) & ~3 : 0);
}

/**
 * Write a verdict for packet `id` at b[off]: NF_ACCEPT/NF_DROP, optionally setting the skb mark and
 * replacing the payload. Returns the bytes written. This runs once per packet, so it writes bytes
 * directly into a batch buffer instead of allocating.
 */
export function encodeVerdictInto(b: Buffer, off: number, seq: number, queue: number, id: number, verdict: number, mark: number | null, payload: Uint8Array | null): number {
  const len = verdictSize(mark, payload);
  // nlmsghdr (host order: little endian on every platform lvslab runs on)
  b.writeUInt32LE(len, off);
  b[off + 4] = NFQNL_MSG_VERDICT;
  b[off + 5] = NFNL_SUBSYS_QUEUE;
  b[off + 6] = NLM_F_REQUEST;
  b[off + 7] = 0;
  b.writeUInt32LE(seq >>> 0, off + 8);
  b.writeUInt32LE(0, off + 12);
  // nfgenmsg
  b[off + 16] = 0;
  b[off + 17] = 0;
  b[off + 18] = (queue >>> 8) & 0xff;
  b[off + 19] = queue & 0xff;
  // NFQA_VERDICT_HDR { verdict be32, id be32 }
  b[off + 20] = 12;
  b[off + 21] = 0;
  b[off + 22] = NFQA_VERDICT_HDR;
  b[off + 23] = 0;
  b.writeUInt32BE(verdict >>> 0, off + 24);
  b.writeUInt32BE(id >>> 0, off + 28);
  let o = off + 32;
  if (mark !== null) {
    b[o] = 8;
    b[o + 1] = 0;
    b[o + 2] = NFQA_MARK;
    b[o + 3] = 0;
    b.writeUInt32BE(mark >>> 0, o + 4);
    o += 8;
  }
  if (payload) {
    const alen = 4 + payload.length;
    b[o] = alen & 0xff;
    b[o + 1] = alen >>> 8;
    b[o + 2] = NFQA_PAYLOAD;
    b[o + 3] = 0;
    b.set(payload, o + 4);
    const end = off + len;
    for (let i = o + alen; i < end; i++) b[i] = 0;
  }
  return len;
}

/** A verdict message in its own buffer (tests, one-offs). */
export function encodeVerdict(seq: number, queue: number, id: number, verdict: number, mark: number | null, payload: Uint8Array | null): Buffer {
  const b = Buffer.allocUnsafe(verdictSize(mark, payload));
  encodeVerdictInto(b, 0, seq, queue, id, verdict, mark, payload);
  return b;
}

/**
 * The packet id of a datagram the socket truncated (a packet larger than our receive buffer): the
 * packet header attribute comes first, so the id is still readable and the packet can be answered.
 */
export function truncatedPacketId(buf: Buffer): number | null {
  if (buf.length < 20 + 11) return null;
  if (buf.readUInt16LE(4) !== ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) return null;
  let a = 20;
  while (a + 4 <= buf.length) {
    const alen = buf.readUInt16LE(a);
    if (alen < 4) return null;
    if ((buf.readUInt16LE(a + 2) & 0x3fff) === NFQA_PACKET_HDR) return a + 8 <= buf.length ? buf.readUInt32BE(a + 4) : null;
    a += (alen + 3) & ~3;
  }
  return null;
}

/** What a datagram's messages are handed to by decodeMessages. */
export interface MessageSink {
  /** a queued packet; `p` (and its payload view) is reused for the next one: copy what you keep */
  packet(p: QueuedPacket, queue: number): void;
  ack(seq: number, error: number): void;
  /** any other message type but NLMSG_DONE */
  other?(msgType: number): void;
}

/**
 * Split the datagram buf[start, end) into its netlink messages, without allocating: every packet is
 * decoded into `p` (overwritten each time). Malformed tails are ignored, not thrown.
 */
export function decodeMessages(buf: Buffer, start: number, end: number, p: QueuedPacket, sink: MessageSink): void {
  let off = start;
  while (off + 16 <= end) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > end) return;
    const type = buf.readUInt16LE(off + 4);
    if (type === NLMSG_ERROR && len >= 36) {
      sink.ack(buf.readUInt32LE(off + 28), buf.readInt32LE(off + 16));
    } else if (type === ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET) && len >= 20) {
      decodePacketAttrs(buf, off + 20, off + len, p);
      sink.packet(p, buf.readUInt16BE(off + 18));
    } else if (type !== NLMSG_DONE) {
      sink.other?.(type);
    }
    off += (len + 3) & ~3;
  }
}

/** Split one received datagram into its netlink messages (tests, one-offs: allocates per message). */
export function decodeDatagram(buf: Buffer, out: (m: Incoming) => void): void {
  decodeMessages(buf, 0, buf.length, emptyPacket(), {
    packet: (p, queue) => out({ type: 'packet', queue, packet: { ...p } }),
    ack: (seq, error) => out({ type: 'ack', seq, error }),
    other: (msgType) => out({ type: 'other', msgType }),
  });
}

export function emptyPacket(): QueuedPacket {
  return { id: -1, hook: -1, mark: 0, indev: 0, outdev: 0, payload: null };
}

function decodePacketAttrs(buf: Buffer, start: number, end: number, p: QueuedPacket): QueuedPacket {
  p.id = -1;
  p.hook = -1;
  p.mark = 0;
  p.indev = 0;
  p.outdev = 0;
  p.payload = null;
  let a = start;
  while (a + 4 <= end) {
    const alen = buf.readUInt16LE(a);
    const atype = buf.readUInt16LE(a + 2) & 0x3fff; // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
    if (alen < 4 || a + alen > end) break;
    switch (atype) {
      case NFQA_PACKET_HDR:
        if (alen >= 11) {
          p.id = buf.readUInt32BE(a + 4);
          p.hook = buf[a + 10];
        }
        break;
      case NFQA_MARK:
        if (alen >= 8) p.mark = buf.readUInt32BE(a + 4);
        break;
      case NFQA_IFINDEX_INDEV:
        if (alen >= 8) p.indev = buf.readUInt32BE(a + 4);
        break;
      case NFQA_IFINDEX_OUTDEV:
        if (alen >= 8) p.outdev = buf.readUInt32BE(a + 4);
        break;
      case NFQA_PAYLOAD:
        p.payload = buf.subarray(a + 4, a + alen);
        break;
    }
    a += (alen + 3) & ~3;
  }
  return p;
}
