// The trace runner behind `lvslab simulate` (and the kernel differential suite): a trace
// (src/lb/ipvs/trace.ts) replayed against a fresh embedded IPVS on a manual clock, its ipvsadm
// lines run by ipvsadm (userland, src/lb/ipvsadm) as on a real director. Pure and deterministic: the
// same trace gives the same output every time.
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ipvs/addr.js';
import { MAX_CLOCK_MS, ManualClock, seededRandom } from '../ipvs/clock.js';
import { Ipvs, type IpvsSysctl } from '../ipvs/ipvs.js';
import type { KernelProfile } from '../ipvs/kernel.js';
import { TH_SYN } from '../ipvs/proto_tcp.js';
import type { Conn } from '../ipvs/conn_entry.js';
import { TraceError, endpointText, traceItems, type TraceItem } from '../ipvs/trace.js';
import { AF_INET6, IPPROTO_TCP, IPPROTO_UDP, type PacketHeaders } from '../ipvs/types.js';
import { runIpvsadm } from '../ipvsadm/run.js';

export interface TraceOptions {
  /** seed of the random source twos uses (default 1) */
  seed?: number;
  sysctl?: Partial<IpvsSysctl>;
  /** the kernel to model (its scheduler modules, its connection counting); the pinned one by default */
  kernel?: KernelProfile;
}

export interface TraceResult {
  /** everything the trace printed, in order */
  output: string;
  /** the highest ipvsadm exit status seen (0 when every command succeeded) */
  status: number;
  /** the core after the trace, for callers that want to inspect it */
  ipvs: Ipvs;
}

/** What one trace item printed. */
export interface TraceItemResult {
  /** 1-based line number */
  line: number;
  /** the item without its comment */
  text: string;
  output: string;
  /** ipvsadm's exit status for ipvsadm lines, else 0 */
  status: number;
}

/** Default IP total lengths: headers only (IP 20 + TCP 20 / UDP 8). */
const TCP_LEN = 40;
const UDP_LEN = 28;

export function runTrace(text: string, opts: TraceOptions = {}): TraceResult {
  const state: { ipvs?: Ipvs } = {};
  let output = '';
  let status = 0;
  for (const item of runTraceItems(text, opts, state)) {
    output += item.output;
    if (item.status > status) status = item.status;
  }
  return { output, status, ipvs: state.ipvs! };
}

/** The trace item by item (lazily: a bad line throws when reached). */
export function* runTraceItems(text: string, opts: TraceOptions = {}, state: { ipvs?: Ipvs } = {}): Generator<TraceItemResult> {
  const clock = new ManualClock(0);
  const ipvs = new Ipvs({ clock, random: seededRandom(opts.seed ?? 1), sysctl: opts.sysctl, kernel: opts.kernel });
  state.ipvs = ipvs;
  for (const item of traceItems(text)) {
    const r = runItem(ipvs, clock, item);
    yield { line: item.line, text: item.text, output: r.output, status: r.status };
  }
}

function runItem(ipvs: Ipvs, clock: ManualClock, item: TraceItem): { output: string; status: number } {
  switch (item.kind) {
    case 'ipvsadm': {
      const r = runIpvsadm(ipvs, item.args);
      return { output: r.stdout + r.stderr, status: r.status };
    }
    case 'conn':
      return { output: `${endpointText(item.client)} -> ${connect(ipvs, item)}\n`, status: 0 };
    case 'packet':
      packet(ipvs, item);
      return { output: '', status: 0 };
    case 'advance':
      if (clock.now() + item.ms > MAX_CLOCK_MS) {
        throw new TraceError(item.line, `advance: ${item.seconds} more seconds would take the trace's clock past ${MAX_CLOCK_MS / 1000} seconds`);
      }
      clock.advance(item.ms);
      ipvs.advance();
      return { output: '', status: 0 };
  }
}

/** The addresses of a conn or packet line as the core takes them. */
function headersOf(item: Extract<TraceItem, { kind: 'conn' | 'packet' }>): PacketHeaders {
  const tcp = item.proto === 'tcp';
  // (the trace parser has checked that client and VIP share a family)
  if (item.client.addr.includes(':')) {
    return {
      proto: tcp ? IPPROTO_TCP : IPPROTO_UDP,
      saddr: 0,
      sport: item.client.port,
      daddr: 0,
      dport: item.vip.port,
      tcpFlags: 0,
      // an IPv6 header is 20 bytes longer than an IPv4 one
      length: item.length ?? (tcp ? TCP_LEN : UDP_LEN) + 20,
      fwmark: item.fwmark,
      af: AF_INET6,
      saddr6: parseIPv6(item.client.addr),
      daddr6: parseIPv6(item.vip.addr),
    };
  }
  return {
    proto: tcp ? IPPROTO_TCP : IPPROTO_UDP,
    saddr: parseIPv4(item.client.addr),
    sport: item.client.port,
    daddr: parseIPv4(item.vip.addr),
    dport: item.vip.port,
    tcpFlags: 0,
    length: item.length ?? (tcp ? TCP_LEN : UDP_LEN),
    fwmark: item.fwmark,
  };
}

/** The conn a client packet of `h` belongs to (either family). */
function connOf(ipvs: Ipvs, h: PacketHeaders): Conn | null {
  return h.af === AF_INET6 ? ipvs.conns.inGet6(h.proto, h.saddr6!, h.sport, h.daddr6!, h.dport) : ipvs.conns.inGet(h.proto, h.saddr | 0, h.sport, h.daddr | 0, h.dport);
}

/** "RIP:RPORT" of a real server address (IPv6 in brackets) */
function ripText(daddr: number, daddr6: ArrayLike<number> | null | undefined, port: number): string {
  return daddr6 != null ? `[${formatIPv6(daddr6)}]:${port}` : `${formatIPv4(daddr >>> 0)}:${port}`;
}

/** A new connection's first packet; where it went: "RIP:RPORT", or "none". */
function connect(ipvs: Ipvs, item: Extract<TraceItem, { kind: 'conn' }>): string {
  const h = headersOf(item);
  if (h.proto === IPPROTO_TCP) h.tcpFlags = TH_SYN;
  const verdict = ipvs.inbound(h);
  const cp = connOf(ipvs, h);
  if (verdict.action === 'dnat') return ripText(verdict.daddr, verdict.daddr6, verdict.dport);
  if ((verdict.action === 'route' || verdict.action === 'tunnel' || verdict.action === 'accept') && cp !== null && cp.dest !== null) return ripText(cp.daddr, cp.daddr6, cp.dport);
  if ((verdict.action === 'route' || verdict.action === 'tunnel') && cp === null) return ripText(verdict.daddr, verdict.daddr6, h.dport);
  return 'none';
}

/** A further segment: from the client, or the reply of the real server the conn was sent to. */
function packet(ipvs: Ipvs, item: Extract<TraceItem, { kind: 'packet' }>): void {
  const h = headersOf(item);
  h.tcpFlags = item.tcpFlags;
  if (item.dir === 'in') {
    ipvs.inbound(h);
    return;
  }
  // without a conn there is no real server to answer
  const cp = connOf(ipvs, h);
  if (cp === null) return;
  if (h.af === AF_INET6) {
    // a NAT reply keeps the family (a mixed-family conn is a tunnel one, which has no replies)
    if (cp.daddr6 !== null) ipvs.outbound({ ...h, saddr6: cp.daddr6, sport: cp.dport, daddr6: h.saddr6, dport: h.sport, fwmark: 0 });
    return;
  }
  ipvs.outbound({ ...h, saddr: cp.daddr >>> 0, sport: cp.dport, daddr: h.saddr, dport: h.sport, fwmark: 0 });
}

