// The C library number and address readers ipvsadm relies on, with their exact acceptance rules:
// strtol-based string_to_number() (leading blanks and a sign allowed, nothing after the digits),
// glibc's inet_aton() (1-4 parts, octal/hex parts, anything after a blank ignored) and inet_pton().

/** C isspace() in the C locale. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * strtol(s, &end, 10) requiring `*end == '\0' && end != s` (ipvsadm's string_to_number and
 * parse_fwmark): returns the value, or undefined when s is not entirely one base-10 number.
 */
export function strtolExact(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[2]);
  return m[1] === '-' ? -v : v;
}

/** ipvsadm's string_to_number(): the number if it is in [min, max], else -1. */
export function stringToNumber(s: string, min: number, max: number): number {
  const v = strtolExact(s);
  // strtol saturates at LONG_MIN/LONG_MAX with ERANGE, which string_to_number rejects: both are
  // outside every range ipvsadm asks for, so a plain range check is equivalent.
  if (v === undefined || v < min || v > max) return -1;
  return v;
}

/** strtoul(s, &end, 0) on a string that starts with a digit: [value, characters used]. */
function strtoulBase0(s: string): [number, number] {
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)/.exec(s))) return [parseInt(m[1], 16), m[0].length];
  if ((m = /^0[0-7]*/.exec(s))) return [m[0].length > 1 ? parseInt(m[0], 8) : 0, m[0].length];
  m = /^\d+/.exec(s)!;
  return [Number(m[0]), m[0].length];
}

/**
 * glibc inet_aton(): "a.b.c.d", "a.b.c" (c 16 bits), "a.b" (b 24 bits) or "a" (32 bits), each part
 * decimal, 0-prefixed octal or 0x hex; a blank ends the address and whatever follows is ignored.
 * Returns the address as an unsigned 32-bit number, or undefined.
 */
export function inetAton(s: string): number | undefined {
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    if (!/[0-9]/.test(s[i] ?? '')) return undefined;
    const [v, used] = strtoulBase0(s.slice(i));
    if (v > 0xffffffff) return undefined;
    val = v;
    i += used;
    if (s[i] === '.') {
      if (parts.length > 2 || val > 0xff) return undefined;
      parts.push(val);
      i++;
    } else break;
  }
  if (i < s.length && !isSpace(s[i])) return undefined;
  const max = [0xffffffff, 0xffffff, 0xffff, 0xff][parts.length];
  if (val > max) return undefined;
  let addr = val;
  parts.forEach((p, k) => {
    addr += p * 2 ** (24 - 8 * k);
  });
  return addr >>> 0;
}

/** inet_pton(AF_INET): exactly four decimal parts 0-255 without leading zeros. */
export function inetPton4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let addr = 0;
  for (const p of m.slice(1)) {
    if ((p.length > 1 && p[0] === '0') || Number(p) > 255) return undefined;
    addr = addr * 256 + Number(p);
  }
  return addr;
}

/** Dotted-quad text of an unsigned 32-bit address (inet_ntoa). */
export function ntoa(addr: number): string {
  const a = addr >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Unsigned 32-bit value of a dotted-quad string; throws on anything else (a snapshot bug). */
export function aton(addr: string): number {
  const v = inetPton4(addr);
  if (v === undefined) throw new Error(`not an IPv4 address: '${addr}'`);
  return v;
}
