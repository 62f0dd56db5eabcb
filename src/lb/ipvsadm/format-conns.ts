// `ipvsadm -L -c` (list_conn/print_conn): ipvsadm reads /proc/net/ip_vs_conn and reprints each row.
// Rows come in the kernel's hash-table order, which is not stable between runs; lvslab prints them in
// snapshot order, so compare -c output as a set of lines.
import type { ConnSnapshot } from '../ipvs/types.js';
import { addrPort, isV6 } from './format-services.js';
import { left } from './printf.js';
import { ntoa } from './numbers.js';
import { type Resolver, systemResolver } from './resolver.js';

export function formatExpires(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds)) >>> 0;
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}

/**
 * One row of /proc/net/ip_vs_conn as print_conn() shows it; without -n (`numeric` false) each
 * address:port as addrport_to_anyname() names it, ports of "IP" rows staying numbers.
 */
export function formatConnRow(c: ConnSnapshot, numeric = true, resolver: Resolver = systemResolver()): string {
  // A fwmark service's persistence template is keyed by the mark, not a protocol: the kernel makes
  // it with IPPROTO_IP ("IP", state "NONE") and the mark in the virtual address.
  const fwmTemplate = c.template && c.fwmark !== undefined;
  const proto = fwmTemplate ? 'IP' : c.protocol === 'tcp' ? 'TCP' : 'UDP';
  const names = fwmTemplate ? undefined : c.protocol;
  const name = (addr: string, port: number): string => addrPort(addr, port, names, numeric, resolver);
  // (an IPv6 one's mark sits in the first word of an IPv6 address, which stays IPv6 text)
  const vname = fwmTemplate ? name(isV6(c.virtual.addr) ? c.virtual.addr : ntoa(c.fwmark!), 0) : name(c.virtual.addr, c.virtual.port);
  const cname = name(c.client.addr, c.client.port);
  const dname = name(c.dest.addr, c.dest.port);
  return `${left(proto, 3)} ${left(formatExpires(c.expiresIn), 6)} ${left(c.state, 11)} ${left(cname, 18)} ${left(vname, 18)} ${dname}\n`;
}

/** list_conn(): the header and every connection (templates included, as /proc lists them). */
export function formatConnections(conns: readonly ConnSnapshot[], persistentConn: boolean, numeric = true, resolver: Resolver = systemResolver()): string {
  let out = 'IPVS connection entries\n';
  out += persistentConn
    ? `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} ${left('destination', 18)} ${left('pe name', 16)} pe_data\n`
    : `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} destination\n`;
  // Rows only get the pe columns when the kernel printed pe data (a --pe sip service), which the
  // embedded IPVS does not have: every row uses the plain layout.
  for (const c of conns) out += formatConnRow(c, numeric, resolver);
  return out;
}
