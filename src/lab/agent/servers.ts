// The real server's services: an HTTP server that answers like the article's httpd and remembers
// who it saw, and a UDP service that appends each peer's datagrams to a file of its own (keeping a
// bounded number of peers and bytes, oldest dropped first). Their sockets come from the host's
// namespace (netns.ts); Node adopts the bound descriptors (UDP through dgram-as-promised: node:dgram
// with bind, send, recv and close as promises).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { appendFileSync, closeSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentLog } from './log.js';
import type { NamespaceSockets } from './netns.js';
import { identityPage, type HttpRequestRecord, type UdpEcho, type UdpPeerRecord } from './protocol.js';

/** Where a service's listening socket comes from: its host's namespace. */
export type ServiceSockets = Pick<NamespaceSockets, 'tcpBound' | 'udpBound'>;

/** Keep memory bounded however long a lab runs: the oldest records go first. */
const MAX_RECORDS = 100_000;

/**
 * How long an idle keep-alive connection stays open: 75 s, as nginx's default, longer than any
 * failover (3-7 s), so a connection stalled by one is never closed by the server meanwhile.
 */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 75_000;

/**
 * The wildcard addresses a service listens on: IPv4, and IPv6 (an IPv6-only socket beside it, so
 * IPv4 peers keep their plain a.b.c.d) unless the kernel has no IPv6 at all.
 */
const WILDCARDS = ['0.0.0.0', '::'] as const;

/** Runs `open` for each wildcard; an IPv6 socket the kernel cannot make (no IPv6 in it) is skipped. */
function eachFamily<T>(open: (address: string) => T): T[] {
  const out: T[] = [];
  for (const a of WILDCARDS) {
    try {
      out.push(open(a));
    } catch (err) {
      if (a === '::' && (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') continue;
      throw err;
    }
  }
  return out;
}

export class HttpService {
  readonly requests: HttpRequestRecord[] = [];
  private servers: Server[] = [];

  constructor(
    readonly port: number,
    private readonly identity: string,
    private readonly sockets: ServiceSockets,
    private readonly keepAliveTimeoutMs = DEFAULT_KEEPALIVE_TIMEOUT_MS,
  ) {}

  async start(): Promise<void> {
    const page = identityPage(this.identity);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const s = req.socket;
      if (this.requests.length >= MAX_RECORDS) this.requests.shift();
      this.requests.push({
        at: Date.now(),
        port: this.port,
        method: req.method ?? '',
        url: req.url ?? '',
        remoteAddress: (s.remoteAddress ?? '').replace(/^::ffff:/, ''),
        remotePort: s.remotePort ?? 0,
        localAddress: (s.localAddress ?? '').replace(/^::ffff:/, ''),
      });
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
      res.end(page);
    };
    const fds = eachFamily((a) => this.sockets.tcpBound(a, this.port));
    try {
      // each descriptor leaves the list once a server owns it; the rest are closed on failure
      for (let fd = fds.shift(); fd !== undefined; fd = fds.shift()) {
        const server = createServer(handler);
        server.keepAliveTimeout = this.keepAliveTimeoutMs;
        // a keep-alive connection's next request may come just before the idle timeout ends
        server.headersTimeout = Math.max(server.headersTimeout, this.keepAliveTimeoutMs + 1000);
        server.requestTimeout = Math.max(server.requestTimeout, server.headersTimeout);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ fd }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        this.servers.push(server);
      }
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(
      servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }
}

/**
 * What one UDP service keeps on disk, however many peers a flood brings (20k datagrams from random
 * ports would otherwise be 20k files): the files of the newest `peers` peers, at most `bytes` in all.
 * The oldest peers' files go first; a single peer past the byte budget stops being written.
 */
export const UDP_KEEP = { peers: 1024, bytes: 64 << 20 };

/** What was not kept: peers whose files were removed, and datagrams/bytes no file holds any more. */
export interface UdpDropped {
  peers: number;
  datagrams: number;
  bytes: number;
}

/** The per-peer files of one UDP service (`<dir>/<addr>_<port>`) within UDP_KEEP; `dropped.json` counts the rest. */
export class UdpPeerFiles {
  private readonly peers = new Map<string, UdpPeerRecord & { kept: number }>();
  private keptBytes = 0;
  private flushTimer?: NodeJS.Timeout;
  readonly dropped: UdpDropped = { peers: 0, datagrams: 0, bytes: 0 };

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly limits = UDP_KEEP,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** One datagram from a peer, appended to that peer's file in arrival order (the point of the file). */
  add(peerAddress: string, peerPort: number, msg: Buffer, now = Date.now()): void {
    const key = `${peerAddress}:${peerPort}`;
    let p = this.peers.get(key);
    if (!p) {
      if (this.peers.size >= this.limits.peers) this.dropOldest();
      p = { port: this.port, peerAddress, peerPort, datagrams: 0, bytes: 0, file: join(this.dir, `${peerAddress}_${peerPort}`), firstAt: now, lastAt: 0, kept: 0 };
      this.peers.set(key, p);
    }
    p.datagrams++;
    p.bytes += msg.length;
    p.lastAt = now;
    while (this.keptBytes + msg.length > this.limits.bytes && this.peers.size > 1) this.dropOldest(p);
    if (this.keptBytes + msg.length > this.limits.bytes) {
      this.count(1, msg.length);
      return;
    }
    appendFileSync(p.file, msg, { mode: 0o600 });
    p.kept += msg.length;
    this.keptBytes += msg.length;
  }

  records(): UdpPeerRecord[] {
    return [...this.peers.values()].map(({ kept: _kept, ...p }) => ({ ...p }));
  }

  /** Write dropped.json now (it is otherwise written at most once a second while drops happen). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dropped.peers + this.dropped.datagrams > 0) writeFileSync(join(this.dir, 'dropped.json'), JSON.stringify(this.dropped) + '\n', { mode: 0o600 });
  }

  /** Remove the oldest peer's file and record (never `except`, the one being written). */
  private dropOldest(except?: UdpPeerRecord): void {
    let victim: [string, UdpPeerRecord & { kept: number }] | undefined;
    for (const entry of this.peers) {
      if (entry[1] === except) continue;
      victim = entry;
      break;
    }
    if (!victim) return;
    const [key, p] = victim;
    this.peers.delete(key);
    rmSync(p.file, { force: true });
    this.keptBytes -= p.kept;
    // counted after the notice's check, so the first drop of a peer prints it too
    this.count(p.datagrams, p.kept);
    this.dropped.peers++;
  }

  private count(datagrams: number, bytes: number): void {
    if (this.dropped.peers + this.dropped.datagrams === 0) {
      agentLog(`udp ${this.port}: over ${this.limits.peers} peers or ${this.limits.bytes} bytes; dropping the oldest (counted in ${join(this.dir, 'dropped.json')})`);
    }
    this.dropped.datagrams += datagrams;
    this.dropped.bytes += bytes;
    this.flushTimer ??= setTimeout(() => this.flush(), 1000).unref();
  }
}

export class UdpService {
  private files?: UdpPeerFiles;
  /** one socket per family (IPv4, IPv6), each served by its own loop */
  private socks: SocketAsPromised[] = [];
  private serving: Array<Promise<void>> = [];
  private readonly dir: string;

  constructor(
    readonly port: number,
    private readonly identity: string,
    private readonly echo: UdpEcho,
    dataDir: string,
    private readonly sockets: ServiceSockets,
  ) {
    this.dir = join(dataDir, `udp-${port}`);
  }

  async start(): Promise<void> {
    const files = new UdpPeerFiles(this.port, this.dir);
    this.files = files;
    const bound = eachFamily((a) => ({ fd: this.sockets.udpBound(a, this.port), type: a.includes(':') ? ('udp6' as const) : ('udp4' as const) }));
    try {
      for (let b = bound.shift(); b !== undefined; b = bound.shift()) {
        const sock = DgramAsPromised.createSocket({ type: b.type });
        await sock.bind({ fd: b.fd });
        sock.setRecvBufferSize(4 << 20);
        this.socks.push(sock);
        this.serving.push(this.serve(sock, files));
      }
    } catch (err) {
      for (const { fd } of bound) closeSync(fd);
      await this.stop();
      throw err;
    }
  }

  /**
   * Each datagram in turn until the socket closes (recv() then resolves with undefined). Nothing in
   * the loop waits on I/O: the reply is sent without awaiting it, so the next recv() is in place
   * before the next datagram can be delivered and none goes by unread.
   */
  private async serve(sock: SocketAsPromised, files: UdpPeerFiles): Promise<void> {
    for (;;) {
      // an error on the socket (a reply that could not be sent) ends no service: read on
      const packet = await sock.recv().catch(() => null);
      if (packet === undefined) return;
      if (!packet) continue;
      const { msg, rinfo } = packet;
      files.add(rinfo.address, rinfo.port, msg);
      const reply = this.echo === 'identity' ? `${this.identity}\n` : this.echo === 'payload' ? msg : undefined;
      if (reply !== undefined) sock.send(reply, rinfo.port, rinfo.address).catch(() => {});
    }
  }

  peerRecords(): UdpPeerRecord[] {
    return this.files?.records() ?? [];
  }

  /** Peers and datagrams no longer kept (UDP_KEEP). */
  get dropped(): UdpDropped {
    return { ...(this.files?.dropped ?? { peers: 0, datagrams: 0, bytes: 0 }) };
  }

  async stop(): Promise<void> {
    const socks = this.socks;
    this.socks = [];
    this.files?.flush();
    const serving = this.serving;
    this.serving = [];
    await Promise.all(socks.map((s) => s.close()));
    await Promise.all(serving);
  }
}
