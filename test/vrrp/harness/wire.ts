// Capturing what one director puts on its segments, for the VRRP wire comparison between the
// embedded speaker and keepalived: tcpdump on the idle peer director (ds2), incoming frames from the
// capturing director's MAC only, VRRP and ARP only (IPv6: VRRP and neighbour advertisements only, so
// the MLD reports the kernel sends when a socket joins ff02::12 stay out), bounded by a packet count
// and `timeout`.
import type { Lab, SpawnedProcess } from '../../../src/lab/index.js';
import { readPcap } from './pcap.js';
import { sleep } from './directors.js';

export interface WireFrames {
  /** VRRP advertisements with a priority above 0, in capture order */
  adverts: Buffer[];
  /** priority 0 (resignation) advertisements */
  resign: Buffer[];
  /** gratuitous ARPs (sender IP = target IP) */
  garps: Buffer[];
  /** IPv6: unsolicited neighbour advertisements (ICMPv6 136) */
  nas: Buffer[];
  /** anything else the filter let through (should stay empty) */
  other: Buffer[];
}

const ETH_IP = 0x0800;
const ETH_ARP = 0x0806;
const ETH_IPV6 = 0x86dd;

export function classifyFrames(frames: Buffer[]): WireFrames {
  const out: WireFrames = { adverts: [], resign: [], garps: [], nas: [], other: [] };
  for (const f of frames) {
    const type = f.length >= 14 ? f.readUInt16BE(12) : 0;
    if (type === ETH_IP && f.length >= 34 && f[23] === 112) {
      const ihl = (f[14] & 0x0f) * 4;
      (f[14 + ihl + 2] === 0 ? out.resign : out.adverts).push(f);
    } else if (type === ETH_IPV6 && f.length >= 62 && f[20] === 112) {
      (f[56] === 0 ? out.resign : out.adverts).push(f);
    } else if (type === ETH_IPV6 && f.length >= 58 && f[20] === 58 && f[54] === 136) {
      out.nas.push(f);
    } else if (type === ETH_ARP && f.length >= 42 && f.subarray(28, 32).equals(f.subarray(38, 42))) out.garps.push(f);
    else out.other.push(f);
  }
  return out;
}

/** the IPv4 id of a captured VRRP frame */
export function ipId(f: Buffer): number {
  return f.readUInt16BE(18);
}

/** the frame with its IP id and header checksum blanked (what two adverts sent at different counts share) */
export function withoutIpId(f: Buffer): Buffer {
  const c = Buffer.from(f);
  c.fill(0, 18, 20);
  c.fill(0, 24, 26);
  return c;
}

/** one line naming the fields the comparison is about, for failure messages */
export function describeFrame(f: Buffer): string {
  const hex = f.toString('hex');
  if (f.readUInt16BE(12) === ETH_ARP) {
    return `ARP op ${f.readUInt16BE(20)} sender ${hex.slice(44, 56)} ${[...f.subarray(28, 32)].join('.')} target ${hex.slice(64, 76)} ${[...f.subarray(38, 42)].join('.')} len ${f.length}`;
  }
  if (f.readUInt16BE(12) === ETH_IPV6) {
    const w = f.readUInt32BE(14);
    return `IPv6 class 0x${((w >>> 20) & 0xff).toString(16)} flow 0x${(w & 0xfffff).toString(16)} nh ${f[20]} hlim ${f[21]} len ${f.length} | ${hex.slice(44)}`;
  }
  const flags = f.readUInt16BE(20);
  return `IP tos 0x${f[15].toString(16).padStart(2, '0')} id ${ipId(f)} ${flags & 0x4000 ? 'DF' : 'no-DF'} ttl ${f[22]} len ${f.length} | ${hex.slice(28)}`;
}

export class SegmentCapture {
  private proc?: SpawnedProcess;
  readonly file: string;

  constructor(
    private readonly lab: Lab,
    private readonly onHost: string,
    private readonly ifname: string,
    private readonly fromMac: string,
    readonly tag: string,
    private readonly family: 4 | 6 = 4,
  ) {
    this.file = `${lab.runDir}/wire-${tag}.pcap`;
  }

  async start(maxSeconds = 60, maxPackets = 400): Promise<void> {
    // -Z root: Debian's tcpdump would drop to user tcpdump, who cannot write the run directory;
    // --immediate-mode and -U: every frame is in the file as soon as it is seen
    this.proc = await this.lab.host(this.onHost).spawn(
      ['timeout', String(maxSeconds), 'tcpdump', '-i', this.ifname, '-Q', 'in', '--immediate-mode', '-U', '-Z', 'root', '-n', '-c', String(maxPackets), '-w', this.file,
        this.family === 6 ? `ether src ${this.fromMac} and (ip6 proto 112 or (icmp6 and ip6[40] == 136))` : `ether src ${this.fromMac} and (ip proto 112 or arp)`],
      { logName: `wire-${this.tag}` },
    );
    await sleep(500); // tcpdump needs a moment to attach
  }

  frames(): WireFrames {
    try {
      return classifyFrames(readPcap(this.file).map((p) => p.data));
    } catch {
      return classifyFrames([]);
    }
  }

  async stop(): Promise<WireFrames> {
    this.proc?.kill('SIGTERM');
    if (this.proc) await Promise.race([this.proc.exited, sleep(3000)]);
    this.proc = undefined;
    return this.frames();
  }
}
