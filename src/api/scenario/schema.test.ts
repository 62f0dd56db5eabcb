import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError } from './load.js';

function problems(text: string): string[] {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}

const BASE = 'name: x\nlab: article-single\n';

describe('scenario files', () => {
  it('the shipped article scenarios are valid', async () => {
    const dir = join(import.meta.dirname, '../../../scenarios/article');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['tcp.yaml', 'udp.yaml']));
    for (const f of files) {
      const { scenario } = await loadScenario(join(dir, f));
      expect(scenario.steps.length).toBeGreaterThan(3);
    }
  });

  it('the keepalived-crash example is valid and names keepalived alone in its faults', async () => {
    const { scenario } = await loadScenario(join(import.meta.dirname, '../../../docs/examples/keepalived-crash.yaml'));
    expect(scenario.steps.flatMap((s) => [...(s.probeContinuously?.during ?? []).map((d) => d.fault), ...(s.fault ? [s.fault] : [])])).toEqual([{ killKeepalived: 'ds1' }, { startKeepalived: 'ds1' }]);
  });

  it('fills defaults: embedded backend, one probe', () => {
    const { scenario } = parseScenario(`${BASE}steps:\n  - http: { target: 192.168.1.112 }\n`, 'x.yaml');
    expect(scenario.backend).toBe('embedded');
    expect(scenario.steps[0].http?.count).toBe(1);
    expect(scenario.directors).toEqual({});
  });

  it('names the path of each problem, all at once', () => {
    const p = problems(
      `${BASE}backend: vm\nsteps:\n  - http: { target: 192.168.1.112, count: zero }\n  - ipvsadm: { on: DS1, args: -Ln }\n`,
    );
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^backend: /),
        expect.stringMatching(/^steps\[0\]\.http\.count: .*number/i),
        expect.stringMatching(/^steps\[1\]\.ipvsadm\.on: a host name/),
      ]),
    );
  });

  it('an http step takes sourcePorts: one port or a list, each a real port', () => {
    const { scenario } = parseScenario(`${BASE}steps:\n  - http: { target: 192.168.1.112, count: 2, sourcePorts: [41000, 41001] }\n  - http: { target: 192.168.1.112, sourcePorts: 41002 }\n`, 'x.yaml');
    expect(scenario.steps.map((s) => s.http?.sourcePorts)).toEqual([[41000, 41001], 41002]);
    expect(problems(`${BASE}steps:\n  - http: { target: a, sourcePorts: [80, 70000] }\n`)).toEqual([expect.stringMatching(/^steps\[0\]\.http\.sourcePorts/)]);
    expect(problems(`${BASE}steps:\n  - http: { target: a, sourcePorts: [] }\n`)).toEqual([expect.stringMatching(/^steps\[0\]\.http\.sourcePorts/)]);
  });

  it('names both crashes: the whole director ({ kill }) or keepalived alone ({ killKeepalived }, { startKeepalived })', () => {
    const { scenario } = parseScenario(`${BASE}steps:\n  - fault: { killKeepalived: ds1 }\n  - fault: { startKeepalived: ds1 }\n  - fault: { kill: ds1 }\n`, 'x.yaml');
    expect(scenario.steps.map((s) => s.fault)).toEqual([{ killKeepalived: 'ds1' }, { startKeepalived: 'ds1' }, { kill: 'ds1' }]);
    expect(problems(`${BASE}steps:\n  - fault: { kill: ds1, what: keepalived }\n`)).toEqual([expect.stringMatching(/^steps\[0\]\.fault: Unrecognized key: "what"/)]);
    expect(problems(`${BASE}steps:\n  - fault: { crash: ds1 }\n`)).toEqual([expect.stringMatching(/^steps\[0\]\.fault: expected one of .*\{ killKeepalived: HOST \}, \{ startKeepalived: HOST \}/)]);
  });

  it('wants exactly one action per step', () => {
    expect(problems(`${BASE}steps:\n  - name: nothing\n`)).toEqual([expect.stringMatching(/^steps\[0\]: a step needs one of http, udp/)]);
    expect(problems(`${BASE}steps:\n  - wait: 10\n    http: { target: a }\n`)).toEqual([expect.stringMatching(/this one has http and wait/)]);
  });

  it('refuses an expectation the step cannot give', () => {
    expect(problems(`${BASE}steps:\n  - ipvsadm: { on: ds1, args: -Ln }\n    expect: { sequence: [RS1] }\n`)).toEqual([
      expect.stringMatching(/^steps\[0\]\.expect\.sequence: 'sequence' cannot be expected of a ipvsadm step/),
    ]);
  });

  it('refuses unknown keys and bad YAML with their place', () => {
    expect(problems(`${BASE}steps:\n  - http: { target: a, cuont: 3 }\n`)).toEqual([expect.stringMatching(/^steps\[0\]\.http: .*cuont/)]);
    expect(problems(`${BASE}steps: [\n`)[0]).toMatch(/^line \d+: /);
    expect(problems(`name: x\nsteps:\n  - wait: 1\n`)).toEqual([expect.stringMatching(/^lab: /)]);
  });

  it('names the line of each problem', () => {
    expect(problems(`${BASE}steps:\n  - wait: 1\n  - http: { target: a, count: 0 }\n`)).toEqual([expect.stringMatching(/^steps\[1\]\.http\.count: .* \(line 5\)$/)]);
  });

  it('refuses an unknown preset as such, listing the presets, before anything is built', () => {
    expect(problems('name: x\nlab: artcle\nsteps: [{ wait: 1 }]\n')).toEqual([
      "lab: 'artcle' is neither a preset (article, article-single, dr, article-scale, article6, article6-single, article-dual) nor a description file — did you mean 'article' or 'article6'? (line 2)",
    ]);
  });

  it('validates an inline lab with the scenario, each problem with its path and line', () => {
    const text = 'name: x\nlab:\n  segments: { lan: { subnet: 10.0.0.0/24 } }\n  hosts:\n    rs1:\n      role: real\n      interfaces: [{ name: eth0, segment: lan3 }]\nsteps: [{ wait: 1 }]\n';
    expect(problems(text)).toEqual(["lab.hosts.rs1.interfaces[0].segment: unknown segment 'lan3' (known: lan) (line 7)"]);
  });

  it('refuses a YAML alias bomb with its line, never a raw exception', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(problems(`${lines.join('\n')}\n${BASE}steps: *a9\n`)).toEqual([expect.stringMatching(/^line 13: aliases expand too far/)]);
  });

  it('loads the lab file a scenario names, reporting its problems with both files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-scenario-'));
    try {
      await writeFile(join(dir, 'lab.yaml'), 'segments:\n  lan: { subnet: 10.0.0.0/33 }\nhosts:\n  rs1: { role: real, interfaces: [{ name: eth0, segment: lan, addresses: [10.0.0.1] }] }\n');
      await writeFile(join(dir, 's.yaml'), 'name: x\nlab: lab.yaml\nsteps: [{ wait: 1 }]\n');
      const err = await loadScenario(join(dir, 's.yaml')).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).message).toBe(`${join(dir, 's.yaml')}: invalid scenario:\n  lab: ${join(dir, 'lab.yaml')}: segments.lan.subnet: '10.0.0.0/33' has an invalid prefix length '/33' (line 2)`);
      await writeFile(join(dir, 's.yaml'), 'name: x\nlab: nosuch.yaml\nsteps: [{ wait: 1 }]\n');
      await expect(loadScenario(join(dir, 's.yaml'))).rejects.toThrow(`lab: ${join(dir, 'nosuch.yaml')}: cannot read (ENOENT)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
