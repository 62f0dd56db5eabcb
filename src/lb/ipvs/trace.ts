// The trace runner behind `lvslab simulate` (and the kernel differential suite): a text of ipvsadm
// command lines, new connections, further packets and time steps, replayed against a fresh embedded
// IPVS on a manual clock. Pure and deterministic: the same trace gives the same output every time.
//
//   # comment
//   -A -t 10.0.0.100:80 -s rr                 ipvsadm arguments (a leading "ipvsadm" is optional)
//   conn tcp 10.0.0.2:40000 10.0.0.100:80     first packet (TCP SYN / UDP datagram) -> "C:P -> RIP:RPORT"
//   packet tcp 10.0.0.2:40000 10.0.0.100:80 in A    a further segment, client side ("in") or reply ("out")
//   advance 2.5                               seconds pass: timers, expiry, the rate estimator
import { formatIPv4, parseIPv4 } from './addr.js';
import { ManualClock, seededRandom } from './clock.js';
import { Ipvs, type IpvsSysctl } from './ipvs.js';
import { parseTcpFlags, TH_SYN } from './proto_tcp.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PacketHeaders } from './types.js';

export interface TraceOptions {
  /** seed of the random source twos uses (default 1) */
  seed?: number;
  sysctl?: Partial<IpvsSysctl>;
}

export interface TraceResult {
  /** everything the trace printed, in order */
  output: string;
  /** the highest ipvsadm exit status seen (0 when every command succeeded) */
  status: number;
  /** the core after the trace, for callers that want to inspect it */
  ipvs: Ipvs;
}

/** A line the runner cannot understand: names the line and what is wrong. */
export class TraceError extends Error {
  override name = 'TraceError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Default IP total lengths: headers only (IP 20 + TCP 20 / UDP 8). */
const TCP_LEN = 40;
const UDP_LEN = 28;

function parseEndpoint(text: string, what: string, line: number): { addr: number; port: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text ?? '');
  if (!m) throw new TraceError(line, `${what}: expected ADDRESS:PORT, got '${text ?? ''}'`);
  let addr: number;
  try {
    addr = parseIPv4(m[1]);
  } catch (e) {
    throw new TraceError(line, `${what}: ${(e as Error).message}`);
  }
  const port = Number(m[2]);
  if (port > 65535) throw new TraceError(line, `${what}: port ${port} > 65535`);
  return { addr, port };
}

function parseProto(text: string | undefined, line: number): number {
  switch ((text ?? '').toLowerCase()) {
    case 'tcp':
      return IPPROTO_TCP;
    case 'udp':
      return IPPROTO_UDP;
    default:
      throw new TraceError(line, `protocol must be tcp or udp, got '${text ?? ''}'`);
  }
}

/** Optional trailing `len=N` (IP total length, for the byte counters) and `mark=N` (fwmark). */
function parseExtras(words: string[], line: number): { length?: number; fwmark: number } {
  let length: number | undefined;
  let fwmark = 0;
  for (const w of words) {
    const m = /^(len|mark)=(\d+)$/.exec(w);
    if (!m) throw new TraceError(line, `unexpected '${w}' (extras are len=BYTES and mark=FWMARK)`);
    if (m[1] === 'len') length = Number(m[2]);
    else fwmark = Number(m[2]);
  }
  return { length, fwmark };
}

function stripComment(line: string): string {
  const i = line.search(/(^|\s)#/);
  return (i < 0 ? line : line.slice(0, i)).trim();
}

/** One trace item and what it printed. */
export interface TraceItem {
  /** 1-based line number */
  line: number;
  /** the item without its comment */
  text: string;
  output: string;
  /** ipvsadm's exit status for ipvsadm lines, else 0 */
  status: number;
}

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
export function* runTraceItems(text: string, opts: TraceOptions = {}, state: { ipvs?: Ipvs } = {}): Generator<TraceItem> {
  const clock = new ManualClock(0);
  const ipvs = new Ipvs({ clock, random: seededRandom(opts.seed ?? 1), sysctl: opts.sysctl });
  state.ipvs = ipvs;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const body = stripComment(lines[i]);
    if (body === '') continue;
    const words = body.split(/\s+/);
    const verb = words[0];
    let output = '';
    let status = 0;
    if (verb === 'conn') {
      const proto = parseProto(words[1], n);
      const c = parseEndpoint(words[2], 'client', n);
      const v = parseEndpoint(words[3], 'virtual', n);
      const x = parseExtras(words.slice(4), n);
      const h: PacketHeaders = {
        proto,
        saddr: c.addr,
        sport: c.port,
        daddr: v.addr,
        dport: v.port,
        tcpFlags: proto === IPPROTO_TCP ? TH_SYN : 0,
        length: x.length ?? (proto === IPPROTO_TCP ? TCP_LEN : UDP_LEN),
        fwmark: x.fwmark,
      };
      const verdict = ipvs.inbound(h);
      const cp = ipvs.conns.inGet(proto, c.addr | 0, c.port, v.addr | 0, v.port);
      let target = 'none';
      if (verdict.action === 'dnat') target = `${formatIPv4(verdict.daddr)}:${verdict.dport}`;
      else if ((verdict.action === 'route' || verdict.action === 'tunnel' || verdict.action === 'accept') && cp !== null && cp.dest !== null)
        target = `${formatIPv4(cp.daddr >>> 0)}:${cp.dport}`;
      else if ((verdict.action === 'route' || verdict.action === 'tunnel') && cp === null) target = `${formatIPv4(verdict.daddr)}:${v.port}`;
      output += `${words[2]} -> ${target}\n`;
    } else if (verb === 'packet') {
      const proto = parseProto(words[1], n);
      const c = parseEndpoint(words[2], 'client', n);
      const v = parseEndpoint(words[3], 'virtual', n);
      const dir = words[4];
      if (dir !== 'in' && dir !== 'out') throw new TraceError(n, `direction must be 'in' or 'out', got '${dir ?? ''}'`);
      let flags = 0;
      let rest = words.slice(5);
      if (proto === IPPROTO_TCP) {
        if (rest.length === 0 || rest[0].includes('=')) throw new TraceError(n, 'a TCP packet needs FLAGS (e.g. S, SA, A, FA, R)');
        try {
          flags = parseTcpFlags(rest[0]);
        } catch (e) {
          throw new TraceError(n, (e as Error).message);
        }
        rest = rest.slice(1);
      } else if (rest.length > 0 && !rest[0].includes('=')) rest = rest.slice(1); // UDP takes no flags; tolerate a placeholder
      const x = parseExtras(rest, n);
      const length = x.length ?? (proto === IPPROTO_TCP ? TCP_LEN : UDP_LEN);
      if (dir === 'in') {
        ipvs.inbound({ proto, saddr: c.addr, sport: c.port, daddr: v.addr, dport: v.port, tcpFlags: flags, length, fwmark: x.fwmark });
      } else {
        // a reply comes from the real server the conn was sent to; without a conn there is nothing
        const cp = ipvs.conns.inGet(proto, c.addr | 0, c.port, v.addr | 0, v.port);
        if (cp !== null) {
          ipvs.outbound({ proto, saddr: cp.daddr >>> 0, sport: cp.dport, daddr: c.addr, dport: c.port, tcpFlags: flags, length, fwmark: 0 });
        }
      }
    } else if (verb === 'advance') {
      const s = Number(words[1]);
      if (words.length !== 2 || !Number.isFinite(s) || s < 0) throw new TraceError(n, `advance: expected a number of seconds >= 0, got '${words.slice(1).join(' ')}'`);
      clock.advance(Math.round(s * 1000));
      ipvs.advance();
    } else {
      const argv = verb === 'ipvsadm' ? words.slice(1) : words;
      if (!argv[0]?.startsWith('-')) throw new TraceError(n, `unknown item '${verb}' (expected an ipvsadm command line, conn, packet or advance)`);
      const r = ipvs.ipvsadm(argv);
      output += r.stdout + r.stderr;
      status = r.status;
    }
    yield { line: n, text: body, output, status };
  }
}
