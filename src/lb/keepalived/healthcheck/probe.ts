// The probes keepalived's checkers send, from the namespace the checker runs in (the director's):
// TCP_CHECK connects (check_tcp.c), HTTP_GET fetches each url and compares the status (check_http.c).
import net from 'node:net';
import { request } from 'undici';
import type { ResolvedProbe } from './plan.js';

export type ProbeResult = { ok: true } | { ok: false; error: string };
export type Prober = (probe: ResolvedProbe) => Promise<ProbeResult>;

/** TCP_CHECK: a connect within the timeout, then close. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: false, error: e.code ?? e.message });
    });
  });
}

/** HTTP_GET: every url answers an allowed status within the timeout. Digests are not checked. */
async function httpProbe(p: Extract<ResolvedProbe, { kind: 'http' }>): Promise<ProbeResult> {
  const hostPart = p.host.includes(':') ? `[${p.host}]` : p.host;
  for (const u of p.urls) {
    try {
      const res = await request(`http://${hostPart}:${p.port}${u.path}`, {
        method: 'GET',
        signal: AbortSignal.timeout(p.timeoutMs),
        headers: { connection: 'close', ...(p.virtualhost ? { host: p.virtualhost } : {}) },
      });
      await res.body.dump();
      if (!u.status(res.statusCode)) return { ok: false, error: `status ${res.statusCode} for ${u.path}` };
    } catch (e) {
      return { ok: false, error: (e as Error).name === 'TimeoutError' ? `timeout after ${p.timeoutMs} ms` : ((e as NodeJS.ErrnoException).code ?? (e as Error).message) };
    }
  }
  return { ok: true };
}

export const defaultProber: Prober = (p) => (p.kind === 'tcp' ? tcpProbe(p.host, p.port, p.timeoutMs) : httpProbe(p));
