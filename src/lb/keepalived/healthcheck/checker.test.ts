import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseKeepalivedConf } from '../parse.js';
import { HealthChecker } from './checker.js';
import { parseStatusCodes, plansFor, type CheckPlan } from './plan.js';
import type { ProbeResult } from './probe.js';
import { RealServerCheck } from './state.js';

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
  return plansFor(config.virtualServers[0]!);
}

describe('checker plans', () => {
  it('checks only real servers with a TCP_CHECK/HTTP_GET, with keepalived defaults filled in', () => {
    const { plans } = plansOf(conf({ check: 'TCP_CHECK {\n }' }));
    expect(plans).toHaveLength(1);
    const p = plans[0]!;
    expect(p.rsLabel).toBe('[10.0.0.101]:tcp:80');
    expect(p.vsLabel).toBe('[192.168.1.112]:tcp:80');
    expect(p.probe).toEqual({ kind: 'tcp', host: '10.0.0.101', port: 80, timeoutMs: 5000 });
    expect([p.delayLoopMs, p.retries, p.delayBeforeRetryMs, p.weight]).toEqual([5000, 1, 1000, 3]);
  });

  it('uses connect_ip/connect_port and HTTP_GET urls with status codes', () => {
    const { plans } = plansOf(conf({ check: 'HTTP_GET {\n url {\n path /health\n status_code 200,301-302\n }\n connect_ip 10.0.0.9\n connect_port 8080\n }' }));
    const p = plans[0]!;
    expect(p.probe.kind).toBe('http');
    expect([p.probe.host, p.probe.port, p.delayBeforeRetryMs]).toEqual(['10.0.0.9', 8080, 3000]);
    if (p.probe.kind !== 'http') throw new Error('unreachable');
    expect(p.probe.urls[0]!.path).toBe('/health');
    expect([200, 301, 302, 303, 500].map(p.probe.urls[0]!.status)).toEqual([true, true, true, false, false]);
  });

  it('status_code: default 2xx, bad text named', () => {
    const any2xx = parseStatusCodes(undefined);
    expect([199, 200, 299, 300].map(any2xx)).toEqual([false, true, true, false]);
    expect(() => parseStatusCodes('20x')).toThrow(/status_code: '20x'/);
  });
});

/** Drive a server's check with an injected clock: returns the time the first action happened. */
function runUntilAction(check: RealServerCheck, outcome: (t: number) => boolean, startMs: number, limitMs = 60_000) {
  let t = startMs;
  while (t <= limitMs) {
    const step = check.onResult(outcome(t), 'ECONNREFUSED');
    if (step.action.kind !== 'none') return { t, step };
    t += step.nextInMs;
  }
  return undefined;
}

describe('RealServerCheck', () => {
  const planOf = (o: Parameters<typeof conf>[0] = {}): CheckPlan => plansOf(conf(o)).plans[0]!;

  it('a failure is retried `retry` times before the server is removed, then checked every delay_loop', () => {
    const check = new RealServerCheck(planOf());
    // healthy until t=10 s, dead from then on: probes at 0, 5, 10 (fail), 11, 12 (retries) -> down at 12 s
    const r = runUntilAction(check, (t) => t < 10_000, 0)!;
    expect(r.t).toBe(12_000);
    expect(r.step.action).toEqual({ kind: 'down', argv: ['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80'] });
    expect(r.step.log).toEqual(['TCP connection to [10.0.0.101]:tcp:80 failed (ECONNREFUSED).', 'Removing service [10.0.0.101]:tcp:80 from VS [192.168.1.112]:tcp:80']);
    expect(r.step.nextInMs).toBe(5000);
    expect(check.alive).toBe(false);
    // still failing: no further action
    expect(check.onResult(false).action.kind).toBe('none');
  });

  it('a success within the retries keeps the server', () => {
    const check = new RealServerCheck(planOf());
    expect(check.onResult(false).nextInMs).toBe(1000);
    expect(check.onResult(false).nextInMs).toBe(1000);
    expect(check.onResult(true)).toMatchObject({ action: { kind: 'none' }, nextInMs: 5000 });
    // the retry count starts afresh
    expect(check.onResult(false).action.kind).toBe('none');
    expect(check.onResult(false).action.kind).toBe('none');
    expect(check.onResult(false).action.kind).toBe('down');
  });

  it('one success brings a removed server back with its weight and forwarding', () => {
    const check = new RealServerCheck(planOf());
    for (let i = 0; i < 3; i++) check.onResult(false);
    expect(check.alive).toBe(false);
    const up = check.onResult(true);
    expect(up.action).toEqual({ kind: 'up', argv: ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '3'] });
    expect(up.log[1]).toBe('Adding service [10.0.0.101]:tcp:80 to VS [192.168.1.112]:tcp:80');
    expect(check.alive).toBe(true);
  });

  it('inhibit_on_failure sets weight 0 instead of removing, and restores the weight', () => {
    const check = new RealServerCheck(planOf({ inhibit: true }));
    for (let i = 0; i < 2; i++) check.onResult(false);
    const down = check.onResult(false);
    expect(down.action).toEqual({ kind: 'down', argv: ['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '0'] });
    expect(down.log[1]).toBe('Disabling service [10.0.0.101]:tcp:80 from VS [192.168.1.112]:tcp:80');
    expect(check.onResult(true).action).toEqual({ kind: 'up', argv: ['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '3'] });
  });

  it('alpha: starts down and is added on its first success; failures while down do nothing', () => {
    const check = new RealServerCheck(planOf({ alpha: true }));
    expect(check.alive).toBe(false);
    for (let i = 0; i < 3; i++) expect(check.onResult(false).action.kind).toBe('none');
    expect(check.onResult(true).action.kind).toBe('up');
  });
});

describe('HealthChecker (fake timers, injected prober)', () => {
  afterEach(() => vi.useRealTimers());

  it('removes a dead server within first delay + retries and adds it back after it recovers', async () => {
    vi.useFakeTimers();
    const { plans } = plansOf(conf());
    let healthy = true;
    const applied: Array<{ at: number; argv: string[] }> = [];
    const logs: string[] = [];
    const prober = async (): Promise<ProbeResult> => (healthy ? { ok: true } : { ok: false, error: 'ECONNREFUSED' });
    const hc = new HealthChecker(plans, async (argv) => (applied.push({ at: Date.now(), argv }), { status: 0 }), (l) => logs.push(l), prober);
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
    hc.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hc.status().servers[0]!.checks).toBe(6);
  });
});
