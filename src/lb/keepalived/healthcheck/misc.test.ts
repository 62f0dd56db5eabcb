import { describe, expect, it } from 'vitest';
import { miscVerdict } from './misc.js';
import { digestMatches, md5Hex } from './digest.js';
import { parseDigest } from './plan.js';

describe('MISC_CHECK exit codes', () => {
  it('without misc_dynamic: 0 up, anything else down', () => {
    expect([0, 1, 2, 255].map((c) => miscVerdict(c, false))).toEqual([{ ok: true }, { ok: false }, { ok: false }, { ok: false }]);
  });
  it('misc_dynamic: 0 up unchanged, 1 down, 2-255 up with weight code - 2', () => {
    expect([0, 1, 2, 3, 255].map((c) => miscVerdict(c, true))).toEqual([{ ok: true }, { ok: false }, { ok: true, weight: 0 }, { ok: true, weight: 1 }, { ok: true, weight: 253 }]);
  });
  it('an impossible code is named', () => {
    expect(() => miscVerdict(256, true)).toThrow(/exit code 256/);
  });
});

describe('HTTP_GET digest', () => {
  it('is the MD5 of the body, compared case-insensitively; no digest accepts any body', () => {
    const body = Buffer.from('RS1\n');
    const sum = md5Hex(body);
    expect(sum).toMatch(/^[0-9a-f]{32}$/);
    expect(digestMatches(body, sum.toUpperCase())).toBe(true);
    expect(digestMatches(Buffer.from('RS2\n'), sum)).toBe(false);
    expect(digestMatches(body, undefined)).toBe(true);
  });
  it('a digest that is not 32 hex digits is named', () => {
    expect(parseDigest('ABCDEF0123456789abcdef0123456789')).toBe('abcdef0123456789abcdef0123456789');
    expect(() => parseDigest('abc')).toThrow(/digest 'abc'/);
  });
});
