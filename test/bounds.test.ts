import { describe, expect, it } from 'vitest';
import { checkerRemovalMs, checkerReturnMs, resignTakeoverMs, takeoverWindowMs, tcpStallMs, vrrpTimers } from './bounds.js';
import { failoverConfs, healthCheckConf } from './kernel/pass/settings.js';
import { directorConf } from './vrrp/harness/confs.js';

describe('VRRP bounds from a keepalived.conf', () => {
  it("the article's backup (priority 100, advert_int 1, VRRPv2): master down 3 s + 156/256 s", () => {
    const t = vrrpTimers(failoverConfs().ds2);
    expect(t).toEqual({ advertMs: 1000, skewMs: 609.375, masterDownMs: 3609.375 });
    expect(takeoverWindowMs(t, 1000)).toEqual({ min: 1609.375, max: 4609.375 });
    expect(resignTakeoverMs(t, 300)).toBe(909.375);
  });

  it("the article's master (priority 150): master down 3 s + 106/256 s, as it waits before its first MASTER", () => {
    expect(vrrpTimers(failoverConfs().ds1).masterDownMs).toBe(3414.062);
  });

  it('VRRPv3 at 0.1 s: the skew is (256 - priority)/256 of the interval, in keepalived whole microseconds', () => {
    const t = vrrpTimers(directorConf('ds2', { version: 3, advertInt: 0.1 }));
    expect(t).toEqual({ advertMs: 100, skewMs: 60.937, masterDownMs: 360.937 });
  });

  it('names a missing instance', () => {
    expect(() => vrrpTimers(failoverConfs().ds2, 'VI_9')).toThrow('vrrpTimers: no vrrp_instance VI_9 in the conf (VI_1, VI_GATEWAY)');
  });
});

describe('checker bounds from a keepalived.conf', () => {
  it('TCP_CHECK delay_loop 1, connect_timeout 1, keepalived defaults retry 1 and delay_before_retry 1 s', () => {
    expect(checkerRemovalMs(healthCheckConf(), '10.0.0.101:80', 'refused', 0)).toBe(2000);
    expect(checkerRemovalMs(healthCheckConf(), '10.0.0.101:80', 'silent', 0)).toBe(4000);
    expect(checkerReturnMs(healthCheckConf(), '10.0.0.101:80', 300)).toBe(1300);
  });

  it("HTTP_GET's delay_before_retry defaults to 3 s", () => {
    const conf = `virtual_server 192.168.1.112 80 {\n delay_loop 2\n protocol TCP\n real_server 10.0.0.101 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n   connect_timeout 1\n  }\n }\n}\n`;
    expect(checkerRemovalMs(conf, '10.0.0.101:80', 'refused', 0)).toBe(2000 + 3000);
  });

  it('names a real server that is not checked', () => {
    expect(() => checkerRemovalMs(healthCheckConf(), '10.0.0.109:80', 'refused', 0)).toThrow('no checked real server 10.0.0.109:80 in the conf (10.0.0.101:80, 10.0.0.102:80)');
  });
});

describe('TCP stall over an outage', () => {
  it('the first retransmission after the outage: the RTO doubles from 200 ms', () => {
    // losses from 0: retransmissions at 0.2, 0.6, 1.4, 3.0 s; an outage of 1.5 s is over at 3.0 s < 2 x 1.5 + 0.2
    expect(tcpStallMs(1500, 0)).toBe(3200);
  });
});
