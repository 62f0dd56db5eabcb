// The names ipvsadm asks glibc for: gethostbyname()/getservbyname() when it reads a host[:port] that
// is not numeric (-t, -u, -r, -M), gethostbyaddr()/getservbyport() when it lists without -n. Answered
// as nsswitch's "files" source answers them: /etc/hosts and /etc/services, read line by line the way
// glibc's nss_files parses them — first matching line wins; '#' starts a comment; host names compare
// without case, service names and protocols with it; for an IPv4 lookup an IPv6 line counts only
// when its address is v4-mapped (that address) or ::1 (127.0.0.1); a line with an address and no
// name names it "" (the real ipvsadm then lists ":http"). No other source (no DNS): a listing then
// depends only on two files, which a recording can carry (test/recordings/ipvsadm/kernel-1.31.json).
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { inetPton4 } from './numbers.js';

export type ServiceProto = 'tcp' | 'udp';

export interface Resolver {
  /** gethostbyname(): the IPv4 address (host order) of the first /etc/hosts line naming `name` */
  hostByName(name: string): number | undefined;
  /** gethostbyaddr(): the canonical name of the first /etc/hosts line with this IPv4 address */
  hostByAddr(addr: number): string | undefined;
  /** getservbyname(): the port of the first /etc/services line naming `name` for `proto` */
  servByName(name: string, proto: ServiceProto): number | undefined;
  /** getservbyport(): the official name of the first /etc/services line with this port and `proto` */
  servByPort(port: number, proto: ServiceProto): string | undefined;
}

/** The text of the two files the "files" source reads. */
export interface NetdbFiles {
  hosts: string;
  services: string;
}

interface HostEntry {
  addr: number;
  names: string[];
}

interface ServEntry {
  port: number;
  proto: string;
  names: string[];
}

/** A line's fields: everything from '#' on is a comment, fields are split on blanks. */
function fields(line: string): string[] {
  const hash = line.indexOf('#');
  return (hash >= 0 ? line.slice(0, hash) : line).split(/[ \t\r\f\v]+/).filter((f) => f !== '');
}

const INADDR_LOOPBACK = 0x7f000001;

/** The IPv4 address an AF_INET lookup reads from an IPv6 line: a v4-mapped one's, or 127.0.0.1 for ::1. */
function inet6AsInet(text: string): number | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  // the URL parser writes an IPv6 address in its canonical form: [::1], [::ffff:a00:1]
  const canonical = new URL(`http://[${text}]/`).hostname;
  if (canonical === '[::1]') return INADDR_LOOPBACK;
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  return m ? ((parseInt(m[1], 16) << 16) | parseInt(m[2], 16)) >>> 0 : undefined;
}

/** /etc/hosts as an AF_INET lookup sees it (lines with an address it cannot read are skipped). */
function parseHosts(text: string): HostEntry[] {
  const out: HostEntry[] = [];
  for (const line of text.split('\n')) {
    const [addrText, ...names] = fields(line);
    if (addrText === undefined) continue;
    const addr = inetPton4(addrText) ?? inet6AsInet(addrText);
    if (addr !== undefined) out.push({ addr, names: names.length > 0 ? names : [''] });
  }
  return out;
}

/** /etc/services: "name port/proto aliases..."; a line whose port does not parse is skipped. */
function parseServices(text: string): ServEntry[] {
  const out: ServEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, portProto, ...aliases] = fields(line);
    const m = /^(\d+)\/(\S+)$/.exec(portProto ?? '');
    if (name === undefined || !m) continue;
    // s_port is htons() of the number: only its low 16 bits survive
    out.push({ port: Number(m[1]) & 0xffff, proto: m[2], names: [name, ...aliases] });
  }
  return out;
}

/** glibc answers a name made only of digits and dots without asking any source (it is no name). */
const DIGITS_DOTS = /^[0-9.]+$/;

/** A resolver over the text of a hosts and a services file. */
export function filesResolver(files: NetdbFiles): Resolver {
  return tableResolver(() => parseHosts(files.hosts), () => parseServices(files.services));
}

/**
 * The resolver ipvsadm on this machine uses (its "files" source): `etc`/hosts and `etc`/services,
 * read on the first lookup that needs them (numeric listings read nothing); a missing file answers
 * nothing, as glibc's does.
 */
export function systemResolver(etc = '/etc'): Resolver {
  const read = (name: string): string => {
    try {
      return readFileSync(join(etc, name), 'utf8');
    } catch {
      return '';
    }
  };
  return tableResolver(() => parseHosts(read('hosts')), () => parseServices(read('services')));
}

function tableResolver(loadHosts: () => HostEntry[], loadServices: () => ServEntry[]): Resolver {
  let hostsTable: HostEntry[] | undefined;
  let servTable: ServEntry[] | undefined;
  const hosts = (): HostEntry[] => (hostsTable ??= loadHosts());
  const services = (): ServEntry[] => (servTable ??= loadServices());
  return {
    hostByName(name) {
      if (DIGITS_DOTS.test(name)) return undefined;
      const lower = name.toLowerCase();
      return hosts().find((h) => h.names.some((n) => n.toLowerCase() === lower))?.addr;
    },
    hostByAddr(addr) {
      return hosts().find((h) => h.addr === addr >>> 0)?.names[0];
    },
    servByName(name, proto) {
      return services().find((s) => s.proto === proto && s.names.includes(name))?.port;
    },
    servByPort(port, proto) {
      return services().find((s) => s.proto === proto && s.port === port)?.names[0];
    },
  };
}
