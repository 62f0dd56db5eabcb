// Probe targets as people write them: `http://192.168.1.112/`, `192.168.1.112:9999`, `192.168.1.112`,
// and in IPv6 `http://[2001:db8::112]/`, `[2001:db8::112]:9999`, `2001:db8::112` (brackets wherever
// a port may follow, as in URLs, RFC 3986). The host comes back without brackets.
import { isIPv6 } from 'node:net';

export interface Target {
  host: string;
  port?: number;
  path?: string;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

export function parseTarget(target: string, what = 'target'): Target {
  if (typeof target !== 'string' || target.trim() === '') throw new TargetError(`${what}: expected an address, host:port or URL, got '${String(target)}'`);
  const t = target.trim();
  const url = /^(https?|udp):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:[\]]+)(?::(\d+))?(\/.*)?$/.exec(t);
  if (url) {
    if (url[1] === 'https') throw new TargetError(`${what}: https is not probed (the lab's HTTP services are plain HTTP): '${t}'`);
    return { host: unbracket(url[2]), ...(url[3] ? { port: port(url[3], t, what) } : {}), ...(url[4] ? { path: url[4] } : {}) };
  }
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^/:[\]]+):(\d+)$/.exec(t);
  if (hp) return { host: unbracket(hp[1]), port: port(hp[2], t, what) };
  if (/^[^/:\s[\]]+$/.test(t)) return { host: t };
  // a bare IPv6 address: colons but no brackets, so no port
  if (/^[0-9A-Fa-f:.]+$/.test(t) && isIPv6(t)) return { host: t };
  if (/^\[[0-9A-Fa-f:.]+\]$/.test(t)) return { host: unbracket(t) };
  throw new TargetError(`${what}: '${t}' is not an address, host:port or http:// URL`);
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

function port(text: string, whole: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new TargetError(`${what}: port ${text} in '${whole}' is outside 1-65535`);
  return n;
}
