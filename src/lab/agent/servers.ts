// The real server's services: an HTTP server that answers like the article's httpd and remembers
// who it saw, and a UDP service that appends each peer's datagrams to a file of its own. Their
// sockets come from the host's namespace (netns.ts); Node adopts the bound descriptors.
import { createServer, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NamespaceSockets } from './netns.js';
import { identityPage, type HttpRequestRecord, type UdpEcho, type UdpPeerRecord } from './protocol.js';

/** Where a service's listening socket comes from: its host's namespace. */
export type ServiceSockets = Pick<NamespaceSockets, 'tcpBound' | 'udpBound'>;

/** Keep memory bounded however long a lab runs: the oldest records go first. */
const MAX_RECORDS = 100_000;

export class HttpService {
  readonly requests: HttpRequestRecord[] = [];
  private server?: Server;

  constructor(
    readonly port: number,
    private readonly identity: string,
    private readonly sockets: ServiceSockets,
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
    // Short keep-alive so clients that asked for fresh connections are not kept waiting on close.
    server.keepAliveTimeout = 5_000;
    const fd = this.sockets.tcpBound('0.0.0.0', this.port);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd }, () => {
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
    private readonly sockets: ServiceSockets,
  ) {
    this.dir = join(dataDir, `udp-${port}`);
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const fd = this.sockets.udpBound('0.0.0.0', this.port);
    const sock = createSocket({ type: 'udp4' });
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
      sock.bind({ fd }, () => {
        sock.off('error', reject);
        sock.setRecvBufferSize(4 << 20);
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
