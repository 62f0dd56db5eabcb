import { describe, expect, it } from 'vitest';
import { compareTraceItems, diffLines } from './diff.js';

describe('diffLines', () => {
  it('is empty for equal outputs', () => {
    expect(diffLines('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('shows the differing connection line with its context and position', () => {
    const kernel = ['c1 -> 10.0.0.11:80', 'c2 -> 10.0.0.12:80', 'c3 -> 10.0.0.13:80', 'c4 -> 10.0.0.11:80'].join('\n');
    const embedded = ['c1 -> 10.0.0.11:80', 'c2 -> 10.0.0.13:80', 'c3 -> 10.0.0.13:80', 'c4 -> 10.0.0.11:80'].join('\n');
    const d = diffLines(kernel, embedded);
    expect(d).toContain('--- kernel');
    expect(d).toContain('-c2 -> 10.0.0.12:80');
    expect(d).toContain('+c2 -> 10.0.0.13:80');
    expect(d).toContain('@@ kernel line 1 @@');
  });

  it('reports lines only one side has', () => {
    const d = diffLines('x\ny', 'x\ny\nz', ['a', 'b']);
    expect(d.split('\n')).toContain('+z');
    expect(d.split('\n')).not.toContain('-x');
  });
});

describe('compareTraceItems', () => {
  const trace = ['-A -t 1.1.1.1:80 -s rr', 'conn tcp 2.2.2.2:1 1.1.1.1:80', '-Lnc'].join('\n');
  const header = 'IPVS connection entries\npro expire state       source             virtual            destination\n';
  const row = (expire: string, port: number) => `TCP ${expire}  ESTABLISHED 2.2.2.2:${port}          1.1.1.1:80         3.3.3.3:80\n`;

  it('takes -Lnc rows in any order, kernel expiry behind the manual clock by at most the replay time', () => {
    const kernel = [{ line: 2, output: 'x' }, { line: 3, output: header + row('14:55', 2) + row('14:57', 1) }];
    const embedded = [{ line: 2, output: 'x' }, { line: 3, output: header + row('15:00', 1) + row('15:00', 2) }];
    expect(compareTraceItems(trace, kernel, embedded, 6)).toBe('');
    expect(compareTraceItems(trace, kernel, embedded, 2)).toContain('line 3: -Lnc');
  });

  it('a -Lnc diff shows only the rows that differ: sorted, expiry within the lag shown as the embedded one', () => {
    const kernel = [{ line: 3, output: header + row('14:55', 2) + row('14:57', 1).replace('3.3.3.3:80', '3.3.3.9:80') }];
    const embedded = [{ line: 3, output: header + row('15:00', 1) + row('15:00', 2) }];
    const d = compareTraceItems(trace, kernel, embedded, 6);
    expect(d.split('\n').filter((l) => /^[-+]TCP/.test(l))).toEqual([`-${row('14:57', 1).replace('3.3.3.3:80', '3.3.3.9:80').trimEnd()}`, `+${row('15:00', 1).trimEnd()}`]);
    expect(d).toContain(` ${row('15:00', 2).trimEnd()}`);
  });

  it('reports a connection that reached another real server, with the item and a diff', () => {
    const d = compareTraceItems(trace, [{ line: 2, output: '2.2.2.2:1 -> 3.3.3.3:80\n' }], [{ line: 2, output: '2.2.2.2:1 -> 3.3.3.4:80\n' }]);
    expect(d).toContain('line 2: conn tcp 2.2.2.2:1 1.1.1.1:80');
    expect(d).toContain('-2.2.2.2:1 -> 3.3.3.3:80');
    expect(d).toContain('+2.2.2.2:1 -> 3.3.3.4:80');
  });

  it('compares --rate by layout and zero / non-zero only', () => {
    const t = '-Ln --rate';
    expect(compareTraceItems(t, [{ line: 1, output: 'TCP 5 0\n' }], [{ line: 1, output: 'TCP 7 0\n' }])).toBe('');
    expect(compareTraceItems(t, [{ line: 1, output: 'TCP 5 0\n' }], [{ line: 1, output: 'TCP 0 0\n' }])).not.toBe('');
  });
});

describe('compareTraceItems --nosort', () => {
  it('takes service blocks in any order but not a dest moved to another service', () => {
    const head = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
    const a = 'TCP  1.1.1.1:80 rr\n  -> 3.3.3.3:80 Masq\n';
    const b = 'UDP  1.1.1.1:53 rr\n  -> 3.3.3.4:53 Masq\n';
    expect(compareTraceItems('-Ln --nosort', [{ line: 1, output: head + a + b }], [{ line: 1, output: head + b + a }])).toBe('');
    const moved = 'TCP  1.1.1.1:80 rr\nUDP  1.1.1.1:53 rr\n  -> 3.3.3.3:80 Masq\n  -> 3.3.3.4:53 Masq\n';
    expect(compareTraceItems('-Ln --nosort', [{ line: 1, output: head + a + b }], [{ line: 1, output: head + moved }])).not.toBe('');
  });
});
