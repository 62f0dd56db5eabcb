// Crafted IPv6 packets with correct checksums, for the data plane's unit tests (craft.ts does IPv4).
import { l4Checksum6 } from '../../src/lb/director/checksum.js';
import { writeU16 } from '../../src/lb/director/packet.js';
import { ipv6Bytes } from '../../src/lab/ipv6.js';

export interface Craft6 {
  proto: 6 | 17;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP flags byte */
  flags?: number;
  payload?: Uint8Array;
  /** extension headers before the transport header, in order: hop-by-hop (0), destination options (60), routing (43), fragment (44) */
  ext?: Array<{ type: 0 | 43 | 60 } | { type: 44; offset?: number; more?: boolean }>;
  hopLimit?: number;
}

export function craft6(o: Craft6): Buffer {
  const ext = o.ext ?? [];
  const extLen = ext.length * 8;
  const l4h = o.proto === 6 ? 20 : 8;
  const payload = o.payload ?? new Uint8Array(0);
  const plen = extLen + l4h + payload.length;
  const p = Buffer.alloc(40 + plen);
  p[0] = 0x60;
  writeU16(p, 4, plen);
  p[6] = ext.length > 0 ? ext[0].type : o.proto;
  p[7] = o.hopLimit ?? 64;
  p.set(ipv6Bytes(o.src), 8);
  p.set(ipv6Bytes(o.dst), 24);
  let off = 40;
  ext.forEach((e, i) => {
    p[off] = i + 1 < ext.length ? ext[i + 1].type : o.proto;
    if (e.type === 44) {
      writeU16(p, off + 2, ((e.offset ?? 0) << 3) | (e.more ? 1 : 0));
      p.writeUInt32BE(0xabcd0123, off + 4);
    } else {
      p[off + 1] = 0; // 8 bytes: a PadN option filling the rest
      p[off + 2] = 1;
      p[off + 3] = 4;
    }
    off += 8;
  });
  const l4 = off;
  writeU16(p, l4, o.sport);
  writeU16(p, l4 + 2, o.dport);
  if (o.proto === 6) {
    p.writeUInt32BE(0x01020304, l4 + 4);
    p[l4 + 12] = 5 << 4;
    p[l4 + 13] = o.flags ?? 0x02;
    writeU16(p, l4 + 14, 64240);
  } else {
    writeU16(p, l4 + 4, l4h + payload.length);
  }
  p.set(payload, l4 + l4h);
  const csAt = o.proto === 6 ? 16 : 6;
  writeU16(p, l4 + csAt, l4Checksum6(p, 0, l4, p.length - l4, o.proto, csAt));
  return p;
}

/** The offset of the transport header of a crafted packet (past its extension headers). */
export function l4Offset6(o: Pick<Craft6, 'ext'>): number {
  return 40 + (o.ext?.length ?? 0) * 8;
}

/**
 * An ICMPv6 error from `src` to `dst` quoting as much of `offending` as fits the IPv6 minimum MTU
 * (RFC 4443 2.4(c): 1280 bytes in all). `mtu` is the packet too big message's MTU field.
 */
export function craftIcmp6Error(src: string, dst: string, type: number, code: number, offending: Uint8Array, mtu = 0): Buffer {
  const quoted = offending.subarray(0, Math.min(offending.length, 1280 - 48));
  const p = Buffer.alloc(48 + quoted.length);
  p[0] = 0x60;
  writeU16(p, 4, 8 + quoted.length);
  p[6] = 58;
  p[7] = 64;
  p.set(ipv6Bytes(src), 8);
  p.set(ipv6Bytes(dst), 24);
  p[40] = type;
  p[41] = code;
  p.writeUInt32BE(mtu >>> 0, 44);
  p.set(quoted, 48);
  writeU16(p, 42, l4Checksum6(p, 0, 40, p.length - 40, 58, 2));
  return p;
}
