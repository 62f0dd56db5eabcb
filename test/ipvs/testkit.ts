// Helpers for the core's unit tests: an IPVS on a manual clock driven by ipvsadm lines and packets.
// ipvsadm is userland (src/lb/ipvsadm): it reaches the core through the control API and snapshots.
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../src/lb/ipvs/addr.js';
import { ManualClock, seededRandom } from '../../src/lb/ipvs/clock.js';
import { Ipvs, type IpvsSysctl } from '../../src/lb/ipvs/ipvs.js';
import type { KernelProfile } from '../../src/lb/ipvs/kernel.js';
import { parseTcpFlags } from '../../src/lb/ipvs/proto_tcp.js';
import { AF_INET6, IPPROTO_TCP, IPPROTO_UDP, type In6Addr, type IpvsControl, type IpvsadmResult, type PacketHeaders, type Verdict } from '../../src/lb/ipvs/types.js';
import { runIpvsadm } from '../../src/lb/ipvsadm/run.js';

/**
 * `ipvsadm ARGV` against any core (stdin feeds -R): stdout, stderr and exit status, exactly as
 * ipvsadm, for tests that drive cores built elsewhere (the sync daemons' own) as an admin would.
 */
export function runAdmin(core: IpvsControl, argv: readonly string[], stdin = ''): IpvsadmResult {
  return runIpvsadm(core, argv, stdin);
}

export interface Lab {
  ipvs: Ipvs;
  clock: ManualClock;
  /** run ipvsadm lines; throws on a non-zero status */
  run(...lines: string[]): string;
  /** one ipvsadm invocation, whatever its status */
  ipvsadm(argv: readonly string[], stdin?: string): IpvsadmResult;
  /** a new connection's first packet; returns "RIP:PORT" or "none" */
  conn(proto: 'tcp' | 'udp', client: string, vip: string, opts?: { fwmark?: number; length?: number }): string;
  /** a further packet; returns the verdict */
  packet(proto: 'tcp' | 'udp', client: string, vip: string, dir: 'in' | 'out', flags?: string, length?: number): Verdict;
  /** seconds pass */
  advance(seconds: number): void;
  /** ActiveConn/InActConn/PersistConn of a dest of the first service with it */
  counts(rs: string): { active: number; inact: number; persist: number };
}

/** "a.b.c.d:port" or "[ipv6]:port" */
function split(ep: string): { addr: number; addr6: In6Addr | null; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(ep);
  if (m) return { addr: 0, addr6: parseIPv6(m[1]), port: Number(m[2]) };
  const [a, p] = ep.split(':');
  return { addr: parseIPv4(a), addr6: null, port: Number(p) };
}

/** Packet headers from client `c` to `v` (either family; both the same). */
function headers(p: number, c: ReturnType<typeof split>, v: ReturnType<typeof split>, tcpFlags: number, length: number, fwmark: number): PacketHeaders {
  const h: PacketHeaders = { proto: p, saddr: c.addr, sport: c.port, daddr: v.addr, dport: v.port, tcpFlags, length, fwmark };
  if (c.addr6 !== null && v.addr6 !== null) {
    h.af = AF_INET6;
    h.saddr6 = c.addr6;
    h.daddr6 = v.addr6;
  }
  return h;
}

/** The "RIP:PORT" text of a verdict's real server address. */
function ripText(v: { daddr: number; daddr6?: In6Addr }, port: number): string {
  return v.daddr6 !== undefined ? `[${formatIPv6(v.daddr6)}]:${port}` : `${formatIPv4(v.daddr)}:${port}`;
}

export function lab(opts: { sysctl?: Partial<IpvsSysctl>; seed?: number; random?: () => number; kernel?: KernelProfile } = {}): Lab {
  const clock = new ManualClock(1_000_000);
  const ipvs = new Ipvs({ clock, random: opts.random ?? seededRandom(opts.seed ?? 1), sysctl: opts.sysctl, kernel: opts.kernel });
  const l: Lab = {
    ipvs,
    clock,
    run(...lines) {
      let out = '';
      for (const line of lines) {
        const r = runAdmin(ipvs, line.trim().split(/\s+/));
        if (r.status !== 0) throw new Error(`ipvsadm ${line}: status ${r.status}: ${r.stderr}`);
        out += r.stdout;
      }
      return out;
    },
    ipvsadm: (argv, stdin = '') => runAdmin(ipvs, argv, stdin),
    conn(proto, client, vip, o = {}) {
      const c = split(client);
      const v = split(vip);
      const p = proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
      const verdict = ipvs.inbound(headers(p, c, v, proto === 'tcp' ? 0x02 : 0, o.length ?? 60, o.fwmark ?? 0));
      if (verdict.action === 'dnat') return ripText(verdict, verdict.dport);
      const cp = c.addr6 !== null && v.addr6 !== null ? ipvs.conns.inGet6(p, c.addr6, c.port, v.addr6, v.port) : ipvs.conns.inGet(p, c.addr | 0, c.port, v.addr | 0, v.port);
      if ((verdict.action === 'route' || verdict.action === 'tunnel' || verdict.action === 'accept') && cp) {
        return cp.daddr6 !== null ? `[${formatIPv6(cp.daddr6)}]:${cp.dport}` : `${formatIPv4(cp.daddr >>> 0)}:${cp.dport}`;
      }
      return 'none';
    },
    packet(proto, client, vip, dir, flags = '', length = 52) {
      const c = split(client);
      const v = split(vip);
      const p = proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
      const tcpFlags = proto === 'tcp' ? parseTcpFlags(flags) : 0;
      if (dir === 'in') return ipvs.inbound(headers(p, c, v, tcpFlags, length, 0));
      const v6 = c.addr6 !== null && v.addr6 !== null;
      const cp = v6 ? ipvs.conns.inGet6(p, c.addr6!, c.port, v.addr6!, v.port) : ipvs.conns.inGet(p, c.addr | 0, c.port, v.addr | 0, v.port);
      if (!cp) throw new Error(`no conn for ${client} -> ${vip}`);
      const rs = { addr: cp.daddr >>> 0, addr6: cp.daddr6, port: cp.dport };
      return ipvs.outbound(headers(p, rs, c, tcpFlags, length, 0));
    },
    advance(seconds) {
      clock.advance(seconds * 1000);
      ipvs.advance();
    },
    counts(rs) {
      const m = /^\[(.+)\]:(\d+)$/.exec(rs);
      const [addr, port] = m ? [formatIPv6(parseIPv6(m[1])), m[2]] : rs.split(':');
      for (const s of ipvs.snapshot().services) {
        const d = s.dests.find((x) => x.addr === addr && String(x.port) === port);
        if (d) return { active: d.activeConns, inact: d.inactConns, persist: d.persistConns };
      }
      throw new Error(`no dest ${rs}`);
    },
  };
  return l;
}

/** rr over two NAT real servers, 10.0.0.101 and .102 (port 80), on a service of 192.168.1.112:80 */
export function rrLab(proto: 't' | 'u' = 't', extra = '', sysctl: Partial<IpvsSysctl> = {}): Lab {
  const l = lab({ sysctl });
  const vip = '192.168.1.112:80';
  l.run(`-A -${proto} ${vip} -s rr ${extra}`.trim(), `-a -${proto} ${vip} -r 10.0.0.101:80 -m`, `-a -${proto} ${vip} -r 10.0.0.102:80 -m`);
  return l;
}

/** n new connections from distinct source ports of one client; the chosen real servers' last octets. */
export function picks(l: Lab, proto: 'tcp' | 'udp', vip: string, n: number, firstPort = 10000, client = '10.9.0.1'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = l.conn(proto, `${client}:${firstPort + i}`, vip);
    out.push(r === 'none' ? 'none' : r.split(':')[0].split('.')[3]);
  }
  return out;
}
