// The client's probes, run inside its namespace: HTTP through undici, UDP through dgram-as-promised
// (node:dgram with bind, send, recv and close as promises), every socket opened in the host's
// namespace (netns.ts) and handed to Node. Every loop is bounded in count and time, stops when the
// host's agent stops, and every result names the real server that answered.
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, isIPv4, type Socket as NetSocket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool, errors, type buildConnector } from 'undici';
import type { NamespaceSockets } from './netns.js';
import {
  identityFromBody,
  type ContinuousProbeOptions,
  type HttpProbeOptions,
  type HttpProbeResult,
  type Timeline,
  type TimelineEntry,
  type UdpFileOptions,
  type UdpFileResult,
  type UdpProbeOptions,
  type UdpProbeResult,
} from './protocol.js';

export class ProbeOptionError extends Error {
  override name = 'ProbeOptionError';
}

/** What a probe runs with: its host's sockets, and a signal that fires when the host's agent stops. */
export interface ProbeContext {
  sockets: Pick<NamespaceSockets, 'tcp' | 'udpBound'>;
  signal?: AbortSignal;
}

/**
 * Agents resolve no names: a lookup would run on the libuv thread pool, in the process's namespace
 * rather than the host's (netns.ts). Targets and source addresses are IPv4 literals.
 */
function literal(name: string, value: string): string {
  if (!isIPv4(value)) throw new ProbeOptionError(`${name} must be an IPv4 address (got '${value}'): agents resolve no names`);
  return value;
}

function stopped(ctx: ProbeContext): void {
  if (ctx.signal?.aborted) throw new ProbeOptionError('the host\'s agent stopped');
}

function bounded(name: string, value: number | undefined, dflt: number, min: number, max: number): number {
  const v = value ?? dflt;
  if (!Number.isFinite(v) || v < min || v > max) throw new ProbeOptionError(`${name} must be between ${min} and ${max} (got ${value})`);
  return v;
}

function addressList(a: string | string[] | undefined): Array<string | undefined> {
  if (a === undefined) return [undefined];
  const list = Array.isArray(a) ? a : [a];
  for (const x of list) literal('localAddress', x);
  return list.length > 0 ? list : [undefined];
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.cause?.code ?? e.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  return code ? `${code}` : (e.message ?? String(err));
}

/** Run `count` tasks with at most `concurrency` at once (none started once `signal` fired). */
async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>, ctx: ProbeContext): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      stopped(ctx);
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

type Connector = buildConnector.connector;

/**
 * Our connector: a TCP socket opened in the host's namespace, then net.connect on it with the source
 * address and (when fixed) the source port set here, from the probe's own choice (undici never
 * opens a socket of its own). Mirrors undici's connector otherwise: keep-alive, no delay, a connect
 * timeout. Tells `onSocket` which local port each new connection got.
 */
function probeConnector(ctx: ProbeContext, timeoutMs: number, localAddress: string | undefined, localPort: number | undefined, onSocket?: (port: number) => void): Connector {
  return (opts, cb) => {
    const port = Number(opts.port) || 80;
    let socket: NetSocket;
    try {
      stopped(ctx);
      const host = literal('target', opts.hostname);
      const fd = ctx.sockets.tcp();
      try {
        socket = netConnect({ fd, host, port, ...(localAddress ? { localAddress } : {}), ...(localPort ? { localPort } : {}) });
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    } catch (err) {
      queueMicrotask(() => cb(err as Error, null));
      return;
    }
    socket.setKeepAlive(true, 60_000).setNoDelay(true);
    let pending = true;
    const settle = (err: Error | null) => {
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      if (err) cb(err, null);
      else cb(null, socket);
    };
    const timer = setTimeout(() => {
      settle(new errors.ConnectTimeoutError(`connect timeout (${opts.hostname}:${port}, ${timeoutMs} ms)`));
      socket.destroy();
    }, timeoutMs);
    socket.once('connect', () => {
      onSocket?.(socket.localPort ?? 0);
      settle(null);
    });
    socket.on('error', (err) => settle(err));
  };
}

/**
 * A fixed source port that cannot be had. libuv binds with SO_REUSEADDR, so bind() succeeds even
 * while an earlier connection from that port sits in TIME_WAIT (60 s on Linux; the side that closed
 * first holds it, and our probes close first, like curl); connect() to the same destination then
 * fails with EADDRNOTAVAIL, since the 4-tuple is taken (net.ipv4.tcp_tw_reuse only lifts that for
 * loopback by default). A port bound by a live listener fails bind() with EADDRINUSE. Both come
 * back at once as an error naming the port, not as a hang or a timeout.
 */
function sourcePortError(code: string, src: string | undefined, port: number, target: string): string {
  const from = `${src ?? '*'}:${port}`;
  if (code === 'EADDRNOTAVAIL') return `EADDRNOTAVAIL: source ${from} -> ${target} is still taken (TIME_WAIT of an earlier connection from that port)`;
  return `EADDRINUSE: source ${from} is in use`;
}

/** Serialise work per key: requests from one fixed source port cannot overlap (one 4-tuple). */
export function keyedLock(): (key: string, task: () => Promise<unknown>) => Promise<void> {
  const tails = new Map<string, Promise<void>>();
  return async (key, task) => {
    const prev = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    tails.set(key, prev.then(() => mine));
    await prev;
    try {
      await task();
    } finally {
      release();
    }
  };
}

function sourcePortList(ports: number | number[] | undefined): Array<number | undefined> {
  if (ports === undefined) return [undefined];
  const list = Array.isArray(ports) ? ports : [ports];
  if (list.length === 0) return [undefined];
  if (list.length > 1024) throw new ProbeOptionError(`localPort: at most 1024 source ports (got ${list.length})`);
  for (const p of list) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new ProbeOptionError(`localPort must be between 1 and 65535 (got ${p})`);
  }
  return list;
}

export async function httpProbes(o: HttpProbeOptions, ctx: ProbeContext): Promise<HttpProbeResult[]> {
  const count = bounded('count', o.count, 1, 1, 10_000);
  const concurrency = bounded('concurrency', o.concurrency, 1, 1, 64);
  const timeoutMs = bounded('timeoutMs', o.timeoutMs, 2000, 1, 60_000);
  const port = bounded('port', o.port, 80, 1, 65535);
  const path = o.path ?? '/';
  if (!path.startsWith('/')) throw new ProbeOptionError(`path must start with '/' (got '${path}')`);
  const origin = `http://${literal('target', o.target)}:${port}`;
  const sources = addressList(o.localAddress);
  const ports = sourcePortList(o.localPort);
  const lock = keyedLock();

  // Keep-alive: one dispatcher per source (address, and port when fixed), reused by every request
  // from it. A fixed port is a single connection, so its dispatcher is a Client, not a Pool.
  const kept = new Map<string, Pool | Client>();
  const keptFor = (src: string | undefined, lport: number | undefined) => {
    const key = `${src ?? ''}|${lport ?? ''}`;
    let d = kept.get(key);
    if (!d) {
      d = lport
        ? new Client(origin, { pipelining: 1, connect: probeConnector(ctx, timeoutMs, src, lport) })
        : new Pool(origin, { connections: concurrency, connect: probeConnector(ctx, timeoutMs, src, undefined) });
      kept.set(key, d);
    }
    return d;
  };

  const one = async (index: number, src: string | undefined, lport: number | undefined): Promise<HttpProbeResult> => {
    const start = Date.now();
    const t0 = performance.now();
    let localPort = lport;
    const seen = (p: number) => (localPort ??= p);
    let client: Client | undefined;
    try {
      const dispatcher = o.keepAlive
        ? keptFor(src, lport)
        : (client = new Client(origin, { pipelining: 1, connect: probeConnector(ctx, timeoutMs, src, lport, seen) }));
      const signal = ctx.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), ctx.signal]) : AbortSignal.timeout(timeoutMs);
      const res = await dispatcher.request({ path, method: 'GET', signal });
      const body = await res.body.text();
      const server = identityFromBody(body);
      return {
        index, start, latencyMs: performance.now() - t0, ok: res.statusCode < 500, status: res.statusCode,
        body: body.length <= 512 ? body : body.slice(0, 512),
        ...(server ? { server } : {}), ...(src ? { localAddress: src } : {}), ...(localPort ? { localPort } : {}),
      };
    } catch (err) {
      const code = errorText(err);
      const error = lport && (code === 'EADDRNOTAVAIL' || code === 'EADDRINUSE') ? sourcePortError(code, src, lport, `${o.target}:${port}`) : code;
      return { index, start, latencyMs: performance.now() - t0, ok: false, error, ...(src ? { localAddress: src } : {}), ...(localPort ? { localPort } : {}) };
    } finally {
      // A fresh connection per request, closed like curl closes it (FIN, not RST).
      if (client) await client.close().catch(() => client?.destroy());
    }
  };

  try {
    return await pooled(count, concurrency, async (index) => {
      const src = sources[index % sources.length];
      const lport = ports[index % ports.length];
      if (lport === undefined) return one(index, src, lport);
      let result!: HttpProbeResult;
      await lock(`${src ?? ''}|${lport}`, async () => (result = await one(index, src, lport)));
      return result;
    }, ctx);
  } finally {
    await Promise.all([...kept.values()].map((p) => p.close().catch(() => p.destroy())));
  }
}

async function bindSocket(ctx: ProbeContext, localAddress: string | undefined, port: number): Promise<SocketAsPromised> {
  stopped(ctx);
  const fd = ctx.sockets.udpBound(localAddress ?? '0.0.0.0', port);
  const sock = DgramAsPromised.createSocket('udp4');
  try {
    await sock.bind({ fd });
  } catch (err) {
    await sock.close().catch(() => {});
    throw err;
  }
  return sock;
}

/**
 * Reads a probe socket's datagrams for as long as it is open, one recv() at a time (it resolves with
 * undefined once the socket closes), handing each to `take`. Each next recv() is in place before the
 * next datagram can be delivered: `take` is synchronous and the loop resumes in the same turn.
 * An error on the socket (ICMP port unreachable surfaces as one on some kernels) is passed over:
 * the wait that expected a reply times out instead.
 */
async function readDatagrams(sock: Pick<SocketAsPromised, 'recv'>, take: (msg: Buffer) => void): Promise<void> {
  for (;;) {
    const packet = await sock.recv().catch(() => null);
    if (packet === undefined) return;
    if (packet) take(packet.msg);
  }
}

/**
 * Waits for replies on a probe socket: a datagram answers the wait in progress (the first within
 * `timeoutMs`, else undefined); one arriving while none is in progress, a late reply to an earlier
 * probe, is dropped rather than taken for the next probe's.
 */
export function replyWaits(sock: Pick<SocketAsPromised, 'recv'>): (timeoutMs: number) => Promise<Buffer | undefined> {
  let waiting: ((msg: Buffer | undefined) => void) | undefined;
  void readDatagrams(sock, (msg) => waiting?.(msg));
  return (timeoutMs) =>
    new Promise((resolve) => {
      const settle = (msg: Buffer | undefined) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(msg);
      };
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      waiting = settle;
    });
}

export async function udpProbes(o: UdpProbeOptions, ctx: ProbeContext): Promise<UdpProbeResult[]> {
  const count = bounded('count', o.count, 1, 1, 10_000);
  const timeoutMs = bounded('timeoutMs', o.timeoutMs, 1000, 1, 60_000);
  const intervalMs = bounded('intervalMs', o.intervalMs, 0, 0, 60_000);
  const port = bounded('port', o.port, 9999, 1, 65535);
  if (o.sourcePort !== undefined) bounded('sourcePort', o.sourcePort, 0, 1, 65535);
  literal('target', o.target);
  const sources = addressList(o.localAddress);
  if (o.sourcePort !== undefined && sources.length > 1) throw new ProbeOptionError('a fixed sourcePort takes a single localAddress');
  const shared = o.sourcePort !== undefined ? await bindSocket(ctx, sources[0], o.sourcePort) : undefined;
  const sharedReply = shared && o.waitReply ? replyWaits(shared) : undefined;
  const out: UdpProbeResult[] = [];
  try {
    for (let index = 0; index < count; index++) {
      if (index > 0 && intervalMs > 0) await sleep(intervalMs);
      stopped(ctx);
      const src = sources[index % sources.length];
      const start = Date.now();
      const t0 = performance.now();
      let sock: SocketAsPromised | undefined;
      try {
        sock = shared ?? (await bindSocket(ctx, src, 0));
        const localPort = sock.address().port;
        const replyP = o.waitReply ? (sharedReply ?? replyWaits(sock))(timeoutMs) : undefined;
        await sock.send(o.payload ?? `probe ${index}\n`, port, o.target);
        const base = { index, start, ...(src ? { localAddress: src } : {}), localPort };
        if (!replyP) {
          out.push({ ...base, latencyMs: performance.now() - t0, ok: true });
        } else {
          const reply = await replyP;
          const latencyMs = performance.now() - t0;
          if (!reply) out.push({ ...base, latencyMs, ok: false, error: 'timeout' });
          else {
            const text = reply.toString('utf8');
            out.push({ ...base, latencyMs, ok: true, reply: text, server: text.trim().split('\n')[0] });
          }
        }
      } catch (err) {
        out.push({ index, start, latencyMs: performance.now() - t0, ok: false, error: errorText(err), ...(src ? { localAddress: src } : {}) });
      } finally {
        if (sock && !shared) await sock.close();
      }
    }
  } finally {
    await shared?.close();
  }
  return out;
}

/** Like `nc -u -w 1 TARGET PORT < file`: the file's bytes as datagrams from one source port. */
export async function udpFile(o: UdpFileOptions, ctx: ProbeContext): Promise<UdpFileResult> {
  const port = bounded('port', o.port, 9999, 1, 65535);
  const chunk = bounded('chunkSize', o.chunkSize, 1024, 1, 65_507);
  const waitMs = bounded('waitMs', o.waitMs, 1000, 0, 60_000);
  literal('target', o.target);
  if (o.localAddress !== undefined) literal('localAddress', o.localAddress);
  let data: Buffer;
  try {
    data = await readFile(o.file);
  } catch (err) {
    throw new ProbeOptionError(`cannot read '${o.file}': ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (data.length > 64 << 20) throw new ProbeOptionError(`'${o.file}' is larger than 64 MiB`);
  const sock = await bindSocket(ctx, o.localAddress, o.sourcePort ?? 0);
  const replies: string[] = [];
  void readDatagrams(sock, (m) => replies.length < 10_000 && replies.push(m.toString('utf8')));
  try {
    let datagrams = 0;
    for (let off = 0; off < data.length || datagrams === 0; off += chunk) {
      stopped(ctx);
      await sock.send(data.subarray(off, off + chunk), port, o.target);
      datagrams++;
      if (data.length === 0) break;
    }
    if (waitMs > 0) await sleep(waitMs);
    const server = replies[0]?.trim().split('\n')[0];
    return { bytes: data.length, datagrams, localAddress: sock.address().address, localPort: sock.address().port, replies, ...(server ? { server } : {}) };
  } finally {
    await sock.close();
  }
}

/**
 * A probe every `everyMs` for `forMs`, each on a fresh connection (HTTP) or fresh source port (UDP,
 * needs an echoing service), started on schedule whether or not earlier ones finished, so an
 * outage shows as a run of errors at the right times rather than as a gap.
 */
export async function probeContinuously(target: string, o: ContinuousProbeOptions, ctx: ProbeContext): Promise<Timeline> {
  const everyMs = bounded('everyMs', o.everyMs, 100, 5, 60_000);
  const forMs = bounded('forMs', o.forMs, 1000, 1, 600_000);
  const timeoutMs = bounded('timeoutMs', o.timeoutMs, Math.min(1000, 10 * everyMs), 1, 60_000);
  const protocol = o.protocol ?? 'http';
  const port = o.port ?? (protocol === 'http' ? 80 : 9999);
  const startedAt = Date.now();
  const t0 = performance.now();
  const pending: Array<Promise<TimelineEntry>> = [];
  const one = async (): Promise<TimelineEntry> => {
    const t = performance.now() - t0;
    const [r] =
      protocol === 'http'
        ? await httpProbes({ target, port, path: o.path, timeoutMs, localAddress: o.localAddress }, ctx)
        : await udpProbes({ target, port, timeoutMs, waitReply: true, localAddress: o.localAddress }, ctx);
    return { t: Math.round(t * 10) / 10, start: r.start, latencyMs: r.latencyMs, ok: r.ok, ...(r.server ? { server: r.server } : {}), ...(r.error ? { error: r.error } : {}) };
  };
  literal('target', target);
  for (let k = 0; k * everyMs < forMs; k++) {
    const due = k * everyMs - (performance.now() - t0);
    if (due > 0) await sleep(due);
    if (ctx.signal?.aborted) break;
    pending.push(one());
  }
  const probes = await Promise.all(pending);
  return { target, protocol, startedAt, everyMs, probes };
}
