import { describe, expect, it } from 'vitest';
import { diffLines } from './diff.js';

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
