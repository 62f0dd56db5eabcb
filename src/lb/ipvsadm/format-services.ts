// ipvsadm's service table listings, byte for byte as ipvsadm 1.31 prints them (ipvsadm.c
// print_title, print_service_entry, print_largenum, list_all, list_service): -L/-l (-n),
// --stats, --rate, --thresholds, --persistent-conn, --tun-info, --exact, --nosort and -S.
//
// Names: without -n ipvsadm prints each address and port as the resolver names them (resolver.ts),
// falling back to the number, cut to the same widths as numbers.
import { AF_INET, AF_INET6, type DestSnapshot, type IpvsSnapshot, type ServiceKey, type ServiceSnapshot, type TunnelOptions } from '../ipvs/types.js';
import { canonicalAddr } from '../ipvs/addr.js';
import { aton } from './numbers.js';
import { u64, u32, i32, left, right } from './printf.js';
import { type Resolver, type ServiceProto, systemResolver } from './resolver.js';
import { schedFlagBits, schedFlagNames } from './parse.js';
import { cmpDests, cmpServices, glibcMsort } from './sort.js';

/** IP_VS_VERSION_CODE 0x010201, as every modern kernel reports it. */
export const IPVS_VERSION = '1.2.1';

/** What a listing shows (ipvsadm's FMT_* flags). */
export interface ListFormat {
  numeric: boolean;
  rule: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  nosort: boolean;
  exact: boolean;
  tunInfo: boolean;
}

export const PLAIN_FORMAT: ListFormat = {
  numeric: false,
  rule: false,
  stats: false,
  rate: false,
  thresholds: false,
  persistentConn: false,
  nosort: false,
  exact: false,
  tunInfo: false,
};

/** print_largenum(): 9 columns, K/M/G/T above 10^8 (integer division), or exact with --exact. */
export function largeNum(value: number, exact: boolean): string {
  const i = u64(value);
  if (exact) {
    const len = i.toString().length;
    return right(i, len <= 8 ? 9 : len + 1);
  }
  if (i < 100000000n) return right(i, 9);
  if (i < 1000000000n) return `${right(i / 1000n, 8)}K`;
  if (i < 100000000000n) return `${right(i / 1000000n, 8)}M`;
  if (i < 100000000000000n) return `${right(i / 1000000000n, 8)}G`;
  return `${right(i / 1000000000000n, 8)}T`;
}

/** print_title(). */
function title(f: ListFormat): string {
  const head = left('Prot LocalAddress:Port', 33);
  if (f.stats) {
    return `${head} ${right('Conns', 8)} ${right('InPkts', 8)} ${right('OutPkts', 8)} ${right('InBytes', 8)} ${right('OutBytes', 8)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.rate) {
    return `${head} ${right('CPS', 8)} ${right('InPPS', 8)} ${right('OutPPS', 8)} ${right('InBPS', 8)} ${right('OutBPS', 8)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.thresholds) {
    return `${head} ${left('Uthreshold', 10)} ${left('Lthreshold', 10)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.persistentConn) {
    return `${head} ${left('Weight', 9)} ${left('PersistConn', 11)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.tunInfo) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  }
  if (!f.rule) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  }
  return '';
}

const FWD_NAME = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' } as const;
const FWD_SWITCH = { masq: '-m', tunnel: '-i', local: '-g', route: '-g' } as const;
const TUN_FLAG = { nocsum: '-c', csum: '+c', remcsum: 'r+c' } as const;
const TUN_FLAG_OPT = { nocsum: '--tun-nocsum', csum: '--tun-csum', remcsum: '--tun-remcsum' } as const;

function tunnelOf(d: DestSnapshot): TunnelOptions {
  return d.options.tunnel ?? { type: 'ipip', csum: 'nocsum' };
}

/** fwd_tun_info(): the TunnelInfo column (snprintf into 16 bytes), or "n/a". */
function tunInfo(d: DestSnapshot): string {
  if (d.options.forwarding !== 'tunnel') return 'n/a';
  const t = tunnelOf(d);
  let s: string;
  if (t.type === 'ipip') s = 'ipip';
  else if (t.type === 'gue') s = `gue:${t.port ?? 0}:${TUN_FLAG[t.csum]}`;
  else s = `gre:${TUN_FLAG[t.csum]}`;
  return s.slice(0, 15);
}

/**
 * addrport_to_anyname(): "addr:port" with -n; without, the host name gethostbyaddr() gives (else
 * the address) and the service name getservbyport() gives for a TCP or UDP service (else the port),
 * in a 60-byte buffer.
 */
export function addrPort(addr: string, port: number, proto: ServiceProto | undefined, numeric: boolean, resolver: Resolver): string {
  // an IPv6 address goes in brackets, "[2001:db8::1]:80"
  const v6 = isV6(addr);
  const [open, close] = v6 ? ['[', ']'] : ['', ''];
  if (numeric) return `${open}${addr}${close}:${port}`;
  // the resolver knows IPv4 hosts only: an IPv6 address stays a number, as without a hosts entry
  const host = (v6 ? undefined : resolver.hostByAddr(aton(addr))) ?? addr;
  const serv = (proto === undefined ? undefined : resolver.servByPort(port, proto)) ?? String(port);
  return `${open}${host}${close}:${serv}`.slice(0, 59);
}

/** Whether snapshot address text is IPv6 (it has a colon; dotted IPv4 never does). */
export function isV6(addr: string): boolean {
  return addr.includes(':');
}

/** The service's family: a fwmark key's af, else its address's. */
function serviceIsV6(key: ServiceKey): boolean {
  return key.kind === 'fwmark' ? key.af === AF_INET6 : isV6(key.addr);
}

/** The protocol ipvsadm names ports with: none for a fwmark service (the kernel's netlink dump of one carries no protocol). */
function protoOf(key: ServiceKey): ServiceProto | undefined {
  return key.kind === 'fwmark' ? undefined : key.kind;
}

/** The svc_name ipvsadm builds for a service: "TCP  1.2.3.4:80", "FWM  5", or "-t 1.2.3.4:80". */
function serviceName(key: ServiceKey, f: ListFormat, resolver: Resolver): string {
  const rule = f.rule;
  if (key.kind === 'fwmark') {
    // ipvsadm 1.31 prints the mark with %d (the %u fix came after the release)
    const v6 = key.af === AF_INET6;
    return rule ? `-f ${i32(key.fwmark)}${v6 ? ' -6' : ''}` : `FWM  ${i32(key.fwmark)}${v6 ? ' IPv6' : ''}`;
  }
  const vname = addrPort(key.addr, key.port, key.kind, f.numeric, resolver);
  if (rule) return `${key.kind === 'tcp' ? '-t' : '-u'} ${vname}`;
  const name = `${left(key.kind === 'tcp' ? 'TCP' : 'UDP', 4)} ${vname}`;
  // only an IPv4 service's name is cut to 33 characters
  return isV6(key.addr) ? name : name.slice(0, 33);
}

/** print_service_entry(): the service line and its real servers. */
export function formatServiceEntry(svc: ServiceSnapshot, f: ListFormat, resolver: Resolver = systemResolver()): string {
  const name = serviceName(svc.key, f, resolver);
  const o = svc.options;
  const bits = schedFlagBits(o.schedFlags);
  const flags = schedFlagNames(o.scheduler, bits).join(',');
  let out: string;
  if (f.rule) {
    out = `-A ${name} -s ${o.scheduler}`;
    if (o.persistence) {
      out += ` -p ${u32(o.persistence.timeout)}`;
      if (o.persistence.netmask !== fullMask(svc.key)) out += ` -M ${o.persistence.netmask}`;
    }
    if (o.pe) out += ` --pe ${o.pe}`;
    if (o.ops) out += ' -o';
    if (bits) out += ` -b ${flags}`;
  } else if (f.stats) {
    const s = svc.stats;
    out = left(name, 33) + [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map((v) => largeNum(v, f.exact)).join('');
  } else if (f.rate) {
    const s = svc.rate;
    out = left(name, 33) + [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map((v) => largeNum(v, f.exact)).join('');
  } else {
    out = `${name} ${o.scheduler}`;
    if (bits) out += ` (${flags})`;
    if (o.persistence) {
      out += ` persistent ${u32(o.persistence.timeout)}`;
      if (o.persistence.netmask !== fullMask(svc.key)) out += ` mask ${o.persistence.netmask}`;
      if (o.pe) out += ` pe ${o.pe}`;
    }
    if (o.ops) out += ' ops';
  }
  out += '\n';

  const dests = f.nosort ? svc.dests : glibcMsort(svc.dests, cmpDests);
  for (const d of dests) out += formatDest(name, d, f, addrPort(d.addr, d.port, protoOf(svc.key), f.numeric, resolver));
  return out;
}

/** The netmask ipvsadm leaves out: 255.255.255.255, or prefix length 128 for an IPv6 service. */
function fullMask(key: ServiceKey): string {
  return serviceIsV6(key) ? '128' : '255.255.255.255';
}

function formatDest(svcName: string, d: DestSnapshot, f: ListFormat, full: string): string {
  // an IPv4 real server's name is cut to 28 characters, an IPv6 one's is not
  const dname = f.rule || isV6(d.addr) ? full : full.slice(0, 28);
  const o = d.options;
  if (f.rule) {
    const head = `-a ${svcName} -r ${dname} ${FWD_SWITCH[o.forwarding]} -w ${i32(o.weight)}`;
    if (o.forwarding !== 'tunnel') return `${head}\n`;
    const t = tunnelOf(d);
    if (t.type === 'gre') return `${head} --tun-type gre ${TUN_FLAG_OPT[t.csum]}\n`;
    if (t.type === 'gue') return `${head} --tun-type gue --tun-port ${t.port ?? 0} ${TUN_FLAG_OPT[t.csum]}\n`;
    return `${head} --tun-type ipip\n`;
  }
  if (f.stats) {
    const s = d.stats;
    return `  -> ${left(dname, 28)}${[s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map((v) => largeNum(v, f.exact)).join('')}\n`;
  }
  if (f.rate) {
    const s = d.rate;
    // the first three rate columns are plain "%8llu", not print_largenum
    return `  -> ${left(dname, 28)} ${right(u64(s.conns), 8)} ${right(u64(s.inPkts), 8)} ${right(u64(s.outPkts), 8)}${largeNum(s.inBytes, f.exact)}${largeNum(s.outBytes, f.exact)}\n`;
  }
  if (f.thresholds) {
    return `  -> ${left(dname, 28)} ${left(u32(o.uThreshold), 10)} ${left(u32(o.lThreshold), 10)} ${left(u32(d.activeConns), 10)} ${left(u32(d.inactConns), 10)}\n`;
  }
  if (f.persistentConn) {
    return `  -> ${left(dname, 28)} ${left(u32(o.weight), 9)} ${left(u32(d.persistConns), 11)} ${left(u32(d.activeConns), 10)} ${left(u32(d.inactConns), 10)}\n`;
  }
  if (f.tunInfo) {
    return `  -> ${left(dname, 28)} ${left(FWD_NAME[o.forwarding], 7)} ${left(tunInfo(d), 13)} ${left(i32(o.weight), 6)} ${left(u32(d.activeConns), 10)} ${left(u32(d.inactConns), 10)}\n`;
  }
  return `  -> ${left(dname, 28)} ${left(FWD_NAME[o.forwarding], 7)} ${left(i32(o.weight), 6)} ${left(u32(d.activeConns), 10)} ${left(u32(d.inactConns), 10)}\n`;
}

/** list_all(): version header (not with -S), title, every service in ipvsadm's order. */
export function formatListAll(snapshot: IpvsSnapshot, f: ListFormat, resolver: Resolver = systemResolver()): string {
  let out = f.rule ? '' : `IP Virtual Server version ${IPVS_VERSION} (size=${snapshot.tableSize})\n`;
  const services = f.nosort ? snapshot.services : glibcMsort(snapshot.services, cmpServices);
  out += title(f);
  for (const s of services) out += formatServiceEntry(s, f, resolver);
  return out;
}

/** Whether a snapshot service is the one a -t/-u/-f key names (ipvs_get_service's lookup). */
export function sameService(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark' || b.kind === 'fwmark') {
    return a.kind === 'fwmark' && b.kind === 'fwmark' && u32(a.fwmark) === u32(b.fwmark) && (a.af ?? AF_INET) === (b.af ?? AF_INET);
  }
  return a.kind === b.kind && canonicalAddr(a.addr) === canonicalAddr(b.addr) && a.port === b.port;
}

/** list_service(): title and one service, no version header; undefined when there is no such service. */
export function formatListService(snapshot: IpvsSnapshot, key: ServiceKey, f: ListFormat, resolver: Resolver = systemResolver()): string | undefined {
  const svc = snapshot.services.find((s) => sameService(s.key, key));
  if (!svc) return undefined;
  return title(f) + formatServiceEntry(svc, f, resolver);
}
