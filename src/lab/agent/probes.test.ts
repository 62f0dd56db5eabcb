import { describe, expect, it } from 'vitest';
import { httpProbes, keyedLock, ProbeOptionError, replyWaits, type ProbeContext } from './probes.js';

/** Options are checked before any socket is opened: a context that would fail the test if used. */
const noSockets: ProbeContext = {
  sockets: {
    tcp: () => expect.unreachable('no socket for refused options'),
    udpBound: () => expect.unreachable('no socket for refused options'),
  },
};

describe('httpProbes options', () => {
  // rejected before any socket is opened: no network needed
  it.each([
    [[0], 'localPort must be between 1 and 65535 (got 0)'],
    [[80, 65536], 'localPort must be between 1 and 65535 (got 65536)'],
    [1.5, 'localPort must be between 1 and 65535 (got 1.5)'],
    [Array.from({ length: 1025 }, (_, i) => 1024 + i), 'localPort: at most 1024 source ports (got 1025)'],
  ])('localPort %j is refused', async (localPort, message) => {
    const p = httpProbes({ target: '192.0.2.1', localPort: localPort as number | number[] }, noSockets);
    await expect(p).rejects.toThrow(ProbeOptionError);
    await expect(p).rejects.toThrow(message);
  });
});

describe('keyedLock', () => {
  it('runs tasks of one key one after another, other keys alongside', async () => {
    const lock = keyedLock();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
    };
    await Promise.all([lock('p1', task('a', 20)), lock('p1', task('b', 1)), lock('p2', task('c', 5))]);
    expect(log.indexOf('b+')).toBeGreaterThan(log.indexOf('a-'));
    expect(log.indexOf('c+')).toBeLessThan(log.indexOf('a-'));
  });

  it('a failing task releases the key', async () => {
    const lock = keyedLock();
    await expect(lock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    let ran = false;
    await lock('k', async () => void (ran = true));
    expect(ran).toBe(true);
  });
});

describe('replyWaits', () => {
  /** A socket whose recv() calls wait until the test delivers, fails, or closes. */
  function fakeSocket() {
    const calls: Array<{ resolve: (p: { msg: Buffer } | undefined) => void; reject: (e: Error) => void }> = [];
    const sock = { recv: () => new Promise((resolve, reject) => calls.push({ resolve, reject })) } as unknown as Parameters<typeof replyWaits>[0];
    const settle = async (f: (c: (typeof calls)[number]) => void) => {
      f(calls[calls.length - 1]);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    return {
      sock,
      calls,
      deliver: (text: string) => settle((c) => c.resolve({ msg: Buffer.from(text) })),
      fail: () => settle((c) => c.reject(new Error('EHOSTUNREACH'))),
      close: () => settle((c) => c.resolve(undefined)),
    };
  }

  it('hands a reply to the wait in progress, one recv() pending at a time', async () => {
    const f = fakeSocket();
    const wait = replyWaits(f.sock);
    const reply = wait(1000);
    await f.deliver('rs1\n');
    expect((await reply)?.toString()).toBe('rs1\n');
    expect(f.calls).toHaveLength(2); // the next recv() is already in place
  });

  it('a late reply, after its wait timed out, is not taken for the next wait', async () => {
    const f = fakeSocket();
    const wait = replyWaits(f.sock);
    expect(await wait(5)).toBeUndefined();
    await f.deliver('late\n');
    const next = wait(1000);
    await f.deliver('rs2\n');
    expect((await next)?.toString()).toBe('rs2\n');
  });

  it('reads on after an error on the socket, and stops once it closes', async () => {
    const f = fakeSocket();
    const wait = replyWaits(f.sock);
    const reply = wait(1000);
    await f.fail();
    await f.deliver('rs1\n');
    expect((await reply)?.toString()).toBe('rs1\n');
    const before = f.calls.length;
    await f.close();
    expect(f.calls).toHaveLength(before);
  });
});
