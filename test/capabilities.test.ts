import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi, type TestContext } from 'vitest';
import { CapabilityMissingError, decide, missing, onCi, present, skipUnless } from './capabilities.js';
import { collectSkips, skipSummary, type RecordedSkip } from './capability-reporter.js';
import type { CiException } from './ci-exceptions.js';

const IPIP_EXCEPTION: CiException = { capability: 'ipip', cause: 'no-ipip-module', when: 'the kernel has no ipip module', why: 'TUN decapsulation is the kernel module' };
const noIpip = missing('ipip', 'modprobe ipip: Module ipip not found', 'no-ipip-module');

describe('decide', () => {
  it('runs what is there, locally and under CI', () => {
    expect(decide(present('root'), false)).toEqual({ run: true });
    expect(decide(present('root'), true)).toEqual({ run: true });
  });

  it('locally skips a missing capability with its reason', () => {
    expect(decide(missing('root', 'runs as uid 1000'), false, [])).toEqual({ run: false, skip: { capability: 'root', reason: 'runs as uid 1000' } });
  });

  it('under CI fails an undeclared missing capability, naming it and the reason', () => {
    const d = decide(missing('keepalived', 'keepalived does not start (ENOENT)', 'not-installed'), true, [IPIP_EXCEPTION]);
    expect(d.run).toBe(false);
    expect('fail' in d && d.fail).toMatch(/^capability 'keepalived' is missing under CI: keepalived does not start \(ENOENT\)\..*test\/ci-exceptions\.ts \(cause 'not-installed'\)$/);
  });

  it('under CI skips a declared exception, carrying its condition and reason', () => {
    expect(decide(noIpip, true, [IPIP_EXCEPTION])).toEqual({
      run: false,
      skip: { capability: 'ipip', reason: noIpip.ok ? '' : noIpip.reason, exception: { when: IPIP_EXCEPTION.when, why: IPIP_EXCEPTION.why } },
    });
  });

  it('under CI an exception covers only its declared cause', () => {
    const d = decide(missing('ipip', 'ip: command not found'), true, [IPIP_EXCEPTION]);
    expect('fail' in d && d.fail).toContain("capability 'ipip' is missing under CI: ip: command not found");
  });

  it('reads CI as runners set it', () => {
    expect([{ CI: 'true' }, { CI: '1' }, { CI: 'TRUE' }].map((e) => onCi(e))).toEqual([true, true, true]);
    expect([{}, { CI: '' }, { CI: 'false' }, { CI: '0' }].map((e) => onCi(e))).toEqual([false, false, false, false]);
  });
});

describe('skipUnless inside a test', () => {
  const fakeCtx = () => {
    const skip = vi.fn((note?: string) => {
      throw new Error(`skipped: ${note}`);
    });
    return { ctx: { task: { meta: {} }, skip } as unknown as TestContext & { task: { meta: { capabilitySkips?: unknown } } }, skip };
  };

  it('returns when the capability is there', () => {
    const { ctx, skip } = fakeCtx();
    skipUnless(ctx, present('ipip'));
    expect(skip).not.toHaveBeenCalled();
  });

  it('with CI=true and an undeclared missing capability throws, naming it', () => {
    vi.stubEnv('CI', 'true');
    try {
      const { ctx, skip } = fakeCtx();
      expect(() => skipUnless(ctx, missing('fixture-undeclared', 'a made-up probe said no'))).toThrow(CapabilityMissingError);
      expect(() => skipUnless(ctx, missing('fixture-undeclared', 'a made-up probe said no'))).toThrow(/capability 'fixture-undeclared' is missing under CI: a made-up probe said no/);
      expect(skip).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('with CI=true and a declared one (ipip without its module) skips and records the exception', () => {
    vi.stubEnv('CI', 'true');
    try {
      const { ctx, skip } = fakeCtx();
      expect(() => skipUnless(ctx, noIpip)).toThrow('skipped: ipip: modprobe ipip: Module ipip not found');
      expect(skip).toHaveBeenCalledOnce();
      expect(ctx.task.meta.capabilitySkips).toEqual([{ capability: 'ipip', reason: 'modprobe ipip: Module ipip not found', exception: expect.objectContaining({ when: expect.stringContaining('no ipip module') }) }]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the run summary', () => {
  const test = (state: string, skips?: unknown) => ({ result: () => ({ state }), meta: () => (skips ? { capabilitySkips: skips } : {}) });
  const module = (file: string, tests: ReturnType<typeof test>[]) => ({ relativeModuleId: file, children: { allTests: () => tests.values() } });

  it('counts skipped tests per file and capability and leaves out what ran', () => {
    const excused = { capability: 'ipip', reason: 'no ipip module', exception: { when: 'the kernel has no ipip module', why: 'decapsulation is the kernel' } };
    const modules = [
      module('suites/article/tun.test.ts', [test('passed'), test('skipped', [excused]), test('skipped', [excused])]),
      module('suites/lab/dr.test.ts', [test('skipped', [{ capability: 'root', reason: 'runs as uid 1000' }]), test('passed', [{ capability: 'root', reason: 'x' }])]),
    ] as unknown as Parameters<typeof collectSkips>[0];
    const skips = collectSkips(modules);
    expect(skips).toEqual([
      { ...excused, file: 'suites/article/tun.test.ts', tests: 2 },
      { capability: 'root', reason: 'runs as uid 1000', file: 'suites/lab/dr.test.ts', tests: 1 },
    ]);
    expect(skipSummary(skips)).toEqual([
      'Skipped by declared exception (test/ci-exceptions.ts):',
      '  suites/article/tun.test.ts (2 tests): ipip — no ipip module',
      '    when the kernel has no ipip module',
      '    why: decapsulation is the kernel',
      'Skipped for a missing capability (not CI; under CI=true each fails unless declared in test/ci-exceptions.ts):',
      '  suites/lab/dr.test.ts (1 test): root — runs as uid 1000',
    ]);
  });

  it('is empty when nothing was skipped', () => {
    expect(skipSummary([] as RecordedSkip[])).toEqual([]);
  });
});

describe('end to end: a child vitest on gated suites', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  async function vitest(ci: boolean): Promise<{ code: number; out: string }> {
    // the child must not think it is a worker of this run
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI' && k !== 'FORCE_COLOR'));
    env.NO_COLOR = '1';
    if (ci) env.CI = 'true';
    try {
      const r = await promisify(execFile)(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/capabilities/vitest.config.ts'], { cwd: root, env, timeout: 60_000 });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  it('CI=true: the undeclared capability fails the run by name; the declared one skips and is listed', async () => {
    const { code, out } = await vitest(true);
    expect(code, out).toBe(1);
    expect(out).toContain("needs capability 'fixture-undeclared'");
    expect(out).toContain("CapabilityMissingError: capability 'fixture-undeclared' is missing under CI: a made-up probe said no");
    expect(out).toContain('Skipped by declared exception (test/ci-exceptions.ts):');
    expect(out).toContain('test/fixtures/capabilities/gate.fixture.ts (3 tests): ipip — the host kernel has no ipip module (made up)');
    expect(out).not.toContain('Skipped for a missing capability');
  }, 60_000);

  it('locally: both skip, saying why, and the run passes', async () => {
    const { code, out } = await vitest(false);
    expect(code, out).toBe(0);
    expect(out).toContain('Skipped for a missing capability (not CI;');
    expect(out).toContain('gate.fixture.ts (1 test): fixture-undeclared — a made-up probe said no');
    expect(out).toContain('gate.fixture.ts (3 tests): ipip — the host kernel has no ipip module (made up)');
  }, 60_000);
});
