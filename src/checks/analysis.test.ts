import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, gammaP, gammaQ, logGamma } from './chi-square.js';
import { answerSequence, checkRoundRobin, countByServer, spread } from './distribution.js';
import { checkFailover, formatTimeline, outageWindows } from './outage.js';
import type { ProbeRecord } from './probe-record.js';
import { stickiness } from './stickiness.js';
import { weightedShareTest } from './weights.js';

const ok = (server: string, at = 0, source?: string): ProbeRecord => {
  const [addr, port] = (source ?? '').split(':');
  return { server, ok: true, at, ms: 1, ...(source ? { source: { addr, port: Number(port ?? 0) } } : {}) };
};
const lost = (at: number, error = 'timeout'): ProbeRecord => ({ ok: false, at, ms: 100, error });

describe('distribution', () => {
  it('keeps the answer order and counts servers that never answered as 0', () => {
    const recs = [ok('RS2'), lost(1), ok('RS1'), ok('RS2')];
    expect(answerSequence(recs)).toEqual(['RS2', 'RS1', 'RS2']);
    expect(countByServer(recs, ['RS1', 'RS2', 'RS3'])).toEqual({ RS1: 1, RS2: 2, RS3: 0 });
    expect(spread({ RS1: 1, RS2: 2, RS3: 0 })).toBe(2);
    expect(spread({})).toBe(0);
  });

  it('accepts any rotation as round robin, and rejects breaks naming the answer', () => {
    expect(checkRoundRobin(['RS2', 'RS1', 'RS2', 'RS1'], ['RS1', 'RS2']).pass).toBe(true);
    const bad = checkRoundRobin(['RS2', 'RS1', 'RS1', 'RS2'], ['RS1', 'RS2']);
    expect(bad).toMatchObject({ pass: false, at: 2 });
    expect(bad.problem).toContain('answer #3 came from RS1');
    expect(checkRoundRobin(['RS1', 'RS1'], ['RS1', 'RS2']).problem).toContain('repeats RS1');
    expect(checkRoundRobin(['RS3', 'RS1'], ['RS1', 'RS2']).problem).toContain('not one of');
    expect(checkRoundRobin(['RS1'], ['RS1', 'RS2']).pass).toBe(false);
  });

  it('checks the cycle order only when asked', () => {
    expect(checkRoundRobin(['RS2', 'RS1'], ['RS1', 'RS2'], { exactOrder: true }).pass).toBe(false);
    expect(checkRoundRobin(['RS2', 'RS1', 'RS2'], ['RS2', 'RS1'], { exactOrder: true }).pass).toBe(true);
  });

  it('refuses a server list it cannot judge', () => {
    expect(() => checkRoundRobin(['a'], [])).toThrow(/no servers/);
    expect(() => checkRoundRobin(['a'], ['a', 'a'])).toThrow(/duplicates/);
  });
});

describe('chi-square', () => {
  it('matches known values of the gamma functions', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    for (const x of [0.1, 1, 3, 10]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 12);
    expect(gammaP(3, 2) + gammaQ(3, 2)).toBeCloseTo(1, 14);
  });

  it('gives the textbook critical values', () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(5.991465, 2)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(6.634897, 1)).toBeCloseTo(0.01, 5);
    expect(chiSquareSurvival(18.307038, 10)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(200, 1)).toBeLessThan(1e-40);
    expect(() => chiSquareSurvival(1, 0)).toThrow(/degrees of freedom/);
  });
});

describe('weighted shares', () => {
  it('passes a 3:1 split and fails an even one', () => {
    const good = weightedShareTest({ RS1: 300, RS2: 100 }, { RS1: 3, RS2: 1 });
    expect(good.pass).toBe(true);
    expect(good.pValue).toBeCloseTo(1, 6);
    const even = weightedShareTest({ RS1: 200, RS2: 200 }, { RS1: 3, RS2: 1 });
    expect(even.pass).toBe(false);
    expect(even.pValue).toBeLessThan(1e-10);
    expect(even.rows[0]).toMatchObject({ server: 'RS1', expected: 300, observed: 200 });
  });

  it('fails when a weight-0 or unnamed server answered, or nothing did', () => {
    expect(weightedShareTest({ RS1: 10, RS2: 1 }, { RS1: 1, RS2: 0 }).unexpected).toEqual([{ server: 'RS2', observed: 1 }]);
    expect(weightedShareTest({ RS1: 10, RS3: 1 }, { RS1: 1 }).pass).toBe(false);
    expect(weightedShareTest({}, { RS1: 1, RS2: 1 }).pass).toBe(false);
    expect(weightedShareTest({ RS1: 3, RS2: 1 }, { RS1: 1, RS2: 1 }).lowExpected).toBe(true);
  });

  it('names bad weights', () => {
    expect(() => weightedShareTest({}, { RS1: -1 })).toThrow(/weight of RS1/);
    expect(() => weightedShareTest({}, { RS1: 0 })).toThrow(/above 0/);
    expect(() => weightedShareTest({ RS1: 1 }, { RS1: 1 }, 2)).toThrow(/alpha/);
  });
});

describe('stickiness', () => {
  it('groups by client address or by source address and port', () => {
    const recs = [ok('RS1', 0, '10.1.0.1:1000'), ok('RS2', 1, '10.1.0.1:1001'), ok('RS2', 2, '10.1.0.2:1000')];
    expect(stickiness(recs, 'source').pass).toBe(true);
    const byClient = stickiness(recs, 'client');
    expect(byClient.pass).toBe(false);
    expect(byClient.violations).toEqual([{ key: '10.1.0.1', servers: { RS1: 1, RS2: 1 } }]);
  });

  it('cannot judge answers without a source', () => {
    const r = stickiness([ok('RS1')], 'client');
    expect(r).toMatchObject({ pass: false, withoutSource: 1 });
  });
});

describe('outage windows', () => {
  const timeline = [ok('RS1', 0), ok('RS1', 100), lost(200), lost(300, 'ECONNREFUSED'), ok('RS2', 400), ok('RS2', 500), lost(600)];

  it('finds first lost, first recovered and the duration', () => {
    const w = outageWindows(timeline);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatchObject({ firstLost: 200, firstRecovered: 400, durationMs: 200, lostProbes: 2, serverBefore: 'RS1', serverAfter: 'RS2' });
    expect(w[0].errors).toEqual({ timeout: 1, ECONNREFUSED: 1 });
    expect(w[1]).toMatchObject({ firstLost: 600, durationMs: 0, lostProbes: 1 });
    expect(w[1].firstRecovered).toBeUndefined();
  });

  it('judges a failover budget', () => {
    const closed = timeline.slice(0, 6);
    expect(checkFailover(closed, 250).pass).toBe(true);
    expect(checkFailover(closed, 150)).toMatchObject({ pass: false, longestMs: 200 });
    expect(checkFailover(timeline, 1000).problem).toContain('never came back');
    expect(checkFailover([], 1000).problem).toContain('empty');
    expect(checkFailover([ok('RS1', 0)], 0).pass).toBe(true);
  });

  it('prints runs of the timeline', () => {
    expect(formatTimeline(timeline.slice(0, 6))).toBe(
      ['  RS1 ×2 (0–100 ms)', '  lost (timeout) ×1 (200 ms)', '  lost (ECONNREFUSED) ×1 (300 ms)', '  RS2 ×2 (400–500 ms)'].join('\n'),
    );
  });
});
