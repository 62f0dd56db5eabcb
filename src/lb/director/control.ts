// The director daemon's control socket: a unix stream socket speaking JSON lines. Each request line
// is `{"id":N,"op":"...",...}`, each answer `{"id":N,"ok":true,"result":...}` or
// `{"id":N,"ok":false,"error":"..."}`. `lvslab ipvsadm`, the embedded backend and the suites use it.
import net from 'node:net';
import fs from 'node:fs';

export interface ControlRequest {
  id?: number;
  op: string;
  [k: string]: unknown;
}

export type ControlHandler = (req: ControlRequest) => Promise<unknown> | unknown;

const MAX_LINE = 4 << 20;

export class ControlServer {
  private constructor(private readonly server: net.Server, readonly path: string) {}

  static async listen(path: string, handler: ControlHandler): Promise<ControlServer> {
    // a stale socket file from a killed daemon would make listen() fail with EADDRINUSE
    if (fs.existsSync(path)) {
      const alive = await new Promise<boolean>((resolve) => {
        const c = net.connect(path, () => { c.destroy(); resolve(true); });
        c.on('error', () => resolve(false));
      });
      if (alive) throw new Error(`control socket ${path} is in use by a running daemon`);
      fs.rmSync(path, { force: true });
    }
    const server = net.createServer((conn) => serve(conn, handler));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(path, 0o600);
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.path, { force: true });
  }
}

function serve(conn: net.Socket, handler: ControlHandler): void {
  let buf = '';
  let chain = Promise.resolve();
  conn.setEncoding('utf8');
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: string) => {
    buf += chunk;
    if (buf.length > MAX_LINE) {
      conn.end(JSON.stringify({ ok: false, error: 'request too large' }) + '\n');
      return;
    }
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      // answer in order, one request at a time per connection
      chain = chain.then(() => answer(conn, line, handler));
    }
  });
}

async function answer(conn: net.Socket, line: string, handler: ControlHandler): Promise<void> {
  let req: ControlRequest;
  try {
    req = JSON.parse(line) as ControlRequest;
    if (typeof req !== 'object' || req === null || typeof req.op !== 'string') throw new Error('missing "op"');
  } catch (err) {
    conn.write(JSON.stringify({ ok: false, error: `bad request: ${(err as Error).message}` }) + '\n');
    return;
  }
  try {
    const result = await handler(req);
    if (!conn.destroyed) conn.write(JSON.stringify({ id: req.id, ok: true, result }) + '\n');
  } catch (err) {
    if (!conn.destroyed) conn.write(JSON.stringify({ id: req.id, ok: false, error: (err as Error).message }) + '\n');
  }
}

export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    message: string,
    /** unreachable: nothing listens on the socket; silent: connected, no answer in time; refused: the daemon answered with an error */
    readonly kind: 'unreachable' | 'silent' | 'refused' | 'unreadable' = 'refused',
  ) {
    super(message);
  }
}

/** One request over a fresh connection. Rejects with a ControlError naming the socket on failure. */
export async function controlRequest<T = unknown>(path: string, req: ControlRequest, timeoutMs = 15_000): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const conn = net.connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new ControlError(`director control socket ${path}: no answer to '${req.op}' within ${timeoutMs} ms`, 'silent'));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify({ id: 1, ...req }) + '\n'));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      try {
        const res = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: T; error?: string };
        if (res.ok) resolve(res.result as T);
        else reject(new ControlError(`director: ${res.error}`));
      } catch (err) {
        reject(new ControlError(`director control socket ${path}: unreadable answer (${(err as Error).message})`, 'unreadable'));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const nobody = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      reject(new ControlError(`director control socket ${path}: ${nobody ? 'no director daemon is listening' : err.message}`, nobody ? 'unreachable' : 'silent'));
    });
  });
}
