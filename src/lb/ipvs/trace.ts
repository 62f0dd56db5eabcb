// The trace format of `lvslab simulate`, read once for every consumer: the simulate runner
// (src/lb/simulate/run.ts) replays it against the embedded IPVS, the kernel replay
// (src/lb/kernel/replay) against the kernel's. One item per line, `#` starts a comment:
//
//   -A -t 10.0.0.100:80 -s rr                 ipvsadm arguments (a leading "ipvsadm" is optional)
//   conn tcp 10.0.0.2:40000 10.0.0.100:80     first packet (TCP SYN / UDP datagram) of a new connection
//   packet tcp 10.0.0.2:40000 10.0.0.100:80 in A    a further segment, client side ("in") or reply ("out")
//   advance 2.5                               seconds pass: timers, expiry, the rate estimator
//
// conn and packet lines take optional len=BYTES (IP total length) and mark=FWMARK.
import { canonicalAddr } from './addr.js';
import { MAX_CLOCK_MS } from './clock.js';
import { parseTcpFlags } from './proto_tcp.js';
import type { Protocol } from './types.js';

/** A line the trace cannot have: names the line (and the trace, when it has a name) and the problem. */
export class TraceError extends Error {
  override name = 'TraceError';
  constructor(
    readonly line: number,
    /** the problem, without the line */
    readonly detail: string,
    /** the trace's name (a file), when the caller gave one */
    readonly source?: string,
  ) {
    super(source === undefined ? `line ${line}: ${detail}` : `${source}:${line}: ${detail}`);
  }
}

/** An address and port as the trace wrote it (the address in canonical dotted or IPv6 text). */
export interface Endpoint {
  addr: string;
  port: number;
}

/** "ADDR:PORT", an IPv6 address in brackets: "[2001:db8::1]:80" (how ipvsadm writes both). */
export function endpointText(e: Endpoint): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

interface ItemBase {
  /** 1-based line number */
  line: number;
  /** the line without its comment */
  text: string;
}

interface PacketItemBase extends ItemBase {
  proto: Protocol;
  client: Endpoint;
  vip: Endpoint;
  /** IP total length given with len=, for the byte counters */
  length?: number;
  /** the packet's fwmark (mark=), 0 without one */
  fwmark: number;
}

/** One item of a trace. */
export type TraceItem =
  | (ItemBase & { kind: 'ipvsadm'; args: string[] })
  | (PacketItemBase & { kind: 'conn' })
  | (PacketItemBase & {
      kind: 'packet';
      dir: 'in' | 'out';
      /** the TCP flags as written ('' for UDP) */
      flags: string;
      /** the same as a TCP flags byte (0 for UDP) */
      tcpFlags: number;
    })
  | (ItemBase & { kind: 'advance'; seconds: number; /** the step in whole milliseconds */ ms: number });

/** The longest single `advance`, seconds: the manual clock's whole range. */
export const MAX_ADVANCE_S = MAX_CLOCK_MS / 1000;

function parseEndpoint(text: string | undefined, what: string, fail: (m: string) => never): Endpoint {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text ?? '') ?? /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(text ?? '');
  if (!m) return fail(`${what}: expected ADDRESS:PORT, got '${text ?? ''}'`);
  let addr: string;
  try {
    addr = canonicalAddr(m[1]);
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
  const port = Number(m[2]);
  if (port > 65535) return fail(`${what}: port ${port} > 65535`);
  return { addr, port };
}

function parseProto(text: string | undefined, fail: (m: string) => never): Protocol {
  const p = (text ?? '').toLowerCase();
  if (p !== 'tcp' && p !== 'udp') return fail(`protocol must be tcp or udp, got '${text ?? ''}'`);
  return p;
}

/** Optional trailing `len=N` (IP total length, for the byte counters) and `mark=N` (fwmark). */
function parseExtras(words: string[], fail: (m: string) => never): { length?: number; fwmark: number } {
  let length: number | undefined;
  let fwmark = 0;
  for (const w of words) {
    const m = /^(len|mark)=(\d+)$/.exec(w);
    if (!m) return fail(`unexpected '${w}' (extras are len=BYTES and mark=FWMARK)`);
    if (m[1] === 'len') length = Number(m[2]);
    else fwmark = Number(m[2]);
  }
  return length === undefined ? { fwmark } : { length, fwmark };
}

function stripComment(line: string): string {
  const i = line.search(/(^|\s)#/);
  return (i < 0 ? line : line.slice(0, i)).trim();
}

/** One line of a trace: its item, or null for a blank or comment line. Throws TraceError. */
export function parseTraceLine(raw: string, line: number, source?: string): TraceItem | null {
  const text = stripComment(raw);
  if (text === '') return null;
  const fail = (detail: string): never => {
    throw new TraceError(line, detail, source);
  };
  const words = text.split(/\s+/);
  const verb = words[0];
  if (verb === 'conn') {
    const proto = parseProto(words[1], fail);
    const client = parseEndpoint(words[2], 'client', fail);
    const vip = parseEndpoint(words[3], 'virtual', fail);
    if (client.addr.includes(':') !== vip.addr.includes(':')) fail(`client ${endpointText(client)} and virtual ${endpointText(vip)} are of different address families`);
    return { kind: 'conn', line, text, proto, client, vip, ...parseExtras(words.slice(4), fail) };
  }
  if (verb === 'packet') {
    const proto = parseProto(words[1], fail);
    const client = parseEndpoint(words[2], 'client', fail);
    const vip = parseEndpoint(words[3], 'virtual', fail);
    if (client.addr.includes(':') !== vip.addr.includes(':')) fail(`client ${endpointText(client)} and virtual ${endpointText(vip)} are of different address families`);
    const dir = words[4];
    if (dir !== 'in' && dir !== 'out') return fail(`direction must be 'in' or 'out', got '${dir ?? ''}'`);
    let rest = words.slice(5);
    let flags = '';
    let tcpFlags = 0;
    if (proto === 'tcp') {
      if (rest.length === 0 || rest[0].includes('=')) return fail('a TCP packet needs FLAGS (e.g. S, SA, A, FA, R)');
      flags = rest[0];
      try {
        tcpFlags = parseTcpFlags(flags);
      } catch (e) {
        return fail((e as Error).message);
      }
      rest = rest.slice(1);
    } else if (rest.length > 0 && !rest[0].includes('=')) rest = rest.slice(1); // UDP takes no flags; tolerate a placeholder
    return { kind: 'packet', line, text, proto, client, vip, dir, flags, tcpFlags, ...parseExtras(rest, fail) };
  }
  if (verb === 'advance') {
    const seconds = Number(words[1]);
    if (words.length !== 2 || !Number.isFinite(seconds) || seconds < 0) return fail(`advance: expected a number of seconds >= 0, got '${words.slice(1).join(' ')}'`);
    if (seconds > MAX_ADVANCE_S) return fail(`advance: ${words[1]} seconds is more than the clock's range of ${MAX_ADVANCE_S} seconds`);
    return { kind: 'advance', line, text, seconds, ms: Math.round(seconds * 1000) };
  }
  const args = verb === 'ipvsadm' ? words.slice(1) : words;
  if (!args[0]?.startsWith('-')) return fail(`unknown item '${verb}' (expected an ipvsadm command line, conn, packet or advance)`);
  return { kind: 'ipvsadm', line, text, args };
}

/** The items of a trace, one by one (lazily: a bad line throws when reached). */
export function* traceItems(text: string, source?: string): Generator<TraceItem> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const item = parseTraceLine(lines[i], i + 1, source);
    if (item !== null) yield item;
  }
}

/** A whole trace; the first bad line throws a TraceError naming it (and `source`, when given). */
export function parseTrace(text: string, source?: string): TraceItem[] {
  return [...traceItems(text, source)];
}
