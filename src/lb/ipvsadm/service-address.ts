// ipvsadm's parse_service(): "host[:port]" for -t/-u/-r. Numeric only: ipvsadm would also try
// gethostbyname()/getservbyname(), which lvslab does not (a lab's answers must not depend on the
// resolver of the machine running it), so a name fails with ipvsadm's message plus a line saying why.
import { isIPv6 } from 'node:net';
import { inetAton, stringToNumber } from './numbers.js';

/** parse_service()'s result: 0 nothing, 1 address, 3 address and port (SERVICE_ADDR|SERVICE_PORT). */
export type ServiceParse =
  | { result: 0; reason: 'invalid' | 'name' | 'ipv6' }
  | { result: 1 | 3; addr: number; port?: number };

/** True when every character is a digit (also for ""), as str_is_digit() answers. */
function strIsDigit(s: string): boolean {
  return /^[0-9]*$/.test(s);
}

/** inet_pton(AF_INET6) acceptance (node's isIPv6 also takes zone ids, inet_pton does not). */
function isInet6(s: string): boolean {
  return isIPv6(s) && !s.includes('%');
}

/** Text gethostbyname()/getservbyname() could have answered: a name with at least one letter. */
export function looksLikeName(s: string): boolean {
  return /[A-Za-z]/.test(s) && /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(s);
}

export function parseService(buf: string): ServiceParse {
  if (strIsDigit(buf)) return { result: 0, reason: 'invalid' };
  if (buf[0] === '[' || isInet6(buf)) return { result: 0, reason: 'ipv6' };
  const colon = buf.lastIndexOf(':');
  const host = colon >= 0 ? buf.slice(0, colon) : buf;
  const addr = inetAton(host);
  if (addr === undefined) {
    // gethostbyname() would have been asked; say so when the text could be a name.
    return { result: 0, reason: looksLikeName(host) ? 'name' : 'invalid' };
  }
  if (colon < 0) return { result: 1, addr };
  const portText = buf.slice(colon + 1);
  const port = stringToNumber(portText, 0, 65535);
  if (port === -1) return { result: 0, reason: looksLikeName(portText) ? 'name' : 'invalid' };
  return { result: 3, addr, port };
}

/** The extra line lvslab adds under ipvsadm's message when it refused to resolve a name. */
export const NAME_HINT = 'lvslab: host and service names are not resolved here; give a numeric address and port';
export const IPV6_HINT = 'lvslab: the embedded IPVS supports IPv4 only';
