// The IPVS connection-sync wire format, version 1 (net/netfilter/ipvs/ip_vs_sync.c), byte for byte:
// an 8-byte message header followed by nr_conns connection records, each record 32-bit aligned.
// Version 0 messages (4-byte header, 24-byte records) are decoded too (./decode.ts), because a v1
// kernel still accepts them (ip_vs_process_message_v0); we never send them. This file holds the
// format, its types and the sending side.

import { formatIPv6, parseIPv6 } from '../addr.js';
import { IP_VS_CONN_F_HASHED } from '../flags.js';

/** 224.0.0.81 (IP_VS_SYNC_GROUP) */
export const SYNC_GROUP = '224.0.0.81';
/** IP_VS_SYNC_PORT; sync thread i uses port + i */
export const SYNC_PORT = 8848;
export const SYNC_PROTO_VER = 1;

export const HEADER_V1_SIZE = 8;
export const HEADER_V0_SIZE = 4;
export const RECORD_V4_SIZE = 36;
export const RECORD_V6_SIZE = 72;
export const RECORD_V0_SIZE = 24;
/** struct ip_vs_sync_conn_options: in_seq + out_seq, 3 x be32 each */
export const SEQ_OPTIONS_SIZE = 24;

/** Bit 0 of a record's type byte: IPv6 addresses (STYPE_F_INET6). */
export const STYPE_F_INET6 = 1;
/** Top 4 bits of ver_size are the record version (0); the low 12 bits its length with options. */
export const SVER_SHIFT = 12;
export const SVER_MASK = 0x0fff;

export const IPVS_OPT_SEQ_DATA = 1;
export const IPVS_OPT_PE_DATA = 2;
export const IPVS_OPT_PE_NAME = 3;
/** Option type bit: the option is optional, a receiver that does not know it skips it. */
export const IPVS_OPT_F_PARAM = 1 << 6;

export const IP_VS_PEDATA_MAXLEN = 255;
export const IP_VS_PENAME_MAXLEN = 16;

// Connection flags (include/uapi/linux/ip_vs.h, kept in ../flags.ts), re-exported for the codec's users.
export {
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_LOCALNODE,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_BYPASS,
  IP_VS_CONN_F_SYNC,
  IP_VS_CONN_F_HASHED,
  IP_VS_CONN_F_NOOUTPUT,
  IP_VS_CONN_F_INACTIVE,
  IP_VS_CONN_F_OUT_SEQ,
  IP_VS_CONN_F_IN_SEQ,
  IP_VS_CONN_F_SEQ_MASK,
  IP_VS_CONN_F_NO_CPORT,
  IP_VS_CONN_F_TEMPLATE,
  IP_VS_CONN_F_ONE_PACKET,
  IP_VS_CONN_F_BACKUP_MASK,
  IP_VS_CONN_F_BACKUP_UPD_MASK,
} from '../flags.js';

/** struct ip_vs_seq, for NAT sequence adjustment (FTP helper); host order here. */
export interface SeqData {
  initSeq: number;
  delta: number;
  previousDelta: number;
}

/** One connection as the sync protocol carries it. Addresses are dotted IPv4 or IPv6 text. */
export interface SyncConn {
  family: 4 | 6;
  /** IPPROTO_TCP (6), IPPROTO_UDP (17), ... */
  protocol: number;
  /** IP_VS_CONN_F_* bits as the sender had them (HASHED cleared) */
  flags: number;
  /** the protocol's state index (TCP: 0 NONE, 1 ESTABLISHED, ...; UDP 0; templates 0/1) */
  state: number;
  cport: number;
  vport: number;
  dport: number;
  fwmark: number;
  /** the connection's full timeout for its state, in seconds (cp->timeout / HZ) */
  timeout: number;
  caddr: string;
  vaddr: string;
  daddr: string;
  /** SEQ_DATA option: present when the sender's flags have IN_SEQ/OUT_SEQ */
  seq?: { in: SeqData; out: SeqData };
  /** PE_DATA option (persistence-engine data, e.g. a SIP Call-ID) */
  peData?: Uint8Array;
  /** PE_NAME option (e.g. "sip"); only sent together with peData */
  peName?: string;
}

/** Why one record was skipped or the rest of a datagram dropped. */
export interface SyncDropReason {
  /** the kernel's retc (negative: rest of the datagram dropped), or a label for header checks */
  code: number | 'header';
  message: string;
}

export type DecodedMessage =
  | {
      kind: 'v1' | 'v0';
      syncId: number;
      /** nr_conns from the header */
      count: number;
      /** records in order; a skipped one carries its reason instead of a connection */
      records: Array<{ ok: true; conn: SyncConn; optional: Array<{ type: number; data: Uint8Array }> } | { ok: false; reason: SyncDropReason }>;
      /** set when a fatal error stopped decoding; records before it are still valid */
      aborted?: SyncDropReason;
    }
  | { kind: 'dropped'; reason: SyncDropReason };

export class SyncCodecError extends Error {
  override name = 'SyncCodecError';
}

// ---------- addresses ----------

function ipv4ToUint(addr: string, what: string): number {
  const parts = addr.split('.');
  if (parts.length !== 4) throw new SyncCodecError(`${what}: '${addr}' is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new SyncCodecError(`${what}: '${addr}' is not an IPv4 address`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function uintToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** 16 bytes of an IPv6 address in network order (src/lb/ipvs/addr.ts parses it as inet_pton does). */
function ipv6ToBytes(addr: string, what: string): Buffer {
  let words: Uint32Array;
  try {
    words = parseIPv6(addr);
  } catch {
    throw new SyncCodecError(`${what}: '${addr}' is not an IPv6 address`);
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) out.writeUInt32BE(words[i], i * 4);
  return out;
}

/** inet_ntop's text of 16 network-order bytes (src/lb/ipvs/addr.ts formats it). */
export function bytesToIpv6(b: Buffer): string {
  return formatIPv6([b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)]);
}

// ---------- encoding ----------

function checkUint(value: number, bits: 8 | 16 | 32, what: string): void {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new SyncCodecError(`${what}: ${value} is not an unsigned ${bits}-bit value`);
  }
}

/** Length of a record with its options, before the 32-bit padding that precedes the next one. */
export function recordLength(conn: SyncConn): number {
  let len = conn.family === 6 ? RECORD_V6_SIZE : RECORD_V4_SIZE;
  if (conn.seq) len += SEQ_OPTIONS_SIZE + 2;
  // The kernel writes PE_NAME only together with PE_DATA.
  if (conn.peData && conn.peData.length > 0) {
    len += conn.peData.length + 2;
    if (conn.peName) len += Buffer.byteLength(conn.peName) + 2;
  }
  return len;
}

/** Encode one record (no padding) into `out` at `at`; returns its length. */
export function encodeRecord(conn: SyncConn, out: Buffer, at: number): number {
  const len = recordLength(conn);
  if (len > SVER_MASK) throw new SyncCodecError(`sync record: length ${len} does not fit the 12-bit size field`);
  checkUint(conn.protocol, 8, 'sync record protocol');
  checkUint(conn.flags, 32, 'sync record flags');
  checkUint(conn.state, 16, 'sync record state');
  checkUint(conn.cport, 16, 'sync record cport');
  checkUint(conn.vport, 16, 'sync record vport');
  checkUint(conn.dport, 16, 'sync record dport');
  checkUint(conn.fwmark, 32, 'sync record fwmark');
  checkUint(conn.timeout, 32, 'sync record timeout');
  if (conn.peData && conn.peData.length > IP_VS_PEDATA_MAXLEN) {
    throw new SyncCodecError(`sync record: pe data of ${conn.peData.length} bytes exceeds ${IP_VS_PEDATA_MAXLEN}`);
  }
  if (conn.peName && Buffer.byteLength(conn.peName) > IP_VS_PENAME_MAXLEN) {
    throw new SyncCodecError(`sync record: pe name '${conn.peName}' is longer than ${IP_VS_PENAME_MAXLEN} bytes`);
  }
  out.writeUInt8(conn.family === 6 ? STYPE_F_INET6 : 0, at);
  out.writeUInt8(conn.protocol, at + 1);
  out.writeUInt16BE(len & SVER_MASK, at + 2); // record version 0
  out.writeUInt32BE((conn.flags & ~IP_VS_CONN_F_HASHED) >>> 0, at + 4);
  out.writeUInt16BE(conn.state, at + 8);
  out.writeUInt16BE(conn.cport, at + 10);
  out.writeUInt16BE(conn.vport, at + 12);
  out.writeUInt16BE(conn.dport, at + 14);
  out.writeUInt32BE(conn.fwmark, at + 16);
  out.writeUInt32BE(conn.timeout, at + 20);
  let p = at + 24;
  if (conn.family === 6) {
    for (const [addr, what] of [[conn.caddr, 'caddr'], [conn.vaddr, 'vaddr'], [conn.daddr, 'daddr']] as const) {
      ipv6ToBytes(addr, `sync record ${what}`).copy(out, p);
      p += 16;
    }
  } else {
    out.writeUInt32BE(ipv4ToUint(conn.caddr, 'sync record caddr'), p);
    out.writeUInt32BE(ipv4ToUint(conn.vaddr, 'sync record vaddr'), p + 4);
    out.writeUInt32BE(ipv4ToUint(conn.daddr, 'sync record daddr'), p + 8);
    p += 12;
  }
  if (conn.seq) {
    out.writeUInt8(IPVS_OPT_SEQ_DATA, p);
    out.writeUInt8(SEQ_OPTIONS_SIZE, p + 1);
    p += 2;
    for (const s of [conn.seq.in, conn.seq.out]) {
      out.writeUInt32BE(s.initSeq >>> 0, p);
      out.writeUInt32BE(s.delta >>> 0, p + 4);
      out.writeUInt32BE(s.previousDelta >>> 0, p + 8);
      p += 12;
    }
  }
  if (conn.peData && conn.peData.length > 0) {
    out.writeUInt8(IPVS_OPT_PE_DATA, p);
    out.writeUInt8(conn.peData.length, p + 1);
    Buffer.from(conn.peData).copy(out, p + 2);
    p += 2 + conn.peData.length;
    if (conn.peName) {
      const name = Buffer.from(conn.peName);
      out.writeUInt8(IPVS_OPT_PE_NAME, p);
      out.writeUInt8(name.length, p + 1);
      name.copy(out, p + 2);
      p += 2 + name.length;
    }
  }
  return len;
}

/**
 * A v1 message being filled, as the master's sync_buff: records are appended with the padding
 * that aligns each one on 32 bits (the kernel pads before a record, never after the last one).
 */
export class SyncMessageBuilder {
  private readonly buf: Buffer;
  private head = HEADER_V1_SIZE;
  private nr = 0;

  /** @param maxLen sync_maxlen: the datagram payload limit (MTU - 28 by default) */
  constructor(readonly syncId: number, readonly maxLen: number) {
    checkUint(syncId, 8, 'syncid');
    if (!Number.isInteger(maxLen) || maxLen <= HEADER_V1_SIZE || maxLen > 65535) {
      throw new SyncCodecError(`sync_maxlen: ${maxLen} is outside ${HEADER_V1_SIZE + 1}..65535`);
    }
    this.buf = Buffer.alloc(maxLen);
  }

  get count(): number {
    return this.nr;
  }

  get size(): number {
    return this.head;
  }

  /** Whether a record of `len` bytes still fits (with its padding). nr_conns is one byte. */
  fits(len: number): boolean {
    const pad = (4 - (this.head & 3)) & 3;
    return this.nr < 255 && this.head + pad + len <= this.maxLen;
  }

  /** Append a record; false (and nothing written) when it does not fit. */
  add(conn: SyncConn): boolean {
    const len = recordLength(conn);
    if (!this.fits(len)) return false;
    const pad = (4 - (this.head & 3)) & 3;
    this.buf.fill(0, this.head, this.head + pad);
    encodeRecord(conn, this.buf, this.head + pad);
    this.head += pad + len;
    this.nr++;
    return true;
  }

  /** The datagram: header (reserved 0, syncid, size, nr_conns, version 1, spare 0) + records. */
  toBuffer(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.head));
    out.writeUInt8(0, 0);
    out.writeUInt8(this.syncId, 1);
    out.writeUInt16BE(this.head, 2);
    out.writeUInt8(this.nr, 4);
    out.writeInt8(SYNC_PROTO_VER, 5);
    out.writeUInt16BE(0, 6);
    return out;
  }
}

/** Encode a whole v1 message; throws when the records do not fit in maxLen. */
export function encodeMessage(syncId: number, conns: SyncConn[], maxLen = 65535): Buffer {
  const b = new SyncMessageBuilder(syncId, maxLen);
  for (const [i, c] of conns.entries()) {
    if (!b.add(c)) throw new SyncCodecError(`sync message: record ${i} does not fit in ${maxLen} bytes`);
  }
  return b.toBuffer();
}
