// Client side of the kernel trace replay, run inside the client namespace (`ip netns exec NS node
// client-agent.js`). Reads one JSON request per line on stdin, answers one JSON line on stdout.
// Each TCP connection is opened from an exact source address and port and held open until the trace
// closes or resets it, so the kernel's active/inactive counters see what the trace describes; the
// real server names itself in its first line (TCP) or its reply datagram (UDP). A reset closes with
// SO_LINGER 0 (resetAndDestroy), so the client's RST is the connection's last segment.
import { createSocket } from 'node:dgram';
import { Socket, connect } from 'node:net';
import { createInterface } from 'node:readline';

export type ClientRequest =
  | { id: number; op: 'tcp-open'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
  | { id: number; op: 'tcp-close' | 'tcp-reset'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
  | { id: number; op: 'tcp-send'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
  | { id: number; op: 'udp'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
  | { id: number; op: 'close-all' };

export interface ClientReply {
  id: number;
  /** `RIP:RPORT` of the real server that answered */
  server?: string;
  error?: string;
}

const open = new Map<string, Socket>();
const keyOf = (r: { src: string; sport: number; dst: string; dport: number }) => `${r.src}:${r.sport}>${r.dst}:${r.dport}`;

function tcpOpen(r: Extract<ClientRequest, { op: 'tcp-open' }>): Promise<ClientReply> {
  return new Promise((resolve) => {
    const sock = connect({ host: r.dst, port: r.dport, localAddress: r.src, localPort: r.sport });
    let buf = '';
    const done = (reply: ClientReply) => {
      clearTimeout(timer);
      sock.removeAllListeners('data');
      resolve(reply);
    };
    const timer = setTimeout(() => {
      sock.destroy();
      done({ id: r.id, error: 'timeout' });
    }, r.timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        open.set(keyOf(r), sock);
        done({ id: r.id, server: buf.slice(0, nl).trim() });
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => done({ id: r.id, error: err.code ?? err.message }));
    // the real server keeps its side open; a close before its line means no answer
    sock.on('close', () => {
      open.delete(keyOf(r));
      if (!buf.includes('\n')) done({ id: r.id, error: 'closed' });
    });
  });
}

/** A line of data on a held connection (the server reads and ignores it; its ACK follows). */
function tcpSend(r: Extract<ClientRequest, { op: 'tcp-send' }>): Promise<ClientReply> {
  const sock = open.get(keyOf(r));
  if (!sock) return Promise.resolve({ id: r.id, error: `no open connection ${keyOf(r)}` });
  return new Promise((resolve) => sock.write('data\n', () => resolve({ id: r.id })));
}

function tcpClose(r: Extract<ClientRequest, { op: 'tcp-close' | 'tcp-reset' }>): Promise<ClientReply> {
  const sock = open.get(keyOf(r));
  if (!sock) return Promise.resolve({ id: r.id, error: `no open connection ${keyOf(r)}` });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ id: r.id, error: 'timeout' }), r.timeoutMs);
    sock.once('close', () => {
      clearTimeout(timer);
      open.delete(keyOf(r));
      resolve({ id: r.id });
    });
    if (r.op === 'tcp-reset') sock.resetAndDestroy();
    else sock.end(); // FIN; the server ends its side on 'end', so the close is a full four-way one
  });
}

function udp(r: Extract<ClientRequest, { op: 'udp' }>): Promise<ClientReply> {
  return new Promise((resolve) => {
    // connected, so an ICMP port unreachable (no destination) comes back as ECONNREFUSED
    const sock = createSocket({ type: r.src.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
    // A one-packet (--ops) NAT service keeps no connection entry, so the real server's reply leaves
    // the director with the real server's own address (ip_vs_out finds nothing to translate): the
    // connected socket drops it, this unconnected one on the same address and port takes it.
    const side = createSocket({ type: r.src.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
    let done = false;
    const finish = (reply: ClientReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      side.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ id: r.id, error: 'timeout' }), r.timeoutMs);
    for (const s of [sock, side]) {
      s.on('error', (err: NodeJS.ErrnoException) => finish({ id: r.id, error: err.code ?? err.message }));
      s.on('message', (msg) => finish({ id: r.id, server: msg.toString('utf8').trim() }));
    }
    side.bind(r.sport, r.src, () =>
      sock.bind(r.sport, r.src, () => sock.connect(r.dport, r.dst, () => sock.send(`hello ${r.src}:${r.sport}\n`))),
    );
  });
}

async function handle(r: ClientRequest): Promise<ClientReply> {
  switch (r.op) {
    case 'tcp-open':
      return tcpOpen(r);
    case 'tcp-close':
    case 'tcp-reset':
      return tcpClose(r);
    case 'tcp-send':
      return tcpSend(r);
    case 'udp':
      return udp(r);
    case 'close-all':
      // resets, so no half-closed socket lingers into the next trace on the same ports
      for (const sock of open.values()) sock.resetAndDestroy();
      open.clear();
      return { id: r.id };
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  const req = JSON.parse(line) as ClientRequest;
  void handle(req).then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`));
});
rl.on('close', () => {
  for (const sock of open.values()) sock.destroy();
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ id: 0, server: 'ready' })}\n`);
