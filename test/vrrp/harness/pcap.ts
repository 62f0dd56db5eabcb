// Reading what `tcpdump -w` wrote: the classic pcap format (either byte order, micro- or nanosecond
// stamps), Ethernet link type. Enough for the VRRP wire comparison; a file still being written is
// read up to its last whole record.
import { readFileSync } from 'node:fs';

export interface PcapFrame {
  /** seconds since the epoch */
  ts: number;
  data: Buffer;
}

const LINKTYPE_ETHERNET = 1;

export function readPcap(file: string): PcapFrame[] {
  const b = readFileSync(file);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = b.readUInt32BE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b23c4d;
  if (!le && !be) throw new Error(`${file}: not a pcap file (magic ${b.subarray(0, 4).toString('hex')})`);
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const nano = (le ? magic : b.readUInt32BE(0)) === 0xa1b23c4d;
  const linktype = u32(20);
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`${file}: link type ${linktype}, expected Ethernet (1)`);
  const frames: PcapFrame[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const caplen = u32(o + 8);
    if (o + 16 + caplen > b.length) break;
    frames.push({ ts: u32(o) + u32(o + 4) / (nano ? 1e9 : 1e6), data: Buffer.from(b.subarray(o + 16, o + 16 + caplen)) });
    o += 16 + caplen;
  }
  return frames;
}
