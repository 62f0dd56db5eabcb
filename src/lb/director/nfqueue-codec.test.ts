import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeBindCommand, encodeVerdict, NF_ACCEPT, NFQNL_CFG_CMD_BIND, type Incoming } from './nfqueue-codec.js';
import { queuedPacketMessage as packetMessage } from '../../../test/director/nfqueue-messages.js';

describe('nfqueue codec', () => {
  it('decodes packets (id, hook, mark, payload) and acks from one datagram', () => {
    const ack = Buffer.alloc(36);
    ack.writeUInt32LE(36, 0);
    ack.writeUInt16LE(2, 4);
    ack.writeInt32LE(-1, 16);
    ack.writeUInt32LE(77, 28);
    const dgram = Buffer.concat([packetMessage(42, 4, 0xabc, Buffer.from('hello')), ack]);
    const got: Incoming[] = [];
    decodeDatagram(dgram, (m) => got.push(m));
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ type: 'packet', queue: 5, packet: { id: 42, hook: 4, mark: 0xabc } });
    expect(got[0].type === 'packet' && got[0].packet.payload?.toString()).toBe('hello');
    expect(got[1]).toEqual({ type: 'ack', seq: 77, error: -1 });
  });

  it('ignores a truncated tail instead of throwing', () => {
    const m = packetMessage(1, 0, 0, Buffer.alloc(10));
    const got: Incoming[] = [];
    expect(() => decodeDatagram(m.subarray(0, m.length - 3), (x) => got.push(x))).not.toThrow();
    expect(got).toHaveLength(0);
  });

  it('encodes a verdict with mark and padded payload', () => {
    const v = encodeVerdict(9, 5, 42, NF_ACCEPT, 0x10, Buffer.from('abcde'));
    expect(v.readUInt32LE(0)).toBe(v.length);
    expect(v.length % 4).toBe(0);
    expect(v.readUInt16LE(4)).toBe((3 << 8) | 1);
    expect(v.readUInt16BE(18)).toBe(5);
    expect([v.readUInt32BE(24), v.readUInt32BE(28)]).toEqual([NF_ACCEPT, 42]);
    expect([v.readUInt16LE(34), v.readUInt32BE(36)]).toEqual([3, 0x10]);
    expect([v.readUInt16LE(40), v.readUInt16LE(42)]).toEqual([9, 10]);
    expect(v.subarray(44, 49).toString()).toBe('abcde');
  });

  it('encodes a bind command that asks for an ack', () => {
    const b = encodeBindCommand(3, 7, NFQNL_CFG_CMD_BIND);
    expect(b.readUInt16LE(6)).toBe(1 | 4);
    expect(b[24]).toBe(NFQNL_CFG_CMD_BIND);
  });
});

describe('batched verdicts and truncated packets', () => {
  it('writes verdicts back to back exactly as single ones', async () => {
    const { encodeVerdictInto, verdictSize } = await import('./nfqueue-codec.js');
    const a = encodeVerdict(1, 2, 3, NF_ACCEPT, null, null);
    const b = encodeVerdict(2, 2, 4, NF_ACCEPT, 7, Buffer.from('xyz'));
    const batch = Buffer.alloc(verdictSize(null, null) + verdictSize(7, Buffer.from('xyz')));
    let off = encodeVerdictInto(batch, 0, 1, 2, 3, NF_ACCEPT, null, null);
    off += encodeVerdictInto(batch, off, 2, 2, 4, NF_ACCEPT, 7, Buffer.from('xyz'));
    expect(off).toBe(batch.length);
    expect(batch).toEqual(Buffer.concat([a, b]));
  });

  it('reads the packet id of a truncated datagram', async () => {
    const { truncatedPacketId } = await import('./nfqueue-codec.js');
    const m = packetMessage(99, 0, 0, Buffer.alloc(3000));
    expect(truncatedPacketId(m.subarray(0, 200))).toBe(99);
    expect(truncatedPacketId(m.subarray(0, 10))).toBeNull();
  });
});
