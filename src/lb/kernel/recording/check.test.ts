import { describe, expect, it } from 'vitest';
import { kernelProfile, PINNED_KERNEL } from '../../ipvs/kernel.js';
import { runTraceItems } from '../../simulate/run.js';
import { checkAgainstRecording } from './check.js';
import { formatGolden, GoldenError, traceSha256, type Golden } from './golden.js';

const TRACE = `# wrr, weights 3 and 1
-A -t 192.168.1.112:80 -s wrr
-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 3
-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1
${[0, 1, 2, 3].map((i) => `conn tcp 192.168.1.20:4000${i} 192.168.1.112:80\npacket tcp 192.168.1.20:4000${i} 192.168.1.112:80 out SA\npacket tcp 192.168.1.20:4000${i} 192.168.1.112:80 in A`).join('\n')}
-Ln
-D -t 192.168.1.112:81
`;

/** A recording as the kernel would have made it if it printed what the embedded IPVS prints. */
function recordingOf(trace: string, edit: (g: Golden) => void = () => undefined): string {
  const items = [...runTraceItems(trace)].filter((r) => r.output !== '' || r.status !== 0).map((r, i) => ({ line: r.line, text: r.text, output: r.output, status: r.status, atS: 1 + i / 10 }));
  const g: Golden = {
    trace: { name: 'wrr.trace', sha256: traceSha256(trace) },
    provenance: {
      kernel: { release: PINNED_KERNEL.release, package: `linux-image-${PINNED_KERNEL.release}`, version: '6.1.192-3', pinned: true },
      ipvsadm: { version: 'ipvsadm v1.31', package: 'ipvsadm 1:1.31-1+b1' },
      recorded: '2026-12-06T07:40:00.000Z',
      how: 'unit test',
    },
    elapsedS: 3,
    items,
  };
  edit(g);
  return formatGolden(g);
}

describe('a trace against its kernel recording', () => {
  it('agrees when the embedded IPVS prints what the kernel printed', () => {
    const r = checkAgainstRecording(TRACE, recordingOf(TRACE), { traceName: 'wrr.trace', goldenName: 'wrr.trace.golden' });
    expect(r.ok).toBe(true);
    expect(r.items).toBe(6);
    expect(r.notes).toEqual([]);
    expect(r.report).toMatch(/^wrr\.trace: the embedded IPVS agrees with the kernel recording wrr\.trace\.golden \(6 items\)\nrecording: linux-image-6\.1\.0-57-amd64 6\.1\.192-3 \(release 6\.1\.0-57-amd64, the pinned kernel\)/);
  });

  it('a changed weight fails with a diff naming each differing line, kernel (-) and embedded (+)', () => {
    const changed = TRACE.replace('10.0.0.102:80 -m -w 1', '10.0.0.102:80 -m -w 3');
    const r = checkAgainstRecording(changed, recordingOf(TRACE), { traceName: 'wrr.trace', goldenName: 'wrr.trace.golden' });
    expect(r.ok).toBe(false);
    expect(r.notes[0]).toMatch(/wrr\.trace changed since it was recorded/);
    expect(r.report).toContain('wrr.trace: the embedded IPVS disagrees with the kernel recording wrr.trace.golden on');
    // with 3:3 the third connection goes to the other server, and -Ln shows the new weight
    expect(r.report).toContain('on 2 items (kernel lines -, embedded +)');
    expect(r.report).toContain('line 11: conn tcp 192.168.1.20:40002 192.168.1.112:80\n--- kernel\n+++ embedded\n@@ kernel line 1 @@\n-192.168.1.20:40002 -> 10.0.0.101:80\n+192.168.1.20:40002 -> 10.0.0.102:80');
    expect(r.report).toMatch(/line 17: -Ln\n[^]*\n- {2}-> 10\.0\.0\.102:80 {16}Masq {4}1 [^]*\n\+ {2}-> 10\.0\.0\.102:80 {16}Masq {4}3 /);
  });

  it('a different ipvsadm exit status fails, naming both', () => {
    const r = checkAgainstRecording(TRACE, recordingOf(TRACE, (g) => (g.items[g.items.length - 1].status = 2)));
    expect(r.ok).toBe(false);
    expect(r.report).toContain('line 18: -D -t 192.168.1.112:81\nipvsadm exit status: kernel 2, embedded 255');
  });

  it('-Lnc expiry is compared within the time the recording took', () => {
    const t = `${TRACE}-Lnc\n`;
    const agree = recordingOf(t, (g) => {
      const last = g.items[g.items.length - 1];
      last.output = last.output.replace(/ 15:00 /g, ' 14:50 ');
      last.atS = 12;
    });
    expect(checkAgainstRecording(t, agree).ok).toBe(true);
    const late = recordingOf(t, (g) => {
      const last = g.items[g.items.length - 1];
      last.output = last.output.replace(/ 15:00 /g, ' 13:00 ');
      last.atS = 12;
    });
    expect(checkAgainstRecording(t, late).ok).toBe(false);
  });

  it('a recording of another trace is an error naming the recording line and the trace line', () => {
    const other = TRACE.replace('conn tcp 192.168.1.20:40001', 'conn tcp 192.168.1.30:40001').replace(/192\.168\.1\.20:40001 192/g, '192.168.1.30:40001 192');
    expect(() => checkAgainstRecording(other, recordingOf(TRACE), { traceName: 'b.trace', goldenName: 'a.golden' })).toThrow(GoldenError);
    expect(() => checkAgainstRecording(other, recordingOf(TRACE), { traceName: 'b.trace', goldenName: 'a.golden' })).toThrow(
      /^a\.golden:15: recorded from line 8 of 'wrr\.trace' \('conn tcp 192\.168\.1\.20:40001 192\.168\.1\.112:80'\), but line 8 of b\.trace is 'conn tcp 192\.168\.1\.30:40001 192\.168\.1\.112:80': a recording of another trace\?/,
    );
    expect(() => checkAgainstRecording('-Ln\n', recordingOf(TRACE), { traceName: 'b.trace', goldenName: 'a.golden' })).toThrow(/line 5 of b\.trace is blank or a comment/);
  });

  it('a bad trace line is a TraceError naming the trace and the line', () => {
    expect(() => checkAgainstRecording(`${TRACE}frob\n`, recordingOf(TRACE), { traceName: 'wrr.trace' })).toThrow(/^wrr\.trace:19: unknown item 'frob'/);
  });

  it('notes a recording from another kernel than the one modelled', () => {
    const g = recordingOf(TRACE, (x) => {
      x.provenance.kernel = { release: '6.12.0-1-amd64', package: 'linux-image-6.12.0-1-amd64', version: '6.12.5-1', pinned: false };
    });
    expect(checkAgainstRecording(TRACE, g).notes).toEqual(['recorded on linux-image-6.12.0-1-amd64 6.12.5-1, not the pinned kernel the embedded IPVS models by default (--kernel VERSION models another, e.g. 6.12)']);
    expect(checkAgainstRecording(TRACE, recordingOf(TRACE), { kernel: kernelProfile('6.7') }).notes).toEqual([
      'the embedded IPVS models mainline Linux 6.7 with every IPVS scheduler module of its tree; the recording comes from the pinned kernel 6.1.0-57-amd64',
    ]);
  });
});
