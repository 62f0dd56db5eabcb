// The `lvslab simulate` trace format, as the kernel replay reads it (issue 5): one item per line,
// `#` comments; an ipvsadm command line without `ipvsadm`; `conn PROTO C:P V:P`; `packet PROTO C:P
// V:P in|out FLAGS`; `advance SECONDS`. The replay turns these into real connections, so it only
// needs the addresses and the few packet lines a socket can produce (the client's FIN and RST).

export type Proto = 'tcp' | 'udp';
export interface Endpoint {
  addr: string;
  port: number;
}

export type TraceItem =
  | { kind: 'ipvsadm'; line: number; args: string[] }
  | { kind: 'conn'; line: number; proto: Proto; client: Endpoint; vip: Endpoint }
  | { kind: 'packet'; line: number; proto: Proto; client: Endpoint; vip: Endpoint; dir: 'in' | 'out'; flags: string }
  | { kind: 'advance'; line: number; seconds: number };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseEndpoint(text: string, where: string): Endpoint {
  const m = /^([0-9.]+):(\d+)$/.exec(text);
  if (!m || !IPV4.test(m[1])) throw new Error(`${where}: '${text}' is not an IPv4 ADDR:PORT`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`${where}: port ${port} out of range 1..65535`);
  return { addr: m[1], port };
}

export function endpointText(e: Endpoint): string {
  return `${e.addr}:${e.port}`;
}

function parseProto(text: string, where: string): Proto {
  const p = text.toLowerCase();
  if (p !== 'tcp' && p !== 'udp') throw new Error(`${where}: protocol '${text}' must be tcp or udp`);
  return p;
}

/** Parses a whole trace; errors name the line and the problem. */
export function parseTrace(text: string, name = 'trace'): TraceItem[] {
  const items: TraceItem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const where = `${name}:${line}`;
    const body = raw.replace(/(^|\s)#.*$/, '').trim();
    if (body === '') return;
    const all = body.split(/\s+/);
    // trailing extras of the simulate format: len=BYTES only feeds the core's byte counters (real
    // packets have their own lengths); mark=FWMARK would need packets marked on the way in
    const extras = all[0] === 'conn' || all[0] === 'packet' ? all.filter((w) => /^(len|mark)=\d+$/.test(w)) : [];
    if (extras.some((w) => w.startsWith('mark='))) throw new Error(`${where}: mark= (fwmark) is not supported by the kernel trace replay`);
    const words = all.filter((w) => !extras.includes(w));
    const head = words[0];
    if (head.startsWith('-')) {
      items.push({ kind: 'ipvsadm', line, args: words });
    } else if (head === 'conn') {
      if (words.length !== 4) throw new Error(`${where}: expected 'conn PROTO CLIENT:PORT VIP:PORT'`);
      items.push({ kind: 'conn', line, proto: parseProto(words[1], where), client: parseEndpoint(words[2], where), vip: parseEndpoint(words[3], where) });
    } else if (head === 'packet') {
      // UDP has no flags (a placeholder is tolerated, as the simulate format does)
      const proto = words.length >= 2 ? parseProto(words[1], where) : 'tcp';
      if (words.length !== 6 && !(proto === 'udp' && words.length === 5)) throw new Error(`${where}: expected 'packet PROTO CLIENT:PORT VIP:PORT in|out FLAGS' (no FLAGS for udp)`);
      const dir = words[4];
      if (dir !== 'in' && dir !== 'out') throw new Error(`${where}: direction '${dir}' must be in or out`);
      const flags = words[5] ?? '';
      if (proto === 'tcp' && !/^[SAFRPU]+$/.test(flags)) throw new Error(`${where}: flags '${flags}' must be letters of S A F R P U`);
      items.push({ kind: 'packet', line, proto, client: parseEndpoint(words[2], where), vip: parseEndpoint(words[3], where), dir, flags: proto === 'tcp' ? flags : '' });
    } else if (head === 'advance') {
      const seconds = Number(words[1]);
      if (words.length !== 2 || !Number.isFinite(seconds) || seconds < 0) throw new Error(`${where}: expected 'advance SECONDS' with SECONDS >= 0`);
      items.push({ kind: 'advance', line, seconds });
    } else {
      throw new Error(`${where}: unknown item '${head}' (expected an ipvsadm option, conn, packet or advance)`);
    }
  });
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
        const m = /^([0-9.]+)(?::(\d+))?$/.exec(value);
        if (!m || !IPV4.test(m[1])) return;
        if (SERVICE_OPTS.has(arg)) {
          vips.add(m[1]);
          if (m[2]) ports.add(Number(m[2]));
        } else if (REAL_OPTS.has(arg)) {
          reals.add(m[1]);
          if (m[2]) ports.add(Number(m[2]));
        }
      });
    }
  }
  const byNumber = (a: string, b: string) => ipNumber(a) - ipNumber(b);
  return {
    clients: [...clients].sort(byNumber),
    vips: [...vips].sort(byNumber),
    reals: [...reals].sort(byNumber),
    ports: [...ports].filter((p) => p > 0 && p < 65536).sort((a, b) => a - b),
  };
}

export function ipNumber(addr: string): number {
  return addr.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
