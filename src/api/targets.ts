// Probe targets as people write them: `http://192.168.1.112/`, `192.168.1.112:9999`, `192.168.1.112`.
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
  const url = /^(https?|udp):\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(t);
  if (url) {
    if (url[1] === 'https') throw new TargetError(`${what}: https is not probed (the lab's HTTP services are plain HTTP): '${t}'`);
    return { host: url[2], ...(url[3] ? { port: port(url[3], t, what) } : {}), ...(url[4] ? { path: url[4] } : {}) };
  }
  const hp = /^([^/:]+):(\d+)$/.exec(t);
  if (hp) return { host: hp[1], port: port(hp[2], t, what) };
  if (/^[^/:\s]+$/.test(t)) return { host: t };
  throw new TargetError(`${what}: '${t}' is not an address, host:port or http:// URL`);
}

function port(text: string, whole: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new TargetError(`${what}: port ${text} in '${whole}' is outside 1-65535`);
  return n;
}
