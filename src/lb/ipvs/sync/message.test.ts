import { describe, expect, it } from 'vitest';
import {
  IP_VS_CONN_F_INACTIVE,
  IP_VS_CONN_F_IN_SEQ,
  SyncMessageBuilder,
  encodeMessage,
  recordLength,
  type SyncConn,
} from './message.js';
import { decodeMessage } from './decode.js';

// Hand-built from the kernel's structs (ip_vs_sync.c): struct ip_vs_sync_mesg is
// u8 reserved | u8 syncid | be16 size | u8 nr_conns | s8 version | u16 spare, and
// struct ip_vs_sync_v4 is u8 type | u8 protocol | be16 ver_size | be32 flags | be16 state |
// be16 cport | be16 vport | be16 dport | be32 fwmark | be32 timeout | be32 caddr | be32 vaddr | be32 daddr.
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const estab: SyncConn = {
  family: 4,
  protocol: 6,
  flags: 0x0000, // MASQ, active
  state: 1, // ESTABLISHED
  cport: 40000,
  vport: 80,
  dport: 80,
  fwmark: 0,
  timeout: 900,
  caddr: '192.168.1.10',
  vaddr: '192.168.1.112',
  daddr: '10.0.0.101',
};

const estabBytes = hex(`
  00 06 0024   00000000   0001 9c40   0050 0050   00000000   00000384
  c0a8010a c0a80170 0a000065`);

describe('v1 encoding', () => {
  it('writes the header and one IPv4 record byte for byte', () => {
    const msg = encodeMessage(51, [estab]);
    const header = hex('00 33 002c 01 01 0000');
    expect(msg).toEqual(Buffer.concat([header, estabBytes]));
  });

  it('clears HASHED and writes SEQ_DATA in network order after the fixed part', () => {
    const rec: SyncConn = {
      ...estab,
      flags: 0x0040 | IP_VS_CONN_F_IN_SEQ | IP_VS_CONN_F_INACTIVE,
      seq: { in: { initSeq: 0x01020304, delta: 5, previousDelta: 0xfffffffe }, out: { initSeq: 7, delta: 8, previousDelta: 9 } },
    };
    expect(recordLength(rec)).toBe(36 + 26);
    const msg = encodeMessage(1, [rec]);
    expect(msg.readUInt16BE(2)).toBe(8 + 62);
    expect(msg.readUInt16BE(8 + 2)).toBe(62); // ver_size: version 0, length 62
    expect(msg.readUInt32BE(8 + 4)).toBe(0x0500); // HASHED (0x40) gone
    expect(msg.subarray(8 + 36)).toEqual(
      hex('01 18  01020304 00000005 fffffffe  00000007 00000008 00000009'),
    );
  });

  it('pads each following record to 32 bits and never the last one', () => {
    const pe: SyncConn = { ...estab, peData: Uint8Array.from([0xaa]), peName: 'sip' };
    // 36 + (2+1) + (2+3) = 44: already aligned; make it odd with 2 bytes of pe data
    const pe2: SyncConn = { ...pe, peData: Uint8Array.from([0xaa, 0xbb]) };
    expect(recordLength(pe2)).toBe(45);
    const msg = encodeMessage(0, [pe2, estab]);
    // header 8, record 45, 3 bytes of padding, record 36
    expect(msg.length).toBe(8 + 45 + 3 + 36);
    expect(msg.readUInt8(4)).toBe(2);
    expect(msg.subarray(8 + 36, 8 + 45)).toEqual(hex('02 02 aabb 03 03 736970'));
    expect(msg.subarray(8 + 45, 8 + 48)).toEqual(hex('000000'));
    expect(msg.subarray(8 + 48)).toEqual(estabBytes);
    const encodedTwice = encodeMessage(0, [estab, pe2]);
    expect(encodedTwice.length).toBe(8 + 36 + 45); // no trailing pad
  });

  it('writes IPv6 records of 72 bytes with type bit 0 set', () => {
    const v6: SyncConn = { ...estab, family: 6, caddr: '2001:db8::1', vaddr: '2001:db8::112', daddr: '::ffff:10.0.0.101' };
    const msg = encodeMessage(0, [v6]);
    expect(msg.length).toBe(8 + 72);
    expect(msg.readUInt8(8)).toBe(1);
    expect(msg.subarray(8 + 24, 8 + 40)).toEqual(hex('20010db8 00000000 00000000 00000001'));
    expect(msg.subarray(8 + 56, 8 + 72)).toEqual(hex('00000000 00000000 0000ffff 0a000065'));
    const back = decodeMessage(msg, { syncId: 0 });
    expect(back.kind).toBe('v1');
    if (back.kind !== 'v1') return;
    expect(back.records[0]).toMatchObject({ ok: true, conn: { family: 6, caddr: '2001:db8::1', vaddr: '2001:db8::112', daddr: '::ffff:10.0.0.101' } });
  });

  it('stops filling at sync_maxlen: 40 IPv4 records fit in 1472 bytes', () => {
    const b = new SyncMessageBuilder(1, 1472);
    let n = 0;
    while (b.add({ ...estab, cport: 1000 + n })) n++;
    expect(n).toBe(40); // (1472 - 8) / 36 = 40.67
    expect(b.toBuffer().length).toBe(8 + 40 * 36);
  });

  it('rejects values that do not fit their fields, naming them', () => {
    expect(() => encodeMessage(1, [{ ...estab, cport: 70000 }])).toThrow(/cport: 70000/);
    expect(() => encodeMessage(1, [{ ...estab, caddr: '10.0.0' }])).toThrow(/caddr: '10.0.0' is not an IPv4 address/);
    expect(() => encodeMessage(300, [estab])).toThrow(/syncid: 300/);
  });
});

describe('v1 decoding and the receive checks', () => {
  const good = Buffer.concat([hex('00 33 002c 01 01 0000'), estabBytes]);

  it('decodes the hand-built message', () => {
    const m = decodeMessage(good, { syncId: 51 });
    expect(m).toEqual({ kind: 'v1', syncId: 51, count: 1, records: [{ ok: true, conn: estab, optional: [] }] });
  });

  it('drops a datagram whose length differs from its size field', () => {
    const m = decodeMessage(good.subarray(0, 40), { syncId: 0 });
    expect(m).toMatchObject({ kind: 'dropped', reason: { message: expect.stringMatching(/bogus message size/) } });
    expect(decodeMessage(hex('0033'), { syncId: 0 })).toMatchObject({ kind: 'dropped', reason: { message: 'message header too short' } });
  });

  it('filters on syncid unless the backup syncid is 0', () => {
    expect(decodeMessage(good, { syncId: 52 })).toMatchObject({ kind: 'dropped', reason: { message: 'ignoring syncid 51 (ours is 52)' } });
    expect(decodeMessage(good, { syncId: 0 }).kind).toBe('v1');
  });

  it('keeps records decoded before a fatal error and reports it', () => {
    const bad = Buffer.from(encodeMessage(1, [estab, estab]));
    bad.writeUInt8(4, 8 + 36); // second record: unknown type 4 -> kernel retc -10, drop the rest
    const m = decodeMessage(bad, { syncId: 1 });
    if (m.kind !== 'v1') throw new Error(m.kind);
    expect(m.records).toHaveLength(1);
    expect(m.aborted).toMatchObject({ code: -10 });
  });

  it('drops the rest when a record claims to run past the datagram or has a record version', () => {
    const bad = Buffer.from(encodeMessage(1, [estab]));
    bad.writeUInt16BE(40, 8 + 2);
    const m = decodeMessage(bad, { syncId: 1 });
    expect(m).toMatchObject({ kind: 'v1', records: [], aborted: { message: expect.stringMatching(/runs past/) } });
    bad.writeUInt16BE(0x1000 | 36, 8 + 2);
    expect(decodeMessage(bad, { syncId: 1 })).toMatchObject({ aborted: { message: expect.stringMatching(/unknown record version 1/) } });
  });

  it('drops the rest when nr_conns promises more records than the datagram holds', () => {
    const bad = Buffer.from(encodeMessage(1, [estab]));
    bad.writeUInt8(2, 4);
    const m = decodeMessage(bad, { syncId: 1 });
    expect(m).toMatchObject({ kind: 'v1', records: [{ ok: true }], aborted: { message: expect.stringMatching(/too small/) } });
  });

  it('skips only the record with an unknown mandatory option and keeps optional ones', () => {
    const withOpt = (type: number) => {
      const rec = Buffer.concat([estabBytes, hex(`${type.toString(16).padStart(2, '0')} 02 abcd`)]);
      rec.writeUInt16BE(40, 2);
      const msg = Buffer.concat([hex('00 01 0000 02 01 0000'), rec, estabBytes]);
      msg.writeUInt16BE(msg.length, 2);
      return decodeMessage(msg, { syncId: 1 });
    };
    const mandatory = withOpt(9);
    expect(mandatory).toMatchObject({ kind: 'v1', records: [{ ok: false, reason: { code: 20 } }, { ok: true }] });
    const optional = withOpt(0x49);
    expect(optional).toMatchObject({
      kind: 'v1',
      records: [{ ok: true, optional: [{ type: 0x49, data: Uint8Array.from([0xab, 0xcd]) }] }, { ok: true }],
    });
  });

  it('rejects a SEQ_DATA option of the wrong length or given twice', () => {
    const rec = Buffer.concat([estabBytes, hex('01 04 00000000')]);
    rec.writeUInt16BE(42, 2);
    const msg = Buffer.concat([hex('00 01 0000 01 01 0000'), rec]);
    msg.writeUInt16BE(msg.length, 2);
    expect(decodeMessage(msg, { syncId: 1 })).toMatchObject({ aborted: { code: -50 } });
  });

  it('reads a message with a non-zero reserved byte or another version as version 0', () => {
    const m = Buffer.from(good);
    m.writeInt8(2, 5);
    expect(decodeMessage(m, { syncId: 0 }).kind).toBe('v0');
  });
});

describe('v0 messages', () => {
  // struct ip_vs_sync_mesg_v0: u8 nr_conns | u8 syncid | be16 size; struct ip_vs_sync_conn_v0:
  // u8 reserved | u8 protocol | be16 cport vport dport | be32 caddr vaddr daddr | be16 flags | be16 state
  it('decodes them as a v1 kernel does: no timeout, no fwmark', () => {
    const msg = hex(`01 07 001c   00 11 3039 270f 270f  c0a8010a c0a80170 0a000066  0100 0000`);
    const m = decodeMessage(msg, { syncId: 7 });
    expect(m).toEqual({
      kind: 'v0',
      syncId: 7,
      count: 1,
      records: [
        {
          ok: true,
          optional: [],
          conn: {
            family: 4,
            protocol: 17,
            cport: 12345,
            vport: 9999,
            dport: 9999,
            caddr: '192.168.1.10',
            vaddr: '192.168.1.112',
            daddr: '10.0.0.102',
            flags: 0x0100,
            state: 0,
            fwmark: 0,
            timeout: 0,
          },
        },
      ],
    });
  });

  it('drops the rest of a v0 message at a truncated record', () => {
    const msg = hex(`02 07 001c   00 11 3039 270f 270f  c0a8010a c0a80170 0a000066  0100 0000`);
    expect(decodeMessage(msg, { syncId: 0 })).toMatchObject({ kind: 'v0', records: [{ ok: true }], aborted: { message: expect.stringMatching(/bogus conn/) } });
  });
});
