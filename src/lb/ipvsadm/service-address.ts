// ipvsadm's parse_service(): "host[:port]" for -t/-u/-r. A host that is not an inet_aton() address
// is asked of gethostbyname(), a port that is not a number of getservbyname() for the protocol the
// service has at that point of argv (none before -t/-u/-f: then only numbers do), through the
// resolver (resolver.ts).
import { isIPv6 } from 'node:net';
import { inetAton, stringToNumber } from './numbers.js';
import type { Resolver } from './resolver.js';

/** parse_service()'s result: 0 nothing, 1 address, 3 address and port (SERVICE_ADDR|SERVICE_PORT). */
export type ServiceParse =
  | { result: 0; reason: 'invalid' | 'ipv6' }
  | { result: 1 | 3; addr: number; port?: number };

/** True when every character is a digit (also for ""), as str_is_digit() answers. */
function strIsDigit(s: string): boolean {
  return /^[0-9]*$/.test(s);
}

/** inet_pton(AF_INET6) acceptance (node's isIPv6 also takes zone ids, inet_pton does not). */
function isInet6(s: string): boolean {
  return isIPv6(s) && !s.includes('%');
}

/** host_to_addr(): inet_aton() first, then gethostbyname(). */
export function hostToAddr(host: string, resolver: Resolver): number | undefined {
  return inetAton(host) ?? resolver.hostByName(host);
}

export function parseService(buf: string, proto: 'tcp' | 'udp' | undefined, resolver: Resolver): ServiceParse {
  if (strIsDigit(buf)) return { result: 0, reason: 'invalid' };
  if (buf[0] === '[' || isInet6(buf)) return { result: 0, reason: 'ipv6' };
  const colon = buf.lastIndexOf(':');
  const host = colon >= 0 ? buf.slice(0, colon) : buf;
  const addr = hostToAddr(host, resolver);
  if (addr === undefined) return { result: 0, reason: 'invalid' };
  if (colon < 0) return { result: 1, addr };
  const portText = buf.slice(colon + 1);
  let port: number | undefined = stringToNumber(portText, 0, 65535);
  // service_to_port(): only a TCP or UDP service looks the name up
  if (port === -1) port = proto === undefined ? undefined : resolver.servByName(portText, proto);
  if (port === undefined) return { result: 0, reason: 'invalid' };
  return { result: 3, addr, port };
}

/** The extra line lvslab adds under ipvsadm's message for what the embedded IPVS lacks. */
export const IPV6_HINT = 'lvslab: the embedded IPVS supports IPv4 only';
