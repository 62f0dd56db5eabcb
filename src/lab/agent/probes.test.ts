import { describe, expect, it } from 'vitest';
import { httpProbes, keyedLock, ProbeOptionError, type ProbeContext } from './probes.js';

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
