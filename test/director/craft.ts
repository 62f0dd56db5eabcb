// Crafted IPv4 packets with correct checksums, for the data plane's unit tests and fixtures.
import { ipHeaderChecksum, l4Checksum, finish, sum16 } from '../../src/lb/director/checksum.js';
import { ipToNumber, writeU16, writeU32 } from '../../src/lb/director/packet.js';

export interface CraftL4 {
  proto: 6 | 17;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP flags byte */
  flags?: number;
  payload?: Uint8Array;
  /** UDP only: send checksum 0 ("none") */
  noUdpChecksum?: boolean;
  /** IP options bytes (multiple of 4) */
  ipOptions?: Uint8Array;
  /** MF flag / fragment offset (8-byte units) */
  moreFragments?: boolean;
  fragOffset?: number;
}

export function craft(o: CraftL4): Buffer {
  const opt = o.ipOptions ?? new Uint8Array(0);
  const ihl = 20 + opt.length;
  const l4h = o.proto === 6 ? 20 : 8;
  const payload = o.payload ?? new Uint8Array(0);
  const total = ihl + l4h + payload.length;
  const p = Buffer.alloc(total);
  p[0] = 0x40 | (ihl / 4);
  writeU16(p, 2, total);
  writeU16(p, 4, 0x1234);
  writeU16(p, 6, (o.moreFragments ? 0x2000 : 0) | (o.fragOffset ?? 0));
  p[8] = 64;
  p[9] = o.proto;
  writeU32(p, 12, ipToNumber(o.src));
  writeU32(p, 16, ipToNumber(o.dst));
  p.set(opt, 20);
  writeU16(p, ihl, o.sport);
  writeU16(p, ihl + 2, o.dport);
  if (o.proto === 6) {
    writeU32(p, ihl + 4, 0x01020304);
    p[ihl + 12] = 5 << 4;
    p[ihl + 13] = o.flags ?? 0x02;
    writeU16(p, ihl + 14, 64240);
  } else {
    writeU16(p, ihl + 4, l4h + payload.length);
  }
  p.set(payload, ihl + l4h);
  writeU16(p, 10, ipHeaderChecksum(p, 0, ihl));
  const csAt = o.proto === 6 ? 16 : 6;
  if (!(o.proto === 17 && o.noUdpChecksum)) writeU16(p, ihl + csAt, l4Checksum(p, 0, ihl, total - ihl, o.proto, csAt));
  return p;
}

/** An ICMP error from `src` to `dst` quoting the first ihl+8 bytes of `offending`. */
export function craftIcmpError(src: string, dst: string, type: number, code: number, offending: Uint8Array): Buffer {
  const qihl = (offending[0] & 0x0f) * 4;
  const quoted = offending.subarray(0, Math.min(offending.length, qihl + 8));
  const total = 20 + 8 + quoted.length;
  const p = Buffer.alloc(total);
  p[0] = 0x45;
  writeU16(p, 2, total);
  p[8] = 64;
  p[9] = 1;
  writeU32(p, 12, ipToNumber(src));
  writeU32(p, 16, ipToNumber(dst));
  p[20] = type;
  p[21] = code;
  p.set(quoted, 28);
  writeU16(p, 10, ipHeaderChecksum(p, 0, 20));
  writeU16(p, 22, finish(sum16(p, 20, total)));
  return p;
}
