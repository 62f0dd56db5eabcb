// Client side of the kernel trace replay, run inside the client namespace (`ip netns exec NS node
// client-agent.js`). Reads one JSON request per line on stdin, answers one JSON line on stdout.
// Each TCP connection is opened from an exact source address and port and held open until the trace
// closes or resets it, so the kernel's active/inactive counters see what the trace describes; the
// real server names itself in its first line (TCP) or its reply datagram (UDP).
import { createSocket } from 'node:dgram';
import { Socket, connect } from 'node:net';
import { createInterface } from 'node:readline';

export type ClientRequest =
  | { id: number; op: 'tcp-open'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
  | { id: number; op: 'tcp-close' | 'tcp-reset'; src: string; sport: number; dst: string; dport: number; timeoutMs: number }
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
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    const finish = (reply: ClientReply) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ id: r.id, error: 'timeout' }), r.timeoutMs);
    sock.on('error', (err: NodeJS.ErrnoException) => finish({ id: r.id, error: err.code ?? err.message }));
    sock.on('message', (msg) => finish({ id: r.id, server: msg.toString('utf8').trim() }));
    sock.bind(r.sport, r.src, () => {
      // connected, so an ICMP port unreachable (no destination) comes back as ECONNREFUSED
      sock.connect(r.dport, r.dst, () => sock.send(`hello ${r.src}:${r.sport}\n`));
    });
  });
}

async function handle(r: ClientRequest): Promise<ClientReply> {
  switch (r.op) {
    case 'tcp-open':
      return tcpOpen(r);
    case 'tcp-close':
    case 'tcp-reset':
      return tcpClose(r);
    case 'udp':
      return udp(r);
    case 'close-all':
      for (const sock of open.values()) sock.destroy();
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
