// Listings recorded from the real ipvsadm after real TCP, UDP, persistent and fwmark traffic through
// the pinned kernel's IPVS (test/recordings/ipvsadm/traffic/traffic.json, made by
// test/ipvsadm/record-traffic.ts running its lab.sh in the kernel VM), replayed packet by packet on
// the embedded IPVS (test/ipvsadm/traffic-replay.ts) and listed by lvslab's ipvsadm at the moment
// each real listing started. -Ln, --stats, --persistent-conn and --thresholds must come out byte for
// byte; -Lnc rows byte for byte as a set (the kernel prints them in hash order), their expiry within
// the listing's own duration (the real ipvsadm took seconds in the emulated VM, so a row that expired
// meanwhile may be missing) and a second's rounding; --rate within the values the unknown phase of
// the kernel's estimator timer allows.
import { describe, expect, it } from 'vitest';
import { PHASES_MS, loadTrafficRecording, replayTraffic } from '../../../test/ipvsadm/traffic-replay.js';

const rec = loadTrafficRecording();
const { kernel, ipvsadm } = rec.provenance;
const runs = PHASES_MS.map((phase) => replayTraffic(rec, phase));

type Kind = 'exact' | 'conns' | 'rate';
const kindOf = (args: string): Kind => (/(^| )-[a-zA-Z]*c/.test(args) ? 'conns' : /--rate/.test(args) ? 'rate' : 'exact');
const NOTE: Record<Kind, string> = {
  exact: 'byte for byte',
  conns: 'rows as a set (hash order), expiry within bounds',
  rate: 'layout byte for byte, rates within the estimator phase bounds',
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
        const slack = Math.ceil((l.end - l.start) / 1000) + 1;
        for (const out of outs) {
          expect(out.split('\n').slice(0, 2)).toEqual(l.stdout.split('\n').slice(0, 2));
          const have = connRows(out);
          // the kernel read its table some time during the listing: it may miss a row that expired meanwhile
          const expiring = [...have].filter(([key, row]) => !want.has(key) && row.expires <= slack).map(([key]) => key);
          expect([...want.keys(), ...expiring].sort()).toEqual([...have.keys()].sort());
          for (const [key, row] of want) {
            const mine = have.get(key)!;
            // the core's row with the kernel's expiry is the kernel's row
            expect(mine.line.replace(/^(\S+ +)\S+/, `$1${row.line.split(/ +/)[1]}`)).toBe(row.line);
            expect(row.expires, `expiry of ${key}`).toBeGreaterThanOrEqual(mine.expires - slack);
            expect(row.expires, `expiry of ${key}`).toBeLessThanOrEqual(mine.expires + 1);
          }
        }
        return;
      }
      // --rate: every word but the numbers as printed; each number within what the phases give (the
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
