// What the kernel replay takes of a `lvslab simulate` trace (the format and its one parser are
// src/lb/ipvs/trace.ts): the items a real lab can carry out, and the addresses the lab must have.
// The replay turns items into real connections, so a line it cannot reproduce is an error naming it:
// a packet with a fwmark (a trace line cannot mark packets) or port 0 (no socket uses it). fwmark
// services themselves can be set up and listed; no traffic reaches them.
import { canonicalAddr, parseIPv4, parseIPv6 } from '../../ipvs/addr.js';
import { endpointText, parseTrace, type TraceItem } from '../../ipvs/trace.js';

export type { Endpoint, TraceItem } from '../../ipvs/trace.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export { endpointText } from '../../ipvs/trace.js';

/** Parses a whole trace for the replay; errors name the trace, the line and the problem. */
export function parseReplayTrace(text: string, name = 'trace'): TraceItem[] {
  const items = parseTrace(text, name);
  for (const item of items) {
    const where = `${name}:${item.line}`;
    if (item.kind !== 'conn' && item.kind !== 'packet') continue;
    if (item.fwmark !== 0) throw new Error(`${where}: mark= (fwmark) is not supported by the kernel trace replay`);
    for (const e of [item.client, item.vip]) if (e.port === 0) throw new Error(`${where}: port 0 of ${endpointText(e)} cannot be replayed (out of range 1..65535)`);
  }
  return items;
}

/** The addresses a lab needs to carry a trace: client addresses, VIPs, real servers and ports. */
export interface TraceAddresses {
  clients: string[];
  vips: string[];
  reals: string[];
  /** every port a real server may be asked on (service ports and explicit real-server ports) */
  ports: number[];
}

const SERVICE_OPTS = new Set(['-t', '--tcp-service', '-u', '--udp-service']);
const REAL_OPTS = new Set(['-r', '--real-server']);

export function traceAddresses(items: TraceItem[]): TraceAddresses {
  const clients = new Set<string>();
  const vips = new Set<string>();
  const reals = new Set<string>();
  const ports = new Set<number>();
  for (const item of items) {
    if (item.kind === 'conn' || item.kind === 'packet') {
      clients.add(item.client.addr);
      vips.add(item.vip.addr);
      ports.add(item.vip.port);
    } else if (item.kind === 'ipvsadm') {
      item.args.forEach((arg, i) => {
        const value = item.args[i + 1];
        if (value === undefined) return;
        // addresses ipvsadm would reject are left to ipvsadm, whose error is part of the output
        const m = /^([0-9.]+)(?::(\d+))?$/.exec(value) ?? /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(value) ?? /^([0-9A-Fa-f]*:[0-9A-Fa-f:.]*)()$/.exec(value);
        if (!m) return;
        let addr: string;
        if (m[1].includes(':')) {
          try {
            addr = canonicalAddr(m[1]);
          } catch {
            return;
          }
          // the kernel refuses link-local, multicast and unspecified real servers (EINVAL): no host
          // of the lab may carry them (fe80::1 is the director's gateway address)
          if (/^(fe[89ab]|ff)/i.test(addr) || addr === '::') return;
        } else if (IPV4.test(m[1])) addr = m[1];
        else return;
        if (SERVICE_OPTS.has(arg)) {
          vips.add(addr);
          if (m[2]) ports.add(Number(m[2]));
        } else if (REAL_OPTS.has(arg)) {
          reals.add(addr);
          if (m[2]) ports.add(Number(m[2]));
        }
      });
    }
  }
  // IPv4 first, by number; then IPv6 by its words
  const key = (a: string): number[] => (a.includes(':') ? [1, ...parseIPv6(a)] : [0, parseIPv4(a)]);
  const byNumber = (a: string, b: string) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  return {
    clients: [...clients].sort(byNumber),
    vips: [...vips].sort(byNumber),
    reals: [...reals].sort(byNumber),
    ports: [...ports].filter((p) => p > 0 && p < 65536).sort((a, b) => a - b),
  };
}
