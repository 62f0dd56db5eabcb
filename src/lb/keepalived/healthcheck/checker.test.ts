import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseKeepalivedConf } from '../parse.js';
import { HealthChecker } from './checker.js';
import { parseStatusCodes, plansFor } from './plan.js';
import { CheckerState, type ProbeResult } from './state.js';
import { VirtualServerState, type Effects } from './ipwrapper.js';

function conf(opts: { alpha?: boolean; inhibit?: boolean; check?: string } = {}): string {
  const check = opts.check ?? 'TCP_CHECK {\n connect_timeout 1\n retry 2\n delay_before_retry 1\n }';
  return `virtual_server 192.168.1.112 80 {
  delay_loop 5
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  ${opts.alpha ? 'alpha' : ''}
  real_server 10.0.0.101 80 {
    weight 3
    ${opts.inhibit ? 'inhibit_on_failure' : ''}
    ${check}
  }
  real_server 10.0.0.102 80 {
    weight 1
  }
}
`;
}

function plansOf(text: string) {
  const { config } = parseKeepalivedConf(text);
  const vs = plansFor(config.virtualServers[0]!);
  return { vs, plans: vs.realServers.flatMap((r) => r.checkers) };
}

describe('checker plans', () => {
  it('plans the checkers of checked real servers, with keepalived defaults filled in', () => {
    const { vs, plans } = plansOf(conf({ check: 'TCP_CHECK {\n }' }));
    expect(plans).toHaveLength(1);
    const p = plans[0]!;
    expect(p.rsLabel).toBe('[10.0.0.101]:tcp:80');
    expect(p.vsLabel).toBe('[192.168.1.112]:tcp:80');
    expect(p.probe).toEqual({ kind: 'tcp', host: '10.0.0.101', port: 80, timeoutMs: 5000 });
    expect([p.delayLoopMs, p.retries, p.delayBeforeRetryMs, vs.realServers[0]!.weight]).toEqual([5000, 1, 1000, 3]);
  });

  it('uses connect_ip/connect_port and HTTP_GET urls with status codes', () => {
    const { plans } = plansOf(conf({ check: 'HTTP_GET {\n url {\n path /health\n status_code 200,301-302\n }\n connect_ip 10.0.0.9\n connect_port 8080\n }' }));
    const p = plans[0]!;
    if (p.probe.kind !== 'http') throw new Error(`not an http probe: ${p.probe.kind}`);
    expect([p.probe.host, p.probe.port, p.delayBeforeRetryMs, p.checkLabel]).toEqual(['10.0.0.9', 8080, 3000, '[10.0.0.9]:tcp:8080']);
    expect(p.probe.urls[0]!.path).toBe('/health');
    expect([200, 301, 302, 303, 500].map(p.probe.urls[0]!.status)).toEqual([true, true, true, false, false]);
  });

  it("a checker's settings: its own, else its real server's, else its virtual server's (check_data.c), else the type's default", () => {
    const text = `virtual_server 192.168.1.112 80 {
  protocol TCP
  delay_loop 5
  connect_timeout 2
  retry 4
  delay_before_retry 7
  warmup 9
  real_server 10.0.0.101 80 {
    lvs_method DR
    retry 3
    delay_loop 6
    TCP_CHECK {
      connect_timeout 1
    }
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 10.0.0.102 80 {
    TCP_CHECK {
    }
  }
}
`;
    const { vs, plans } = plansOf(text);
    const row = (i: number) => {
      const p = plans[i]!;
      return [p.probe.kind === 'tcp' ? p.probe.timeoutMs : null, p.retries, p.delayBeforeRetryMs, p.delayLoopMs, p.warmupMs];
    };
    expect(row(0)).toEqual([1000, 3, 7000, 6000, 9000]); // timeout its own; retry and delay_loop the real server's
    expect(row(1)).toEqual([null, 3, 7000, 6000, 9000]); // MISC_CHECK: the same defaults reach it
    expect(row(2)).toEqual([2000, 4, 7000, 5000, 9000]); // all the virtual server's
    expect(vs.realServers.map((r) => r.methodFlag)).toEqual(['-g', '-m']);
  });

  it('status_code: default 2xx, bad text named', () => {
    const any2xx = parseStatusCodes(undefined);
    expect([199, 200, 299, 300].map(any2xx)).toEqual([false, true, true, false]);
    expect(() => parseStatusCodes('20x')).toThrow(/status_code: '20x'/);
  });
});

/** One real server's checker and its virtual server's pool, as the checker loop couples them. */
function rig(text: string, rsIndex = 0) {
  const { vs } = plansOf(text);
  const pool = new VirtualServerState(vs);
  const check = new CheckerState(vs.realServers[rsIndex]!.checkers[0]!, vs.realServers[rsIndex]!.aliveAtStart);
  const refused: ProbeResult = { ok: false, reason: 'refused', error: 'ECONNREFUSED' };
  /** feed one result: the step's lines and the pool's effects together */
  const feed = (ok: boolean) => {
    const step = check.onResult(ok ? { ok: true } : refused);
    const fx: Effects = step.transition ? pool.checkerChanged(rsIndex, step.transition === 'up') : { log: [], argv: [], scripts: [] };
    return { ...step, log: [...step.log, ...fx.log], argv: fx.argv, scripts: fx.scripts };
  };
  return { check, pool, feed };
}

/** Drive a server's check with an injected clock: returns the time the first table change happened. */
function runUntilAction(feed: ReturnType<typeof rig>['feed'], outcome: (t: number) => boolean, startMs: number, limitMs = 60_000) {
  let t = startMs;
  while (t <= limitMs) {
    const step = feed(outcome(t));
    if (step.argv.length) return { t, step };
    t += step.nextInMs;
  }
  return undefined;
}

describe('CheckerState with its VirtualServerState', () => {
  it('a failure is retried `retry` times before the server is removed, then checked every delay_loop', () => {
    const { check, feed } = rig(conf());
    // healthy until t=10 s, dead from then on: probes at 0, 5, 10 (fail), 11, 12 (retries) -> down at 12 s
    const r = runUntilAction(feed, (t) => t < 10_000, 0)!;
    expect(r.t).toBe(12_000);
    expect(r.step.argv).toEqual([['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80']]);
    expect(r.step.log).toEqual([
      'TCP connection to [10.0.0.101]:tcp:80 failed.',
      'TCP_CHECK on service [10.0.0.101]:tcp:80 failed after 2 retries.',
      'Removing service [10.0.0.101]:tcp:80 from VS [192.168.1.112]:tcp:80',
    ]);
    expect(r.step.nextInMs).toBe(5000);
    expect(check.up).toBe(false);
    // still failing: no further action, nothing logged
    expect(feed(false)).toMatchObject({ argv: [], log: [] });
  });

  it('a success within the retries keeps the server', () => {
    const { feed } = rig(conf());
    expect(feed(false).nextInMs).toBe(1000);
    expect(feed(false).nextInMs).toBe(1000);
    expect(feed(true)).toMatchObject({ argv: [], nextInMs: 5000 });
    // the retry count starts afresh
    expect(feed(false).argv).toEqual([]);
    expect(feed(false).argv).toEqual([]);
    expect(feed(false).argv[0]![0]).toBe('-d');
  });

  it('one success brings a removed server back with its weight and forwarding', () => {
    const { check, feed } = rig(conf());
    for (let i = 0; i < 3; i++) feed(false);
    expect(check.up).toBe(false);
    const up = feed(true);
    expect(up.argv).toEqual([['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '3']]);
    expect(up.log).toEqual(['TCP connection to [10.0.0.101]:tcp:80 success.', 'Adding service [10.0.0.101]:tcp:80 to VS [192.168.1.112]:tcp:80']);
    expect(check.up).toBe(true);
  });

  it('inhibit_on_failure sets weight 0 instead of removing, and restores the weight', () => {
    const { feed } = rig(conf({ inhibit: true }));
    for (let i = 0; i < 2; i++) feed(false);
    const down = feed(false);
    expect(down.argv).toEqual([['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '0']]);
    expect(down.log.at(-1)).toBe('Disabling service [10.0.0.101]:tcp:80 from VS [192.168.1.112]:tcp:80');
    const up = feed(true);
    expect(up.argv).toEqual([['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '3']]);
    expect(up.log.at(-1)).toBe('Enabling service [10.0.0.101]:tcp:80 to VS [192.168.1.112]:tcp:80');
  });

  it('alpha: starts down and is added on its first success; failures while down do nothing', () => {
    const { check, feed } = rig(conf({ alpha: true }));
    expect(check.up).toBe(false);
    // the first run is logged (keepalived: !has_run), no table change
    expect(feed(false)).toMatchObject({ argv: [], log: ['TCP connection to [10.0.0.101]:tcp:80 failed.', 'TCP_CHECK on service [10.0.0.101]:tcp:80 failed.'] });
    for (let i = 0; i < 2; i++) expect(feed(false).argv).toEqual([]);
    expect(feed(true).argv[0]![0]).toBe('-a');
  });
});

describe('HealthChecker (fake timers, injected prober)', () => {
  afterEach(() => vi.useRealTimers());

  it('removes a dead server within first delay + retries and adds it back after it recovers', async () => {
    vi.useFakeTimers();
    const { vs } = plansOf(conf());
    let healthy = true;
    const applied: Array<{ at: number; argv: string[] }> = [];
    const logs: string[] = [];
    const prober = async (): Promise<ProbeResult> => (healthy ? { ok: true } : { ok: false, reason: 'refused', error: 'ECONNREFUSED' });
    const hc = new HealthChecker([vs], async (argv) => (applied.push({ at: Date.now(), argv }), { status: 0 }), (l) => logs.push(l), prober);
    const t0 = Date.now();
    hc.start(() => 1000);
    await vi.advanceTimersByTimeAsync(7000); // probes at 1 s and 6 s, healthy
    expect(applied).toEqual([]);
    healthy = false;
    await vi.advanceTimersByTimeAsync(10_000); // fails at 11 s, retries at 12 s and 13 s -> removed at 13 s
    expect(applied).toHaveLength(1);
    expect(applied[0]!.at - t0).toBe(13_000);
    expect(applied[0]!.argv[0]).toBe('-d');
    expect(hc.status().servers[0]).toMatchObject({ alive: false, lastError: 'ECONNREFUSED' });
    healthy = true;
    await vi.advanceTimersByTimeAsync(5000); // next probe at 18 s succeeds
    expect(applied).toHaveLength(2);
    expect(applied[1]!.at - t0).toBe(18_000);
    expect(applied[1]!.argv.slice(0, 1)).toEqual(['-a']);
    expect(logs).toContain('Adding service [10.0.0.101]:tcp:80 to VS [192.168.1.112]:tcp:80');
    expect(logs[0]).toBe('Activating healthchecker for service [10.0.0.101]:tcp:80 for VS [192.168.1.112]:tcp:80');
    await hc.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hc.status().servers[0]!.checks).toBe(6);
  });
});
