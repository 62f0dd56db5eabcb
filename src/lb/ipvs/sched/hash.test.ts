import { describe, expect, it } from 'vitest';
import { fls, gcd, hash32, hsiphash32 } from './hash.js';

// A textbook SipHash-c-d over BigInt, checked against the reference vector below, so the kernel's
// 64-bit hsiphash (= SipHash-1-3 of the 4-byte value) is verified by an independent implementation.
const M = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M;
function siphash(c: number, d: number, k0: bigint, k1: bigint, msg: Uint8Array): bigint {
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const full = msg.length - (msg.length % 8);
  const word = (off: number, n: number): bigint => {
    let w = 0n;
    for (let i = n - 1; i >= 0; i--) w = (w << 8n) | BigInt(msg[off + i]);
    return w;
  };
  for (let off = 0; off < full; off += 8) {
    const m = word(off, 8);
    v3 ^= m;
    for (let i = 0; i < c; i++) round();
    v0 ^= m;
  }
  const b = (BigInt(msg.length & 0xff) << 56n) | word(full, msg.length - full);
  v3 ^= b;
  for (let i = 0; i < c; i++) round();
  v0 ^= b;
  v2 ^= 0xffn;
  for (let i = 0; i < d; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

describe('hash helpers', () => {
  it('the BigInt SipHash-2-4 matches the reference vector (key 00..0f, empty message)', () => {
    const k0 = 0x0706050403020100n;
    const k1 = 0x0f0e0d0c0b0a0908n;
    expect(siphash(2, 4, k0, k1, new Uint8Array(0))).toBe(0x726fdb47dd0e0e31n);
    // vector 15: message 00..0e
    const msg = Uint8Array.from({ length: 15 }, (_, i) => i);
    expect(siphash(2, 4, k0, k1, msg)).toBe(0xa129ca6149be45e5n);
  });

  it('hsiphash32 equals SipHash-1-3 of the little-endian u32 with the kernel mh keys', () => {
    for (const key of [2654435761, 2654446892]) {
      for (const v of [0, 1, 80, 0x0a000065, 0xc0a80170 + 80, 0xffffffff, 0x80000000, 123456789]) {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, v >>> 0, true);
        const want = Number(siphash(1, 3, BigInt(key), BigInt(key), bytes) & 0xffffffffn);
        expect(hsiphash32(v, key, key)).toBe(want);
      }
    }
  });

  it('hash32 is (val * GOLDEN_RATIO_32 mod 2^32) >> (32 - bits)', () => {
    for (const v of [0, 1, 0x0a000002, 0xc0a80170, 0xffffffff]) {
      const want = Number(((BigInt(v) * 0x61c88647n) & 0xffffffffn) >> 24n);
      expect(hash32(v, 8)).toBe(want);
      expect(hash32(v, 10)).toBe(Number(((BigInt(v) * 0x61c88647n) & 0xffffffffn) >> 22n));
    }
  });

  it('gcd and fls', () => {
    expect(gcd(12, 18)).toBe(6);
    expect(gcd(5, 0)).toBe(5);
    expect(fls(0)).toBe(0);
    expect(fls(1)).toBe(1);
    expect(fls(64)).toBe(7);
    expect(fls(0x80000000)).toBe(32);
  });
});
