// The kernel's hash functions the hashing schedulers depend on, bit for bit.

/** include/linux/hash.h: hash_32(val, bits) = (val * GOLDEN_RATIO_32) >> (32 - bits). */
export function hash32(val: number, bits: number): number {
  return Math.imul(val, 0x61c88647) >>> (32 - bits);
}

// SipHash constants ("somepseudorandomlygeneratedbytes") split into 32-bit halves.
const C0H = 0x736f6d65, C0L = 0x70736575;
const C1H = 0x646f7261, C1L = 0x6e646f6d;
const C2H = 0x6c796765, C2L = 0x6e657261;
const C3H = 0x74656462, C3L = 0x79746573;

/**
 * hsiphash() of one u32 as a 64-bit kernel computes it: on 64-bit, lib/siphash.c makes HalfSipHash-1-3
 * "actually be SipHash-1-3", with the two `unsigned long` key words as the 64-bit keys. The 64-bit
 * arithmetic is done on 32-bit halves so the per-packet path (mh lookups) needs no BigInt.
 * `k0`/`k1` must fit in 32 bits (the kernel's mh keys do).
 */
export function hsiphash32(v: number, k0: number, k1: number): number {
  let v0h = C0H, v0l = (C0L ^ k0) >>> 0;
  let v1h = C1H, v1l = (C1L ^ k1) >>> 0;
  let v2h = C2H, v2l = (C2L ^ k0) >>> 0;
  let v3h = C3H, v3l = (C3L ^ k1) >>> 0;
  // b = (len << 56) | le32(data): len 4, data the u32 in host (little-endian) order
  const bh = 0x04000000, bl = v >>> 0;
  v3h = (v3h ^ bh) >>> 0;
  v3l = (v3l ^ bl) >>> 0;
  for (let round = 0; round < 4; round++) {
    if (round === 1) {
      v0h = (v0h ^ bh) >>> 0;
      v0l = (v0l ^ bl) >>> 0;
      v2l = (v2l ^ 0xff) >>> 0;
    }
    // SIPROUND
    // v0 += v1
    let lo = v0l + v1l;
    v0h = (v0h + v1h + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    v0l = lo >>> 0;
    // v1 = rotl(v1, 13)
    let th = ((v1h << 13) | (v1l >>> 19)) >>> 0;
    let tl = ((v1l << 13) | (v1h >>> 19)) >>> 0;
    v1h = (th ^ v0h) >>> 0;
    v1l = (tl ^ v0l) >>> 0;
    // v0 = rotl(v0, 32)
    th = v0h; v0h = v0l; v0l = th;
    // v2 += v3
    lo = v2l + v3l;
    v2h = (v2h + v3h + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    v2l = lo >>> 0;
    // v3 = rotl(v3, 16) ^ v2
    th = ((v3h << 16) | (v3l >>> 16)) >>> 0;
    tl = ((v3l << 16) | (v3h >>> 16)) >>> 0;
    v3h = (th ^ v2h) >>> 0;
    v3l = (tl ^ v2l) >>> 0;
    // v0 += v3
    lo = v0l + v3l;
    v0h = (v0h + v3h + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    v0l = lo >>> 0;
    // v3 = rotl(v3, 21) ^ v0
    th = ((v3h << 21) | (v3l >>> 11)) >>> 0;
    tl = ((v3l << 21) | (v3h >>> 11)) >>> 0;
    v3h = (th ^ v0h) >>> 0;
    v3l = (tl ^ v0l) >>> 0;
    // v2 += v1
    lo = v2l + v1l;
    v2h = (v2h + v1h + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    v2l = lo >>> 0;
    // v1 = rotl(v1, 17) ^ v2
    th = ((v1h << 17) | (v1l >>> 15)) >>> 0;
    tl = ((v1l << 17) | (v1h >>> 15)) >>> 0;
    v1h = (th ^ v2h) >>> 0;
    v1l = (tl ^ v2l) >>> 0;
    // v2 = rotl(v2, 32)
    th = v2h; v2h = v2l; v2l = th;
  }
  // (v0 ^ v1) ^ (v2 ^ v3), truncated to u32: only the low halves matter
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** fls(): position of the most significant set bit, 1-based; 0 for 0. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}
