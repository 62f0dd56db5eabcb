// The real server's services: an HTTP server that answers like the article's httpd and remembers
// who it saw, and a UDP service that appends each peer's datagrams to a file of its own.
import { createServer, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { identityPage, type HttpRequestRecord, type UdpEcho, type UdpPeerRecord } from './protocol.js';

/** Keep memory bounded however long a lab runs: the oldest records go first. */
const MAX_RECORDS = 100_000;

/**
 * How long an idle keep-alive connection stays open: 75 s, as nginx's default, longer than any
 * failover (3-7 s), so a connection stalled by one is never closed by the server meanwhile.
 */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 75_000;

export class HttpService {
  readonly requests: HttpRequestRecord[] = [];
  private server?: Server;

  constructor(
    readonly port: number,
    private readonly identity: string,
    private readonly keepAliveTimeoutMs = DEFAULT_KEEPALIVE_TIMEOUT_MS,
  ) {}

  async start(): Promise<void> {
    const page = identityPage(this.identity);
    const server = createServer((req, res) => {
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
    });
    server.keepAliveTimeout = this.keepAliveTimeoutMs;
    // a keep-alive connection's next request may come just before the idle timeout ends
    server.headersTimeout = Math.max(server.headersTimeout, this.keepAliveTimeoutMs + 1000);
    server.requestTimeout = Math.max(server.requestTimeout, server.headersTimeout);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class UdpService {
  private readonly peers = new Map<string, UdpPeerRecord>();
  private socket?: Socket;
  private readonly dir: string;

  constructor(
    readonly port: number,
    private readonly identity: string,
    private readonly echo: UdpEcho,
    dataDir: string,
  ) {
    this.dir = join(dataDir, `udp-${port}`);
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const sock = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    sock.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let p = this.peers.get(key);
      if (!p) {
        p = {
          port: this.port,
          peerAddress: rinfo.address,
          peerPort: rinfo.port,
          datagrams: 0,
          bytes: 0,
          file: join(this.dir, `${rinfo.address}_${rinfo.port}`),
          firstAt: Date.now(),
          lastAt: 0,
        };
        this.peers.set(key, p);
      }
      p.datagrams++;
      p.bytes += msg.length;
      p.lastAt = Date.now();
      // Synchronous append keeps the file in arrival order, which is the point of the file.
      appendFileSync(p.file, msg);
      if (this.echo === 'identity') sock.send(`${this.identity}\n`, rinfo.port, rinfo.address);
      else if (this.echo === 'payload') sock.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.port, '0.0.0.0', () => {
        sock.off('error', reject);
        resolve();
      });
    });
    this.socket = sock;
  }

  peerRecords(): UdpPeerRecord[] {
    return [...this.peers.values()].map((p) => ({ ...p }));
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
