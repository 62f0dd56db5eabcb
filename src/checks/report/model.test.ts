import { describe, expect, it } from 'vitest';
import { REPORT_FORMAT, runPassed, runVerdict, skippedScenarios, type RunReport, type ScenarioReport } from './model.js';

const passed = (name: string): ScenarioReport => ({
  name,
  backend: 'embedded',
  lab: {},
  durationMs: 1,
  steps: [{ name: 'four requests', kind: 'http', summary: '', durationMs: 1, checks: [{ name: 'sequence', pass: true, message: '' }] }],
});
const failed = (name: string): ScenarioReport => ({ ...passed(name), steps: [{ ...passed(name).steps[0], checks: [{ name: 'sequence', pass: false, message: 'no' }] }] });
const broken = (name: string): ScenarioReport => ({ ...passed(name), steps: [], error: 'lab build failed' });
const skipped = (name: string): ScenarioReport => ({ name, backend: 'kernel', lab: {}, durationMs: 0, steps: [], skipped: 'the kernel backend is unavailable: no IPVS' });
const run = (scenarios: ScenarioReport[], allowSkips?: boolean): RunReport => ({
  format: REPORT_FORMAT,
  title: 't',
  startedAt: '',
  durationMs: 0,
  scenarios,
  ...(allowSkips ? { allowSkips } : {}),
});

describe('runVerdict', () => {
  it('passes when every scenario ran and passed', () => {
    expect(runVerdict(run([passed('a'), passed('b')]))).toBe('passed');
    expect(runPassed(run([passed('a')]))).toBe(true);
  });

  it('fails on a failed check or a scenario that could not run, skips or not', () => {
    expect(runVerdict(run([passed('a'), failed('b')]))).toBe('failed');
    expect(runVerdict(run([broken('a'), skipped('b')], true))).toBe('failed');
    expect(runVerdict(run([failed('a'), skipped('b')]))).toBe('failed');
  });

  it('is incomplete, not passed, when a scenario was skipped and skips were not allowed', () => {
    expect(runVerdict(run([passed('a'), skipped('b')]))).toBe('incomplete');
    expect(runPassed(run([passed('a'), skipped('b')]))).toBe(false);
  });

  it('never passes a run in which nothing ran', () => {
    // `lvslab run article --backend kernel` on a host without IPVS: three scenarios skipped
    const none = [skipped('tcp'), skipped('udp'), skipped('failover')];
    expect(runVerdict(run(none))).toBe('incomplete');
    expect(runVerdict(run(none, true))).toBe('skipped');
    expect(runPassed(run(none, true))).toBe(false);
    expect(runVerdict(run([]))).toBe('incomplete');
  });

  it('passes with allowed skips when what ran passed', () => {
    expect(runVerdict(run([passed('a'), skipped('b')], true))).toBe('passed');
  });

  it('lists the skipped scenarios with their backend and reason', () => {
    expect(skippedScenarios(run([passed('a'), skipped('b')]))).toEqual(['b [kernel]: the kernel backend is unavailable: no IPVS']);
  });
});
