// Counters and the rate estimator.
import { describe, expect, it } from 'vitest';
import { rrLab as rr } from '../../../test/ipvs/testkit.js';

const VIP = '192.168.1.112:80';

describe('rate estimator', () => {
  it('follows the kernel EWMA: 10 conns and 1000 bytes per 2 s converge to 5 cps and 500 B/s', () => {
    const l = rr('u');
    const cps: number[] = [];
    const bps: number[] = [];
    let port = 1;
    for (let tick = 0; tick < 40; tick++) {
      for (let i = 0; i < 10; i++) l.conn('udp', `10.9.0.1:${port++}`, VIP, { length: 100 });
      l.advance(2);
      const r = l.ipvs.snapshot().services[0].rate;
      cps.push(r.conns);
      bps.push(r.inBytes);
    }
    // est(n) = est(n-1) + (5120 - est(n-1)) >> 2 ; shown (est + 511) >> 10
    expect(cps.slice(0, 5)).toEqual([1, 2, 3, 3, 4]);
    expect(cps[39]).toBe(5);
    expect(bps[0]).toBe(125); // (16000 >> 2 + 15) >> 5
    expect(bps[39]).toBe(500);
    // once traffic stops it decays by 3/4 per period to 0
    l.advance(120);
    expect(l.ipvs.snapshot().services[0].rate.conns).toBe(0);
  });

  it('-Z zeroes counters and rates', () => {
    const l = rr('u');
    l.conn('udp', '10.9.0.1:1', VIP);
    l.advance(2);
    l.run('-Z');
    const s = l.ipvs.snapshot();
    expect(s.services[0].stats.conns).toBe(0);
    expect(s.services[0].rate.inBytes).toBe(0);
    expect(s.totals.stats.conns).toBe(0);
  });
});
