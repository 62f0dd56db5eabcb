// Reads the IPv4 TCP/UDP packets of a pcap file (tcpdump -w on an Ethernet interface): what the
// traffic recorder keeps of each packet the kernel's IPVS saw — time, addresses, ports, TCP flags
// and IP total length (the byte counters count it).
import { readFileSync } from 'node:fs';

export interface CapturedPacket {
  /** seconds since the epoch, with the capture's sub-second precision */
  time: number;
  proto: 'tcp' | 'udp';
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** the TCP flags byte; 0 for UDP */
  flags: number;
  /** IP total length */
  length: number;
}

const LINKTYPE_ETHERNET = 1;
const ETH_P_IP = 0x0800;

export function readPcap(file: string): CapturedPacket[] {
  const buf = readFileSync(file);
  if (buf.length < 24) throw new Error(`${file}: not a pcap file (${buf.length} bytes)`);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file}: not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const nano = (le ? magic : buf.readUInt32BE(0)) === 0xa1b23c4d;
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`${file}: link type ${u32(20)}, expected Ethernet`);
  const out: CapturedPacket[] = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const time = u32(o) + u32(o + 4) / (nano ? 1e9 : 1e6);
    const incl = u32(o + 8);
    const frame = buf.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (frame.length < 34 || frame.readUInt16BE(12) !== ETH_P_IP) continue;
    const ip = frame.subarray(14);
    const ihl = (ip[0] & 0x0f) * 4;
    const protoNum = ip[9];
    if (protoNum !== 6 && protoNum !== 17) continue;
    const l4 = ip.subarray(ihl);
    const addr = (b: Buffer, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
    out.push({
      time,
      proto: protoNum === 6 ? 'tcp' : 'udp',
      saddr: addr(ip, 12),
      daddr: addr(ip, 16),
      sport: l4.readUInt16BE(0),
      dport: l4.readUInt16BE(2),
      flags: protoNum === 6 ? l4[13] : 0,
      length: ip.readUInt16BE(2),
    });
  }
  return out;
}
