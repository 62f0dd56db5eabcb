// The embedded core, driven by the simulate runner, against recordings of the real kernel IPVS
// (test/recordings/ipvs/README.md): every trace in test/recordings/ipvs/traces with a recorded .out
// is replayed and compared item by item, with the rules of the live differential
// (src/lb/kernel/diff.ts): exact, except what is live in a kernel recording — -Lnc rows as a set with
// expiry within the time the recording spent beyond its advances (X.times.json), --nosort service
// blocks as a set, --rate by layout and zero/non-zero, --stats TCP rows by Conns.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lab } from '../../../test/ipvs/testkit.js';
import { compareTraceItems, type ItemOutput } from '../kernel/diff.js';
import { runTraceItems } from './run.js';

const DIR = fileURLToPath(new URL('../../../test/recordings/ipvs', import.meta.url));
const traces = fs.existsSync(path.join(DIR, 'traces'))
  ? fs.readdirSync(path.join(DIR, 'traces')).filter((f) => f.endsWith('.trace') && fs.existsSync(path.join(DIR, 'traces', f.replace(/\.trace$/, '.out'))))
  : [];

describe('kernel recordings: traces', () => {
  it('at least one recorded trace is present', () => expect(traces.length).toBeGreaterThan(0));
  for (const file of traces) {
    it(file, () => {
      const base = path.join(DIR, 'traces', file.replace(/\.trace$/, ''));
      const gold = fs.readFileSync(`${base}.out`, 'utf8').split('\n');
      const times = fs.existsSync(`${base}.times.json`) ? (JSON.parse(fs.readFileSync(`${base}.times.json`, 'utf8')) as { elapsedS: number; at: Record<string, number> }) : undefined;
      const text = fs.readFileSync(`${base}.trace`, 'utf8');
      // the recording is one stream of lines: cut it into items by what the core prints per item
      const embedded: ItemOutput[] = [];
      const kernel: ItemOutput[] = [];
      let at = 0;
      for (const item of runTraceItems(text)) {
        if (item.output === '') continue;
        const n = item.output.replace(/\n$/, '').split('\n').length;
        embedded.push({ line: item.line, output: item.output });
        kernel.push({ line: item.line, output: `${gold.slice(at, at + n).join('\n')}\n`, atS: times?.at[item.line] });
        at += n;
      }
      expect(compareTraceItems(text, kernel, embedded, times?.elapsedS ?? 3), `${file}: kernel (-) vs embedded (+)`).toBe('');
      expect(gold.slice(at).join('\n').trim(), `${file}: the kernel printed more`).toBe('');
    });
  }
});

describe('kernel recordings: ipvsadm errors', () => {
  const file = path.join(DIR, 'ipvsadm-errors.json');
  it('every bad command gives the kernel-recorded stdout, stderr and status', () => {
    const g = JSON.parse(fs.readFileSync(file, 'utf8')) as { setup: string[]; results: { args: string; stdout: string; stderr: string; status: number }[] };
    const l = lab();
    l.run(...g.setup);
    for (const r of g.results) {
      const got = l.ipvsadm(r.args.split(/\s+/));
      expect({ args: r.args, ...got }).toEqual(r);
    }
  });
});
