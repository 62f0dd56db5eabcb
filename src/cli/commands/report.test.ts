// `lvslab report merge` without labs: files in, merged report and verdict out, exit codes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturePrinted, scratchDir } from '../../../test/cli-output.js';
import { REPORT_FORMAT, type RunReport, type ScenarioReport } from '../../checks/report/model.js';
import { UsageError } from '../command.js';
import { reportCommand } from './report.js';

function scenario(name: string, pass: boolean): ScenarioReport {
  return { name, file: `${name}.yaml`, backend: 'embedded', lab: {}, durationMs: 500, steps: [{ name: 'answers', kind: 'http', summary: 'client: 2 HTTP requests', durationMs: 5, checks: [{ name: 'round robin', pass, message: pass ? '' : 'expected RS1' }] }] };
}

function runReport(title: string, scenarios: ScenarioReport[]): RunReport {
  return { format: REPORT_FORMAT, title, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 1000, scenarios };
}

describe('lvslab report merge', () => {
  const printed = capturePrinted();
  const scratch = scratchDir('lvslab-report-cli-');
  const write = async (name: string, value: unknown) => {
    const file = join(scratch.path(), name);
    await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };

  it('prints its help with the exit codes', async () => {
    expect(await reportCommand.run(['--help'])).toBe(0);
    expect(await reportCommand.run(['merge', '--help'])).toBe(0);
    expect(printed.out()).toContain('usage: lvslab report merge <report.json> [...] [options]');
    expect(printed.out()).toContain('Exit status: 0 PASSED (or NOTHING RAN with --allow-skips), 1 FAILED, 2 usage error or a bad input\n(nothing written), 3 INCOMPLETE.');
  });

  it('refuses bad usage with a UsageError', async () => {
    await expect(reportCommand.run([])).rejects.toThrow(/name a subcommand: merge/);
    await expect(reportCommand.run(['show'])).rejects.toThrow(/unknown subcommand 'show'/);
    await expect(reportCommand.run(['merge'])).rejects.toThrow(UsageError);
    await expect(reportCommand.run(['merge', 'a.json', '--bogus'])).rejects.toThrow(UsageError);
  });

  it('merges into one terminal report and writes JSON, JUnit and HTML; exit 1 when a shard failed', async () => {
    const a = await write('a.json', runReport('lvslab run a.yaml', [scenario('a', true)]));
    const b = await write('b.json', runReport('lvslab run b.yaml', [scenario('b', false)]));
    const [json, junit, html] = ['m.json', 'm.xml', 'm.html'].map((f) => join(scratch.path(), f));
    expect(await reportCommand.run(['merge', a, b, '--json', json, '--junit', junit, '--html', html])).toBe(1);
    const text = printed.out();
    expect(text).toContain('PASS a [embedded, a.yaml]');
    expect(text).toContain('FAIL b [embedded, b.yaml]');
    expect(text).toContain('merged: lvslab run a.yaml + lvslab run b.yaml: FAILED — 1/2 scenarios, 1/2 checks passed');
    const merged = JSON.parse(await readFile(json, 'utf8')) as RunReport;
    expect(merged.scenarios.map((s) => s.name)).toEqual(['a', 'b']);
    expect(await readFile(junit, 'utf8')).toContain('<testsuites name="merged: lvslab run a.yaml + lvslab run b.yaml" tests="2" failures="1"');
    expect(await readFile(html, 'utf8')).toMatch(/^<!doctype html>/);
    // The merged JSON is a run report again: merging it alone re-renders it.
    printed.stdout.length = 0;
    expect(await reportCommand.run(['merge', json])).toBe(1);
    expect(printed.out()).toContain('FAIL b [embedded, b.yaml]');
  });

  it('passes with exit 0 when every shard passed', async () => {
    const a = await write('a.json', runReport('lvslab run a.yaml', [scenario('a', true)]));
    const b = await write('b.json', runReport('lvslab run b.yaml', [scenario('b', true)]));
    expect(await reportCommand.run(['merge', a, b, '--title', 'nightly'])).toBe(0);
    expect(printed.out()).toContain('nightly: PASSED — 2/2 scenarios, 2/2 checks passed');
  });

  it('says INCOMPLETE (exit 3), not PASSED, when a scenario was skipped; --allow-skips: NOTHING RAN, exit 0', async () => {
    const skipped: ScenarioReport = { name: 'k', backend: 'kernel', lab: {}, durationMs: 0, steps: [], skipped: 'kernel IPVS unavailable' };
    const k = await write('k.json', runReport('lvslab run k.yaml', [skipped]));
    expect(await reportCommand.run(['merge', k])).toBe(3);
    expect(printed.out()).toContain('merged: lvslab run k.yaml: INCOMPLETE — 0/0 scenarios, 0/0 checks passed, 1 skipped');
    expect(printed.out()).toContain('  k [kernel]: kernel IPVS unavailable');
    expect(printed.out()).not.toContain('PASSED');
    printed.stdout.length = 0;
    expect(await reportCommand.run(['merge', k, '--allow-skips'])).toBe(0);
    expect(printed.out()).toContain('merged: lvslab run k.yaml: NOTHING RAN — 0/0 scenarios, 0/0 checks passed, 1 skipped (allowed)');
  });

  it('names every bad input at once and writes nothing (exit 2)', async () => {
    const good = await write('good.json', runReport('lvslab run a.yaml', [scenario('a', true)]));
    const other = await write('other.json', { ...runReport('lvslab run b.yaml', [scenario('b', true)]), format: 'lvslab-run/2' });
    const text = await write('notes.txt', 'not json');
    const json = join(scratch.path(), 'm.json');
    expect(await reportCommand.run(['merge', good, join(scratch.path(), 'missing.json'), other, text, '--json', json])).toBe(2);
    const err = printed.err();
    expect(err).toContain(`lvslab report merge: ${join(scratch.path(), 'missing.json')}: cannot read (ENOENT)`);
    expect(err).toContain(`lvslab report merge: ${other}: an lvslab-run/2 report; this lvslab reads ${REPORT_FORMAT}`);
    expect(err).toContain(`lvslab report merge: ${text}: not JSON (`);
    expect(err).not.toContain('good.json');
    expect(printed.out()).toBe('');
    await expect(readFile(json)).rejects.toThrow(/ENOENT/);
  });

  it('refuses the same scenario in two reports with different results, naming both files', async () => {
    const a = await write('a.json', runReport('lvslab run a.yaml', [scenario('a', true)]));
    const again = await write('again.json', runReport('lvslab run a.yaml', [scenario('a', false)]));
    expect(await reportCommand.run(['merge', a, again])).toBe(2);
    expect(printed.err()).toContain(`scenario 'a' [embedded] (a.yaml) is in both ${a} and ${again}, with different results`);
    printed.stderr.length = 0;
    expect(await reportCommand.run(['merge', a, a])).toBe(0);
    expect(printed.err()).toContain(`scenario 'a' [embedded] (a.yaml) is in ${a} and ${a}, identical: counted once`);
  });
});
