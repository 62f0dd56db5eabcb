import { describe, expect, it } from 'vitest';
import { formatGolden, GOLDEN_MAGIC, GoldenError, parseGolden, traceSha256, type Golden } from './golden.js';

const golden: Golden = {
  trace: { name: 'wrr.trace', sha256: traceSha256('x\n') },
  provenance: {
    kernel: { release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', pinned: true },
    ipvsadm: { version: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)', package: 'ipvsadm 1:1.31-1+b1' },
    recorded: '2026-12-06T07:40:00.000Z',
    how: 'lvslab record --kernel vm: the trace replayed in the kernel VM',
  },
  elapsedS: 14.21,
  items: [
    { line: 4, text: 'conn tcp 192.168.1.20:40000 192.168.1.112:80', output: '192.168.1.20:40000 -> 10.0.0.101:80\n', status: 0, atS: 3.5 },
    { line: 6, text: '-D -t 192.168.1.112:81', output: 'No such service\n', status: 255, atS: 4 },
    { line: 7, text: '-Ln', output: 'IP Virtual Server version 1.2.1 (size=4096)\n\n  -> x\n', status: 0, atS: 4.25 },
    { line: 8, text: '-Z -t 192.168.1.112:82', output: '', status: 255, atS: 4.5 },
    { line: 9, text: '-h', output: 'no newline at its end', status: 0, atS: 5 },
  ],
};

describe('kernel recording file', () => {
  it('reads back what it wrote: provenance, items, byte-exact outputs', () => {
    const text = formatGolden(golden);
    expect(text.split('\n').slice(0, 3)).toEqual([GOLDEN_MAGIC, '# trace: wrr.trace', `# trace-sha256: ${golden.trace.sha256}`]);
    expect(text).toContain('@ line 6 at 4.000 s, exit 255: -D -t 192.168.1.112:81\nNo such service\n');
    expect(text).toContain('@ line 9 at 5.000 s, no final newline: -h\nno newline at its end\n');
    const back = parseGolden(text, 'wrr.trace.golden');
    expect(back.items.map(({ fileLine: _, ...i }) => i)).toEqual(golden.items);
    expect({ ...back, items: [] }).toEqual({ ...golden, items: [] });
    expect(back.items[0].fileLine).toBe(13);
  });

  const text = formatGolden(golden);
  const lines = text.split('\n');
  const fails = (t: string, re: RegExp) => {
    let err: unknown;
    try {
      parseGolden(t, 'g.golden');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GoldenError);
    expect((err as Error).message).toMatch(re);
  };

  it('a file without the provenance header is refused, naming the fix', () => {
    fails('192.168.1.20:40000 -> 10.0.0.101:80\n', /^g\.golden:1: no provenance header: .*lvslab record TRACE > g\.golden/);
    fails('', /^g\.golden:1: empty/);
    fails('# lvslab kernel recording 2\n', /^g\.golden:1: kernel recording format 2; this lvslab reads format 1/);
  });

  it('a header that lacks a key, repeats one or has an unknown one names the line', () => {
    fails(lines.filter((l) => !l.startsWith('# kernel-version:')).join('\n'), /^g\.golden:11: provenance header lacks 'kernel-version'/);
    fails([lines[0], lines[1], lines[1], ...lines.slice(2)].join('\n'), /^g\.golden:3: header key 'trace' given twice/);
    fails([lines[0], '# colour: blue', ...lines.slice(1)].join('\n'), /^g\.golden:2: unknown header key 'colour'/);
    fails(text.replace('# kernel-pinned: yes', '# kernel-pinned: maybe'), /^g\.golden:7: kernel-pinned must be yes or no/);
    fails(text.replace(/# trace-sha256: \w+/, '# trace-sha256: abc'), /^g\.golden:3: trace-sha256 is not a SHA-256/);
  });

  it('bad item markers, output before the first marker and items out of order name the line', () => {
    fails(text.replace('@ line 4 at 3.500 s:', '@ line four:'), /^g\.golden:13: item marker is not '@ line N at SECONDS s/);
    fails(text.replace('@ line 4 at 3.500 s: conn', 'stray\n@ line 4 at 3.500 s: conn'), /^g\.golden:13: output before the first '@ line N' item marker: 'stray'/);
    fails(text.replace('@ line 6 at', '@ line 3 at'), /^g\.golden:15: trace line 3 comes after line 4/);
  });
});
