// ipvsadm's parse_service(): "host[:port]" or "[ipv6]:port" (or a bare IPv6 address, no port) for
// -t/-u/-r. IPv6 is tried first (inet_pton); otherwise the text after the last colon is the port, and
// a host that is not an inet_aton() address is asked of gethostbyname(), a port that is not a number
// of getservbyname() for the protocol the service has at that point of argv (none before -t/-u/-f:
// then only numbers do), through the resolver (resolver.ts).
import { parseIPv6 } from '../ipvs/addr.js';
import { AF_INET, AF_INET6, type AddressFamily, type In6Addr } from '../ipvs/types.js';
import { inetAton, stringToNumber } from './numbers.js';
import type { Resolver } from './resolver.js';

/**
 * parse_service()'s result: 0 nothing, 1 address, 3 address and port (SERVICE_ADDR|SERVICE_PORT).
 * An IPv6 address comes in `addr6` (with `addr` 0); parse_service then also resets the service's
 * netmask to 128.
 */
export type ServiceParse =
  | { result: 0; reason: 'invalid' }
  | { result: 1 | 3; af: AddressFamily; addr: number; addr6: In6Addr | null; port?: number };

/** True when every character is a digit (also for ""), as str_is_digit() answers. */
function strIsDigit(s: string): boolean {
  return /^[0-9]*$/.test(s);
}

/** inet_pton(AF_INET6): the address, or undefined. */
function inetPton6(s: string): In6Addr | undefined {
  try {
    return parseIPv6(s);
  } catch {
    return undefined;
  }
}

/** host_to_addr(): inet_aton() first, then gethostbyname(). */
export function hostToAddr(host: string, resolver: Resolver): number | undefined {
  return inetAton(host) ?? resolver.hostByName(host);
}

export function parseService(buf: string, proto: 'tcp' | 'udp' | undefined, resolver: Resolver): ServiceParse {
  if (strIsDigit(buf)) return { result: 0, reason: 'invalid' };
  // "[addr]:port": the brackets must close and be followed by a colon; the address is what was
  // between them, the port what follows the colon
  let portText: string | undefined;
  if (buf[0] === '[') {
    const close = buf.indexOf(']');
    if (close < 0 || buf[close + 1] !== ':') return { result: 0, reason: 'invalid' };
    portText = buf.slice(close + 2);
    buf = buf.slice(1, close);
  }
  let af: AddressFamily;
  let addr: number;
  let addr6: In6Addr | null = null;
  const a6 = inetPton6(buf);
  if (a6 !== undefined) {
    af = AF_INET6;
    addr = 0;
    addr6 = a6;
  } else {
    // not IPv6: the port is after the last colon of what is left — inside brackets there is none,
    // so "[10.0.0.1]:80" loses its port (ipvsadm's strrchr runs on the cut string)
    const colon = buf.lastIndexOf(':');
    portText = colon >= 0 ? buf.slice(colon + 1) : undefined;
    const host = colon >= 0 ? buf.slice(0, colon) : buf;
    const a = hostToAddr(host, resolver);
    if (a === undefined) return { result: 0, reason: 'invalid' };
    af = AF_INET;
    addr = a;
  }
  if (portText === undefined) return { result: 1, af, addr, addr6 };
  let port: number | undefined = stringToNumber(portText, 0, 65535);
  // service_to_port(): only a TCP or UDP service looks the name up
  if (port === -1) port = proto === undefined ? undefined : resolver.servByName(portText, proto);
  if (port === undefined) return { result: 0, reason: 'invalid' };
  return { result: 3, af, addr, addr6, port };
}
