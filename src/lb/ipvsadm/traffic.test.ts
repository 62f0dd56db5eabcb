// Listings recorded from the real ipvsadm after real TCP, UDP, persistent and fwmark traffic through
// the pinned kernel's IPVS (test/recordings/ipvsadm/traffic/traffic.json, made by
// test/ipvsadm/record-traffic.ts running its lab.sh in the kernel VM), replayed packet by packet on
// the embedded IPVS (test/ipvsadm/traffic-replay.ts) and listed by lvslab's ipvsadm. The real
// ipvsadm read the kernel's tables at some moment between a listing's recorded start and end (it
// took seconds in the emulated VM), and the phase of the kernel's 2 s estimator timer against the
// captured times is not recorded; so the replay runs for every phase (0, 100, ..., 1900 ms) with the
// listings at their start and again at their end, and:
// - -Ln, --stats, --stats --exact, --persistent-conn, --thresholds must come out byte for byte in
//   every run;
// - -Lnc rows (printed in the kernel's hash order) byte for byte but their expiry, as a set: each
//   row alive at the end must be there, a row may be missing only if it expired in between, and
//   each expiry lies within what the start and end runs show (a second's rounding either way);
// - --rate: every word but the numbers as printed, each number within what the runs give.
import { describe, expect, it } from 'vitest';
import { PHASES_MS, loadTrafficRecording, replayTraffic } from '../../../test/ipvsadm/traffic-replay.js';

const rec = loadTrafficRecording();
const { kernel, ipvsadm } = rec.provenance;
const atStart = PHASES_MS.map((phase) => replayTraffic(rec, phase, 'start'));
const atEnd = PHASES_MS.map((phase) => replayTraffic(rec, phase, 'end'));
const runs = [...atStart, ...atEnd];

type Kind = 'exact' | 'conns' | 'rate';
const kindOf = (args: string): Kind => (/(^| )-[a-zA-Z]*c/.test(args) ? 'conns' : /--rate/.test(args) ? 'rate' : 'exact');
const NOTE: Record<Kind, string> = {
  exact: 'byte for byte',
  conns: 'rows as a set (hash order), expiry within bounds',
  rate: 'layout byte for byte, rates within the estimator phase and read time bounds',
};

/** mm:ss in seconds */
const seconds = (mmss: string): number => {
  const [m, s] = mmss.split(':').map(Number);
  return m * 60 + s;
};

/** -c rows by what identifies them (everything but the expiry), with their text and expiry. */
function connRows(text: string): Map<string, { line: string; expires: number }> {
  const rows = new Map<string, { line: string; expires: number }>();
  for (const line of text.split('\n').slice(2, -1)) {
    const f = line.split(/ +/);
    rows.set([f[0], ...f.slice(2)].join(' '), { line, expires: seconds(f[1]) });
  }
  return rows;
}

describe(`ipvsadm after real traffic through kernel ${kernel.release} (${kernel.package} ${kernel.version}, ${ipvsadm.package}), replayed on the embedded IPVS`, () => {
  it(`the ${rec.setup.length} setup lines print and exit as they did`, () => {
    for (const run of runs) {
      expect(run.setup.map((r) => [r.stdout, r.stderr, r.status])).toEqual(rec.setup.map((s) => ['', '', s.status]));
    }
  });

  rec.listings.forEach((l, i) => {
    const kind = kindOf(l.args);
    it(`ipvsadm ${l.args} (${NOTE[kind]})`, () => {
      const got = runs.map((r) => r.listings[i]);
      for (const g of got) expect({ args: g.args, stderr: g.result.stderr, status: g.result.status }).toEqual({ args: l.args, stderr: '', status: l.status });
      const outs = got.map((g) => g.result.stdout);
      if (kind === 'exact') {
        for (const out of outs) expect(out).toBe(l.stdout);
        return;
      }
      if (kind === 'conns') {
        const want = connRows(l.stdout);
        const starts = atStart.map((r) => connRows(r.listings[i].result.stdout));
        const ends = atEnd.map((r) => connRows(r.listings[i].result.stdout));
        for (const out of outs) expect(out.split('\n').slice(0, 2)).toEqual(l.stdout.split('\n').slice(0, 2));
        for (const end of ends) for (const key of end.keys()) expect(want.has(key), `${key} is alive at the listing's end`).toBe(true);
        for (const start of starts) expect([...want.keys()].filter((key) => !start.has(key))).toEqual([]);
        for (const [key, row] of want) {
          const mine = [...starts, ...ends].map((m) => m.get(key)).filter((m) => m !== undefined);
          for (const m of mine) {
            // the core's row with the kernel's expiry is the kernel's row
            expect(m.line.replace(/^(\S+ +)\S+/, `$1${row.line.split(/ +/)[1]}`)).toBe(row.line);
          }
          const expiries = mine.map((m) => m.expires);
          expect(row.expires, `expiry of ${key}`).toBeGreaterThanOrEqual(Math.min(...expiries) - 1);
          expect(row.expires, `expiry of ${key}`).toBeLessThanOrEqual(Math.max(...expiries) + 1);
        }
        return;
      }
      // --rate: every word but the numbers as printed; each number within what the runs give (the
      // blanks between follow from the numbers' widths, which the exact listings and snapshots pin)
      const words = (s: string): string[][] => s.split('\n').map((line) => line.split(/\s+/));
      const want = words(l.stdout);
      const each = outs.map(words);
      want.forEach((line, y) =>
        line.forEach((w, x) => {
          const across = each.map((o) => o[y]?.[x]);
          if (!/^\d+$/.test(w)) {
            for (const a of across) expect(a, `line ${y + 1}`).toBe(w);
            return;
          }
          const values = across.map(Number);
          expect(Number(w), `line ${y + 1}: ${line.join(' ')}`).toBeGreaterThanOrEqual(Math.min(...values));
          expect(Number(w), `line ${y + 1}: ${line.join(' ')}`).toBeLessThanOrEqual(Math.max(...values));
        }),
      );
    });
  });
});
