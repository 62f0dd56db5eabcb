import { describe, expect, it } from 'vitest';
import { toBeRoundRobin, toFailOverWithin, toHaveConnection, toMatchWeights, toStickBy } from './matchers.js';
import type { ProbeRecord } from './probe-record.js';

const rec = (server: string | undefined, at: number, source?: [string, number], error?: string): ProbeRecord => ({
  ok: server !== undefined,
  ...(server !== undefined ? { server } : { error: error ?? 'timeout' }),
  at,
  ms: 1,
  ...(source ? { source: { addr: source[0], port: source[1] } } : {}),
});

describe('toBeRoundRobin', () => {
  it('passes the article sequence given as records, as { records } and as names', () => {
    const names = ['RS2', 'RS1', 'RS2', 'RS1'];
    expect(toBeRoundRobin(names, ['RS1', 'RS2']).pass).toBe(true);
    expect(toBeRoundRobin({ records: names.map((s, i) => rec(s, i)) }, ['RS1', 'RS2']).pass).toBe(true);
  });

  it('fails with the sequence, the break marked, and the counts', () => {
    const r = toBeRoundRobin(['RS2', 'RS1', 'RS1', 'RS2'], ['RS1', 'RS2']);
    expect(r.pass).toBe(false);
    const msg = r.message();
    expect(msg).toContain('answer #3 came from RS1');
    expect(msg).toContain('RS2 RS1 [RS1] RS2');
    expect(msg).toContain('counts: RS1=2 RS2=2');
  });

  it('fails when probes failed, and says how', () => {
    const r = toBeRoundRobin([rec('RS2', 0), rec('RS1', 1), rec(undefined, 2, undefined, 'ECONNREFUSED')], ['RS1', 'RS2']);
    expect(r.pass).toBe(false);
    expect(r.message()).toContain('1 of 3 probes failed: ECONNREFUSED ×1');
  });

  it('rejects a value that is not probe results', () => {
    expect(() => toBeRoundRobin(42, ['RS1'])).toThrow(/expected probe results/);
  });
});

describe('toMatchWeights', () => {
  it('passes a wrr 3:1 interleave and shows the shares when failing', () => {
    const wrr = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'RS2' : 'RS1'));
    expect(toMatchWeights(wrr, { RS1: 3, RS2: 1 }).pass).toBe(true);
    const even = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'RS2' : 'RS1'));
    const r = toMatchWeights(even, { RS1: 3, RS2: 1 });
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/RS1\s+weight 3\s+got\s+20 \(50\.0%\)\s+expected\s+30\.0 \(75\.0%\)/);
    expect(r.message()).toMatch(/chi-square 13\.333, df 1, p = /);
  });

  it('names an answer from a weight-0 server', () => {
    const r = toMatchWeights(['RS1', 'RS1', 'RS3'], { RS1: 1, RS3: 0 });
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/RS3\s+weight 0\s+got 1 \(should get none\)/);
  });
});

describe('toStickBy', () => {
  it('passes when each client stays on one server', () => {
    const recs = [rec('RS1', 0, ['10.9.0.1', 1]), rec('RS1', 1, ['10.9.0.1', 2]), rec('RS2', 2, ['10.9.0.2', 1])];
    expect(toStickBy(recs, 'client').pass).toBe(true);
  });

  it('lists the clients that moved', () => {
    const recs = [rec('RS1', 0, ['10.9.0.1', 1]), rec('RS2', 1, ['10.9.0.1', 2])];
    const r = toStickBy(recs, 'client');
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/1 of 1 did not:\n\s+10\.9\.0\.1\s+-> RS1=1 RS2=1/);
    expect(toStickBy(recs, 'source').pass).toBe(true);
  });
});

describe('toHaveConnection', () => {
  const text = [
    'IPVS connection entries',
    'pro expire state       source             virtual            destination',
    'TCP 01:57  FIN_WAIT    192.168.1.100:45678 192.168.1.112:80   10.0.0.102:80',
    'UDP 04:59  UDP         192.168.1.100:51000 192.168.1.112:9999 10.0.0.101:9999',
  ].join('\n');

  it('finds a row by any of proto, state, client and destination (address or address:port)', () => {
    expect(toHaveConnection(text, { proto: 'tcp', state: 'FIN_WAIT', client: '192.168.1.100', destination: '10.0.0.102:80' }).pass).toBe(true);
    expect(toHaveConnection({ stdout: text }, { proto: 'udp', destination: '10.0.0.101' }).pass).toBe(true);
    expect(toHaveConnection(text, { client: '192.168.1.100:51000', proto: 'UDP' }).pass).toBe(true);
  });

  it('shows the whole table when nothing matches', () => {
    const r = toHaveConnection(text, { proto: 'tcp', state: 'ESTABLISHED' });
    expect(r.pass).toBe(false);
    const msg = r.message();
    expect(msg).toContain('expected a connection with proto tcp, state ESTABLISHED; the table has 2');
    expect(msg).toMatch(/TCP\s+01:57\s+FIN_WAIT\s+192\.168\.1\.100:45678\s+192\.168\.1\.112:80\s+10\.0\.0\.102:80/);
  });
});

describe('toFailOverWithin', () => {
  const timeline = [rec('RS1', 0), rec(undefined, 100), rec(undefined, 200), rec(undefined, 300), rec('RS2', 400)];

  it('passes within the budget, fails beyond it with the timeline', () => {
    expect(toFailOverWithin(timeline, 500).pass).toBe(true);
    const r = toFailOverWithin(timeline, 250);
    expect(r.pass).toBe(false);
    const msg = r.message();
    expect(msg).toContain('an outage lasted 300 ms, more than 250 ms');
    expect(msg).toContain('outage 1: 300 ms, 3 probes lost, RS1 -> RS2');
    expect(msg).toContain('lost (timeout) ×3 (100–300 ms)');
  });
});
