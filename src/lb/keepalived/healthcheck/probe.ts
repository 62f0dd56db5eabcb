// The probes keepalived's checkers send, from the namespace the checker runs in (the director's):
// TCP_CHECK connects (check_tcp.c); HTTP_GET and SSL_GET send keepalived's plain HTTP/1.0 GET for
// each url, over TCP or TLS (node:tls, certificate not verified, as keepalived without a CA), and
// check the status and the body's MD5 (check_http.c, check_ssl.c); MISC_CHECK runs the script with
// misc_timeout and reads its exit code (check_misc.c). Results in keepalived's terms: state.ts.
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';
import type { ResolvedHttpProbe, ResolvedMiscProbe, ResolvedProbe } from './plan.js';
import type { FailReason, ProbeResult } from './state.js';
import { digestMatches } from './digest.js';
import { miscVerdict } from './misc.js';

export type Prober = (probe: ResolvedProbe) => Promise<ProbeResult>;

type Failure = Extract<ProbeResult, { ok: false }>;
const fail = (reason: FailReason, error: string, code?: number): Failure => ({ ok: false, reason, error, ...(code !== undefined ? { code } : {}) });

/** TCP_CHECK: a connect within the timeout, then close. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(fail('timeout', `timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(fail('refused', e.code ?? e.message));
    });
  });
}

/** One GET as keepalived sends it; resolves with the status and body, or why it failed. */
function fetchUrl(p: ResolvedHttpProbe, path: string): Promise<{ status: number; body: Buffer } | Failure> {
  return new Promise((resolve) => {
    const hostHeader = p.virtualhost ?? (p.host.includes(':') ? `[${p.host}]` : p.host);
    const sock = p.tls
      ? tls.connect({ host: p.host, port: p.port, rejectUnauthorized: false, ...(p.virtualhost ? { servername: p.virtualhost } : {}) })
      : net.connect({ host: p.host, port: p.port });
    const chunks: Buffer[] = [];
    let connected = false;
    let done = false;
    const finish = (r: { status: number; body: Buffer } | Failure) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(fail(connected ? 'read-timeout' : 'connect-timeout', `timeout after ${p.timeoutMs} ms`)), p.timeoutMs);
    sock.once(p.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      sock.write(`GET ${path} HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: ${hostHeader}\r\n\r\n`);
    });
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.once('end', () => {
      const all = Buffer.concat(chunks);
      const head = all.indexOf('\r\n\r\n');
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(all.subarray(0, Math.max(0, head)).toString('latin1'));
      if (head < 0 || !m) finish(fail(p.tls ? 'tls' : 'read-timeout', 'no HTTP response'));
      else finish({ status: Number(m[1]), body: all.subarray(head + 4) });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => finish(fail(p.tls && !['ECONNREFUSED', 'EHOSTUNREACH'].includes(e.code ?? '') ? 'tls' : 'connect', e.code ?? e.message)));
  });
}

/** HTTP_GET / SSL_GET: every url answers an allowed status, and its digest when one is given. */
export async function httpProbe(p: ResolvedHttpProbe): Promise<ProbeResult> {
  for (const u of p.urls) {
    const r = await fetchUrl(p, u.path);
    if ('ok' in r) return r;
    if (!u.status(r.status)) return fail('status', `status ${r.status} for ${u.path}`);
    if (!digestMatches(r.body, u.digest)) return fail('digest', `digest mismatch for ${u.path}`);
  }
  return { ok: true };
}

/** MISC_CHECK: run the script through the shell, killed after misc_timeout; its exit code decides. */
export function miscProbe(p: ResolvedMiscProbe): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', p.script], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      // the script and whatever it started
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, p.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(fail('exit', e.message, 127));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve(fail('signal', `killed by ${signal}`, signal === 'SIGKILL' ? 9 : 15));
      const v = miscVerdict(code ?? 1, p.dynamic);
      resolve(v.ok ? { ok: true, ...(v.weight !== undefined ? { weight: v.weight } : {}) } : fail('exit', `exit ${code}`, code ?? 1));
    });
  });
}

/** Notify and quorum scripts: run through the shell, bounded in time, exit ignored (as keepalived). */
export function runScript(script: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const defaultProber: Prober = (p) => (p.kind === 'tcp' ? tcpProbe(p.host, p.port, p.timeoutMs) : p.kind === 'http' ? httpProbe(p) : miscProbe(p));
