// The receive side of the IPVS connection-sync wire format (ip_vs_sync.c: ip_vs_process_message,
// ip_vs_process_message_v0, ip_vs_proc_sync_conn's option parsing). The format itself, its types and
// the sending side are in ./message.ts.
//
// Decoding follows the kernel's receive loop exactly, including which errors drop only one record
// ("Single msg dropped", positive retc) and which drop the rest of the datagram (negative retc,
// "Dropping buffer"): records decoded before a fatal error are still applied by the kernel, so they
// are returned here too.

import { IP_VS_CONN_F_SEQ_MASK } from '../flags.js';
import {
  HEADER_V0_SIZE,
  HEADER_V1_SIZE,
  IPVS_OPT_F_PARAM,
  IPVS_OPT_PE_DATA,
  IPVS_OPT_PE_NAME,
  IPVS_OPT_SEQ_DATA,
  IP_VS_PENAME_MAXLEN,
  RECORD_V0_SIZE,
  RECORD_V4_SIZE,
  RECORD_V6_SIZE,
  SEQ_OPTIONS_SIZE,
  STYPE_F_INET6,
  SVER_MASK,
  SVER_SHIFT,
  SYNC_PROTO_VER,
  bytesToIpv6,
  uintToIpv4,
  type DecodedMessage,
  type SyncConn,
  type SyncDropReason,
} from './message.js';

export interface DecodeOptions {
  /** the backup's syncid: 0 accepts every syncid, anything else only that one */
  syncId: number;
}

function drop(code: number | 'header', message: string): SyncDropReason {
  return { code, message };
}

/** Decode (and check, as ip_vs_process_message does) one received datagram. */
export function decodeMessage(data: Uint8Array, opts: DecodeOptions): DecodedMessage {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HEADER_V0_SIZE) return { kind: 'dropped', reason: drop('header', 'message header too short') };
  const size = buf.readUInt16BE(2);
  if (buf.length !== size) {
    return { kind: 'dropped', reason: drop('header', `bogus message size: header says ${size}, datagram has ${buf.length} bytes`) };
  }
  const syncId = buf.readUInt8(1);
  if (opts.syncId !== 0 && syncId !== opts.syncId) {
    return { kind: 'dropped', reason: drop('header', `ignoring syncid ${syncId} (ours is ${opts.syncId})`) };
  }
  // A v1 header needs 8 bytes, but the kernel reads version/spare without checking; a shorter
  // datagram reads as v0 here, which is what the kernel's checks amount to for such input.
  const isV1 =
    buf.length >= HEADER_V1_SIZE && buf.readInt8(5) === SYNC_PROTO_VER && buf.readUInt8(0) === 0 && buf.readUInt16BE(6) === 0;
  return isV1 ? decodeV1(buf, syncId) : decodeV0(buf, syncId);
}

function decodeV1(buf: Buffer, syncId: number): DecodedMessage {
  const count = buf.readUInt8(4);
  const out: Extract<DecodedMessage, { kind: 'v1' | 'v0' }> = { kind: 'v1', syncId, count, records: [] };
  let next = HEADER_V1_SIZE;
  for (let i = 0; i < count; i++) {
    const p = next;
    if (p + RECORD_V4_SIZE > buf.length) {
      out.aborted = drop(-1, `record ${i}: dropping buffer, too small`);
      return out;
    }
    const verSize = buf.readUInt16BE(p + 2);
    const size = verSize & SVER_MASK;
    const end = p + size;
    if (end > buf.length) {
      out.aborted = drop(-1, `record ${i}: dropping buffer, record size ${size} runs past the message`);
      return out;
    }
    if (verSize >> SVER_SHIFT) {
      out.aborted = drop(-1, `record ${i}: dropping buffer, unknown record version ${verSize >> SVER_SHIFT}`);
      return out;
    }
    const r = decodeRecordV1(buf, p, end);
    if ('fatal' in r) {
      out.aborted = drop(r.fatal, `record ${i}: dropping buffer, ${r.message}`);
      return out;
    }
    out.records.push('conn' in r ? { ok: true, conn: r.conn, optional: r.optional } : { ok: false, reason: drop(r.skip, `record ${i}: ${r.message}`) });
    next = p + ((size + 3) & ~3);
  }
  return out;
}

type RecordResult =
  | { fatal: number; message: string }
  | { skip: number; message: string }
  | { conn: SyncConn; optional: Array<{ type: number; data: Uint8Array }> };

function decodeRecordV1(buf: Buffer, start: number, end: number): RecordResult {
  const type = buf.readUInt8(start);
  let family: 4 | 6;
  let p: number;
  if (type & STYPE_F_INET6) {
    family = 6;
    p = start + RECORD_V6_SIZE;
  } else if (type === 0) {
    family = 4;
    p = start + RECORD_V4_SIZE;
  } else {
    return { fatal: -10, message: `unknown record type ${type}` };
  }
  if (p > end) return { fatal: -20, message: `record length ${end - start} is shorter than its fixed part` };
  const conn: SyncConn = {
    family,
    protocol: buf.readUInt8(start + 1),
    flags: buf.readUInt32BE(start + 4),
    state: buf.readUInt16BE(start + 8),
    cport: buf.readUInt16BE(start + 10),
    vport: buf.readUInt16BE(start + 12),
    dport: buf.readUInt16BE(start + 14),
    fwmark: buf.readUInt32BE(start + 16),
    timeout: buf.readUInt32BE(start + 20),
    caddr: '',
    vaddr: '',
    daddr: '',
  };
  if (family === 6) {
    conn.caddr = bytesToIpv6(buf.subarray(start + 24, start + 40));
    conn.vaddr = bytesToIpv6(buf.subarray(start + 40, start + 56));
    conn.daddr = bytesToIpv6(buf.subarray(start + 56, start + 72));
  } else {
    conn.caddr = uintToIpv4(buf.readUInt32BE(start + 24));
    conn.vaddr = uintToIpv4(buf.readUInt32BE(start + 28));
    conn.daddr = uintToIpv4(buf.readUInt32BE(start + 32));
  }
  const optional: Array<{ type: number; data: Uint8Array }> = [];
  let peData: Buffer | undefined;
  let peName: Buffer | undefined;
  while (p < end) {
    if (p + 2 > end) return { fatal: -30, message: 'truncated option header' };
    const ptype = buf.readUInt8(p);
    const plen = buf.readUInt8(p + 1);
    p += 2;
    if (plen === 0 || p + plen > end) return { fatal: -40, message: `option ${ptype} has bad length ${plen}` };
    const data = buf.subarray(p, p + plen);
    switch (ptype & ~IPVS_OPT_F_PARAM) {
      case IPVS_OPT_SEQ_DATA:
        if (plen !== SEQ_OPTIONS_SIZE) return { fatal: -50, message: `bogus seq options length ${plen}` };
        if (conn.seq) return { fatal: -50, message: 'seq options found twice' };
        conn.seq = {
          in: { initSeq: data.readUInt32BE(0), delta: data.readUInt32BE(4), previousDelta: data.readUInt32BE(8) },
          out: { initSeq: data.readUInt32BE(12), delta: data.readUInt32BE(16), previousDelta: data.readUInt32BE(20) },
        };
        break;
      case IPVS_OPT_PE_DATA:
        if (peData) return { fatal: -60, message: 'pe data found twice' };
        peData = data;
        break;
      case IPVS_OPT_PE_NAME:
        if (plen > IP_VS_PENAME_MAXLEN) return { fatal: -70, message: `pe name length ${plen} > ${IP_VS_PENAME_MAXLEN}` };
        if (peName) return { fatal: -70, message: 'pe name found twice' };
        peName = data;
        break;
      default:
        // An unknown mandatory option: the kernel stops reading this record (drops only it).
        if (!(ptype & IPVS_OPT_F_PARAM)) return { skip: 20, message: `unknown mandatory option ${ptype}` };
        optional.push({ type: ptype, data: Uint8Array.from(data) });
    }
    p += plen;
  }
  if (peData) conn.peData = Uint8Array.from(peData);
  if (peName) conn.peName = peName.toString('latin1');
  return { conn, optional };
}

function decodeV0(buf: Buffer, syncId: number): DecodedMessage {
  const count = buf.readUInt8(0);
  const out: Extract<DecodedMessage, { kind: 'v1' | 'v0' }> = { kind: 'v0', syncId, count, records: [] };
  let p = HEADER_V0_SIZE;
  for (let i = 0; i < count; i++) {
    if (p + RECORD_V0_SIZE > buf.length) {
      out.aborted = drop(-1, `v0 record ${i}: bogus conn`);
      return out;
    }
    const flags = buf.readUInt16BE(p + 20);
    const conn: SyncConn = {
      family: 4,
      protocol: buf.readUInt8(p + 1),
      cport: buf.readUInt16BE(p + 2),
      vport: buf.readUInt16BE(p + 4),
      dport: buf.readUInt16BE(p + 6),
      caddr: uintToIpv4(buf.readUInt32BE(p + 8)),
      vaddr: uintToIpv4(buf.readUInt32BE(p + 12)),
      daddr: uintToIpv4(buf.readUInt32BE(p + 16)),
      flags,
      state: buf.readUInt16BE(p + 22),
      // v0 carries neither timeout nor fwmark: the receiver uses the state's default timeout.
      fwmark: 0,
      timeout: 0,
    };
    if (flags & IP_VS_CONN_F_SEQ_MASK) {
      if (p + RECORD_V0_SIZE + SEQ_OPTIONS_SIZE > buf.length) {
        out.aborted = drop(-1, `v0 record ${i}: dropping buffer, bogus conn options`);
        return out;
      }
      // v0 copies struct ip_vs_seq in the sender's host order (memcpy), little-endian on x86.
      const o = p + RECORD_V0_SIZE;
      conn.seq = {
        in: { initSeq: buf.readUInt32LE(o), delta: buf.readUInt32LE(o + 4), previousDelta: buf.readUInt32LE(o + 8) },
        out: { initSeq: buf.readUInt32LE(o + 12), delta: buf.readUInt32LE(o + 16), previousDelta: buf.readUInt32LE(o + 20) },
      };
      p += RECORD_V0_SIZE + SEQ_OPTIONS_SIZE;
    } else {
      p += RECORD_V0_SIZE;
    }
    out.records.push({ ok: true, conn, optional: [] });
  }
  return out;
}
