import { describe, expect, it } from 'vitest';
import { HOOK_PRE_ROUTING, NF_ACCEPT, NF_DROP, NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND } from './nfqueue-codec.js';
import { NfQueue, type PacketHandler } from './nfqueue.js';
import { FakeBatchedSocket, queuedPacketMessage } from '../../../test/director/nfqueue-messages.js';

const pkt = (id: number, text = `packet ${id}`) => queuedPacketMessage(id, HOOK_PRE_ROUTING, 0, Buffer.from(text), 7);

describe('NfQueue over a batched socket', () => {
  it('binds (unbind, bind, parameters), then answers a whole batch in one send', async () => {
    const sock = new FakeBatchedSocket();
    const seen: string[] = [];
    const handler: PacketHandler = (p, sink) => {
      seen.push(p.payload!.toString());
      sink.verdict(p.id, p.id === 2 ? NF_DROP : NF_ACCEPT, p.id === 3 ? 0x42 : null, null);
    };
    const q = await NfQueue.over(sock, { queue: 7 }, handler);
    expect(sock.config).toEqual([[NFQNL_CFG_CMD_UNBIND, 7], [NFQNL_CFG_CMD_BIND, 7], [0, 7]]);
    sock.deliver([pkt(1), pkt(2), pkt(3)]);
    expect(seen).toEqual(['packet 1', 'packet 2', 'packet 3']);
    expect(sock.sends).toEqual([[
      { id: 1, verdict: NF_ACCEPT, mark: null, payload: null },
      { id: 2, verdict: NF_DROP, mark: null, payload: null },
      { id: 3, verdict: NF_ACCEPT, mark: 0x42, payload: null },
    ]]);
    expect(q.stats).toMatchObject({ received: 3, verdicts: 3, sends: 1, handlerErrors: 0 });
    q.close();
    // close unbinds first: the socket may outlive close() for a moment
    expect(sock.config.at(-1)).toEqual([NFQNL_CFG_CMD_UNBIND, 7]);
    expect(sock.closed).toBe(true);
  });

  it('a handler that throws gets its packet accepted untouched, once, and the batch goes on', async () => {
    const sock = new FakeBatchedSocket();
    const q = await NfQueue.over(sock, { queue: 7 }, (p, sink) => {
      if (p.id === 2) throw new Error('bug');
      if (p.id === 3) {
        sink.verdict(p.id, NF_DROP, null, null);
        throw new Error('bug after answering');
      }
      sink.verdict(p.id, NF_ACCEPT, null, p.payload);
    });
    sock.deliver([pkt(1), pkt(2), pkt(3), pkt(4)]);
    expect(sock.sends[0].map((v) => [v.id, v.verdict, v.payload?.toString() ?? null])).toEqual([
      [1, NF_ACCEPT, 'packet 1'],
      [2, NF_ACCEPT, null],
      [3, NF_DROP, null],
      [4, NF_ACCEPT, 'packet 4'],
    ]);
    expect(q.stats.handlerErrors).toBe(2);
    q.close();
  });

  it('a truncated datagram is accepted untouched by its packet id', async () => {
    const sock = new FakeBatchedSocket();
    const handled: number[] = [];
    const q = await NfQueue.over(sock, { queue: 7 }, (p, sink) => {
      handled.push(p.id);
      sink.verdict(p.id, NF_DROP, null, null);
    });
    sock.deliver([{ truncated: pkt(9, 'x'.repeat(3000)).subarray(0, 100) }, pkt(10)]);
    expect(handled).toEqual([10]);
    expect(sock.sends).toEqual([[{ id: 9, verdict: NF_ACCEPT, mark: null, payload: null }, { id: 10, verdict: NF_DROP, mark: null, payload: null }]]);
    expect(q.stats).toMatchObject({ received: 2, truncated: 1 });
    q.close();
  });
});
