// The embedded core, driven by the simulate runner, against recordings of the real kernel IPVS
// (test/recordings/ipvs/README.md): every trace in test/recordings/ipvs/traces with a recorded .out
// is replayed and compared item by item. What is live in a kernel recording is compared loosely, as
// the README says: -Lnc rows as a set with expiry within a few seconds, --rate by layout only,
// --stats without the byte columns (the replay's payloads are not in the trace).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lab } from '../../../test/ipvs/testkit.js';
import { runTraceItems } from './run.js';

const DIR = fileURLToPath(new URL('../../../test/recordings/ipvs', import.meta.url));
const traces = fs.existsSync(path.join(DIR, 'traces'))
  ? fs.readdirSync(path.join(DIR, 'traces')).filter((f) => f.endsWith('.trace') && fs.existsSync(path.join(DIR, 'traces', f.replace(/\.trace$/, '.out'))))
  : [];

function expirySeconds(mmss: string): number {
  const [m, s] = mmss.split(':').map(Number);
  return m * 60 + s;
}

/** Compare one item's output with the golden lines, by what kind of listing it is. */
function compare(args: string, mine: string[], gold: string[], where: string): void {
  const words = args.split(/\s+/);
  const has = (...opts: string[]) => opts.some((o) => words.includes(o) || words.some((w) => /^-[a-zA-Z]+$/.test(w) && o.length === 2 && w.includes(o[1])));
  if (has('-c', '--connection')) {
    // header lines exactly, rows as a set with the expiry column within 3 s
    expect(mine.slice(0, 2), where).toEqual(gold.slice(0, 2));
    const key = (l: string) => l.slice(0, 4) + l.slice(11);
    const g = new Map(gold.slice(2).map((l) => [key(l), l]));
    for (const l of mine.slice(2)) {
      const other = g.get(key(l));
      expect(other, `${where}: kernel has no row like '${l}'`).toBeDefined();
      expect(Math.abs(expirySeconds(l.slice(4, 9)) - expirySeconds(other!.slice(4, 9))), `${where}: expiry of '${l}'`).toBeLessThanOrEqual(3);
    }
    expect(mine.length, where).toBe(gold.length);
    return;
  }
  if (has('--rate')) {
    // The estimates depend on how the recording's packets fell into the kernel's 2 s estimator
    // periods (a rate near the rounding edge prints 0 or 1), so compare the layout only; the
    // estimator's arithmetic has its own unit tests in src/lb/ipvs/est.test.ts.
    const shape = (l: string) => l.replace(/\d+[KMGT]?/g, 'N').replace(/ +/g, ' ');
    expect(mine.map(shape), where).toEqual(gold.map(shape));
    return;
  }
  if (has('--nosort')) {
    // services come in the kernel's hash-table order, which mixes in the netns address: compare
    // the service blocks (each with its dests in list order) as a set
    const blocks = (ls: string[]) => {
      const out: string[] = [];
      for (const l of ls.slice(3)) {
        if (l.startsWith('  -> ')) out[out.length - 1] += `\n${l}`;
        else out.push(l);
      }
      return out.sort();
    };
    expect(mine.slice(0, 3), where).toEqual(gold.slice(0, 3));
    expect(blocks(mine), where).toEqual(blocks(gold));
    return;
  }
  if (has('--stats')) {
    // The byte columns carry the replay's payloads. TCP packet counts depend on the live
    // segmentation (delayed ACKs differ between recordings), so TCP service blocks compare Conns
    // only; UDP blocks (one datagram, one reply per conn) compare Conns, InPkts and OutPkts.
    let proto = '';
    const cut = (l: string) => {
      if (/^(TCP|UDP|FWM)/.test(l)) proto = l.slice(0, 3);
      if (!l.startsWith('  -> ') && !/^(TCP|UDP|FWM)/.test(l)) return l;
      return l.slice(0, proto === 'UDP' ? 33 + 27 : 33 + 9);
    };
    const cutAll = (ls: string[]) => ((proto = ''), ls.map(cut));
    expect(cutAll(mine), where).toEqual(cutAll(gold));
    return;
  }
  expect(mine, where).toEqual(gold);
}

describe('kernel recordings: traces', () => {
  it.skipIf(traces.length === 0)('at least one golden trace is present', () => expect(traces.length).toBeGreaterThan(0));
  for (const file of traces) {
    it(file, () => {
      const gold = fs.readFileSync(path.join(DIR, 'traces', file.replace(/\.trace$/, '.out')), 'utf8').split('\n');
      // A recorded `conn udp` was a datagram *and its reply* (the reply names the real server, see
      // test/recordings/ipvs/README.md). Recordings spell the reply out as the next line; where an older one
      // does not, it is added here so the core sees it too.
      const answered = new Set(gold.filter((l) => / -> \d/.test(l)).map((l) => l.split(' -> ')[0]));
      const lines = fs.readFileSync(path.join(DIR, 'traces', file), 'utf8').split('\n');
      const text = lines
        .map((l, i) => {
          const m = /^conn udp (\S+) (\S+)/.exec(l);
          if (!m || !answered.has(m[1]) || lines[i + 1]?.startsWith(`packet udp ${m[1]} ${m[2]} out`)) return l;
          return `${l}\npacket udp ${m[1]} ${m[2]} out`;
        })
        .join('\n');
      let at = 0;
      for (const item of runTraceItems(text)) {
        if (item.output === '') continue;
        const mine = item.output.replace(/\n$/, '').split('\n');
        const slice = gold.slice(at, at + mine.length);
        compare(item.text, mine, slice, `${file}:${item.line} (${item.text})`);
        at += mine.length;
      }
      expect(gold.slice(at).join('\n').trim(), `${file}: the kernel printed more`).toBe('');
    });
  }
});

describe('kernel recordings: ipvsadm errors', () => {
  const file = path.join(DIR, 'ipvsadm-errors.json');
  it.skipIf(!fs.existsSync(file))('every bad command gives the kernel-recorded stdout, stderr and status', () => {
    const g = JSON.parse(fs.readFileSync(file, 'utf8')) as { setup: string[]; results: { args: string; stdout: string; stderr: string; status: number }[] };
    const l = lab();
    l.run(...g.setup);
    for (const r of g.results) {
      const got = l.ipvsadm(r.args.split(/\s+/));
      expect({ args: r.args, ...got }).toEqual(r);
    }
  });
});
