// The koffi socket against the real kernel, without root and without changing anything: asking to
// unbind a queue nobody bound is answered with an error ack, which has to come back through the
// event loop's poll and the batched recvmmsg, in order, with the right sequence numbers.
import { describe, expect, it } from 'vitest';
import { KoffiNetlinkSocket } from './netlink-koffi.js';
import { decodeMessages, emptyPacket, encodeBindCommand, NETLINK_NETFILTER, NFQNL_CFG_CMD_UNBIND } from './nfqueue-codec.js';

describe('KoffiNetlinkSocket', () => {
  it('sends synchronously and reads the answers in batches on the event loop', async () => {
    const sock = new KoffiNetlinkSocket(NETLINK_NETFILTER, { bufferBytes: 1 << 20, batch: 4 });
    const acks: Array<[number, number]> = [];
    let batches = 0;
    const done = new Promise<void>((resolve) => {
      sock.on('drained', () => {
        batches++;
        if (acks.length === 10) resolve();
      });
      sock.on('message', (buf, start, end, truncated) => {
        expect(truncated).toBe(false);
        decodeMessages(buf, start, end, emptyPacket(), { packet: () => undefined, ack: (seq, error) => acks.push([seq, error]) });
      });
    });
    const sent: Array<Error | undefined> = [];
    // queue 65000 is bound by nobody: every unbind is refused, each with its own ack
    for (let seq = 1; seq <= 10; seq++) sock.send(encodeBindCommand(seq, 65000, NFQNL_CFG_CMD_UNBIND), {}, (e) => sent.push(e));
    expect(sent).toEqual(Array(10).fill(undefined));
    await done;
    sock.close();
    expect(acks.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const [, error] of acks) expect(error).toBeLessThan(0);
    // ten datagrams, at most four per recvmmsg: at least three batches
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(sock.wakeups).toBeGreaterThanOrEqual(1);
  });

  it('a datagram longer than its slot is reported truncated, not read past', async () => {
    const sock = new KoffiNetlinkSocket(NETLINK_NETFILTER, { bufferBytes: 1 << 20, datagramBytes: 24 });
    const got = await new Promise<[number, boolean]>((resolve) => {
      sock.on('message', (_buf, start, end, truncated) => resolve([end - start, truncated]));
      sock.send(encodeBindCommand(1, 65000, NFQNL_CFG_CMD_UNBIND));
    });
    sock.close();
    // the error ack quotes our 28-byte request: 36 + 28 bytes, cut to the 24-byte slot
    expect(got).toEqual([24, true]);
  });
});
