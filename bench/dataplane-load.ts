// Load generator and sink for `npm run bench -- dataplane`, run as its own process inside a lab
// namespace (`node --import tsx bench/dataplane-load.ts '<json>'`): the client side measures, the real
// servers' side serves and counts. Every loop stops by itself after its duration.
//
// `pairs` measures two paths (two VIP ports) in alternating windows from one process, so each pair
// of windows sees nearly the same machine load, and adds up the CPU every lab process involved used
// in each window (this one, and the pids given: real servers, director daemon).
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export type LoadJob =
  | { kind: 'serve'; identity: string; httpPorts: number[]; udpPorts: number[]; countFile: string; maxSeconds: number }
  | { kind: 'keepalive'; target: string; port: number; conns: number; durationMs: number }
  | { kind: 'newconn'; target: string; port: number; concurrency: number; durationMs: number }
  | { kind: 'latency'; target: string; port: number; count: number; maxMs: number }
  | { kind: 'udp'; target: string; port: number; rate: number; durationMs: number; size: number }
  | PairsJob;

/** Alternating windows on ports[0] and ports[1]; pair i runs [0, 1] when i is even, [1, 0] when odd. */
export interface PairsJob {
  kind: 'pairs';
  test: 'keepalive' | 'newconn' | 'udp';
  target: string;
  ports: [number, number];
  pairs: number;
  windowMs: number;
  /** keep-alive connections / new connections in flight */
  conns: number;
  /** udp: datagrams per second and their size */
  rate: number;
  size: number;
  /** processes whose CPU counts towards each window (all their threads) */
  pids: number[];
  /** udp: the sinks' count files (see serve) */
  countFiles: string[];
}

export interface PairWindow {
  side: 0 | 1;
  /** requests, connections or datagrams sent */
  ops: number;
  seconds: number;
  errors: number;
  /** CPU this process and `pids` used in the window, ms */
  cpuMs: number;
  /** udp: datagrams the sinks counted */
  delivered?: number;
}

const REQUEST = (host: string, close: boolean) => Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);

/** Minimal HTTP/1.1 response framing (Content-Length only: our servers always send it). */
class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  /** feed bytes; returns how many complete responses they finished */
  feed(d: Buffer): number {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let n = 0;
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return n;
      const head = this.buf.subarray(0, h).toString('latin1');
      const m = /content-length:\s*(\d+)/i.exec(head);
      const total = h + 4 + (m ? Number(m[1]) : 0);
      if (this.buf.length < total) return n;
      this.buf = this.buf.subarray(total);
      n++;
    }
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function keepalive(j: Extract<LoadJob, { kind: 'keepalive' }>) {
  const req = REQUEST(j.target, false);
  const end = performance.now() + j.durationMs;
  let requests = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host: j.target, port: j.port });
      const r = new ResponseReader();
      s.setNoDelay(true);
      s.on('connect', () => s.write(req));
      s.on('data', (d) => {
        const n = r.feed(d);
        if (n === 0) return;
        requests += n;
        if (performance.now() < end) s.write(req);
        else s.destroy(), resolve();
      });
      s.on('error', () => (errors++, resolve()));
      s.on('close', () => resolve());
      setTimeout(() => (s.destroy(), resolve()), j.durationMs + 3000).unref();
    });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: j.conns }, one));
  return { requests, errors, seconds: (performance.now() - t0) / 1000 };
}

async function newconn(j: Extract<LoadJob, { kind: 'newconn' }>) {
  const req = REQUEST(j.target, true);
  const end = performance.now() + j.durationMs;
  let conns = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host: j.target, port: j.port });
      const r = new ResponseReader();
      const timer = setTimeout(() => (errors++, s.destroy(), resolve()), 3000);
      s.on('connect', () => s.write(req));
      s.on('data', (d) => {
        if (r.feed(d) > 0) {
          conns++;
          clearTimeout(timer);
          s.destroy();
          resolve();
        }
      });
      s.on('error', () => (clearTimeout(timer), errors++, resolve()));
    });
  const loop = async () => {
    while (performance.now() < end) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: j.concurrency }, loop));
  return { conns, errors, seconds: (performance.now() - t0) / 1000 };
}

async function latency(j: Extract<LoadJob, { kind: 'latency' }>) {
  const req = REQUEST(j.target, false);
  const lat: number[] = [];
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: j.target, port: j.port });
    const r = new ResponseReader();
    const stopAt = performance.now() + j.maxMs;
    let t = 0;
    s.setNoDelay(true);
    const ask = () => {
      t = performance.now();
      s.write(req);
    };
    s.on('connect', ask);
    s.on('data', (d) => {
      if (r.feed(d) === 0) return;
      lat.push((performance.now() - t) * 1000);
      if (lat.length < j.count && performance.now() < stopAt) ask();
      else s.destroy(), resolve();
    });
    s.on('error', () => resolve());
    setTimeout(() => (s.destroy(), resolve()), j.maxMs + 3000).unref();
  });
  lat.sort((a, b) => a - b);
  return { samples: lat.length, p50us: percentile(lat, 50), p99us: percentile(lat, 99) };
}

async function udp(j: Extract<LoadJob, { kind: 'udp' }>) {
  const s = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  await new Promise<void>((r) => s.bind(0, r));
  const payload = Buffer.alloc(j.size, 0x61);
  // a handful of flows (source ports), like several clients: one socket per flow
  const flows = [s];
  for (let i = 1; i < 8; i++) {
    const f = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
    await new Promise<void>((r) => f.bind(0, r));
    flows.push(f);
  }
  let sent = 0;
  let sendErrors = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - t0;
      if (elapsed >= j.durationMs) return resolve();
      const due = Math.floor((elapsed / 1000) * j.rate) - sent;
      for (let i = 0; i < Math.min(due, 2000); i++) {
        flows[sent % flows.length].send(payload, j.port, j.target, (err) => {
          if (err) sendErrors++;
        });
        sent++;
      }
      setImmediate(tick);
    };
    tick();
  });
  // the offered rate is over the sending time; the wait only lets queued sends go out
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  for (const f of flows) f.close();
  return { sent, sendErrors, seconds };
}

function serve(j: Extract<LoadJob, { kind: 'serve' }>): void {
  const page = Buffer.from(`<html><body><h1>${j.identity}</h1></body></html>\n`);
  for (const port of j.httpPorts) {
    http
      .createServer((_req, res) => {
        res.setHeader('content-length', page.length);
        res.end(page);
      })
      .listen(port, '0.0.0.0');
  }
  let count = 0;
  for (const port of j.udpPorts) {
    const u = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    u.on('message', () => count++);
    u.bind(port);
  }
  setInterval(() => {
    fs.writeFileSync(j.countFile + '.tmp', String(count));
    fs.renameSync(j.countFile + '.tmp', j.countFile);
  }, 50);
  setTimeout(() => process.exit(0), j.maxSeconds * 1000);
}

/** CPU time (ns) of every thread of `pid` so far, from /proc/PID/task/TID/schedstat (0 once it is gone). */
function taskCpuNs(pid: number): number {
  let ns = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        /* the thread ended */
      }
    }
  } catch {
    /* the process ended */
  }
  return ns;
}

function sinkCount(files: string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += Number(fs.readFileSync(f, 'utf8')) || 0;
    } catch {
      /* not written yet */
    }
  }
  return n;
}

async function pairs(j: PairsJob): Promise<{ windows: PairWindow[] }> {
  const windows: PairWindow[] = [];
  const cpuNs = (): number => {
    const own = process.cpuUsage();
    return (own.user + own.system) * 1000 + j.pids.reduce((a, p) => a + taskCpuNs(p), 0);
  };
  for (let i = 0; i < j.pairs; i++) {
    for (const side of i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      const port = j.ports[side];
      const c0 = cpuNs();
      let w: PairWindow;
      if (j.test === 'keepalive') {
        const r = await keepalive({ kind: 'keepalive', target: j.target, port, conns: j.conns, durationMs: j.windowMs });
        w = { side, ops: r.requests, seconds: r.seconds, errors: r.errors, cpuMs: 0 };
      } else if (j.test === 'newconn') {
        const r = await newconn({ kind: 'newconn', target: j.target, port, concurrency: j.conns, durationMs: j.windowMs });
        w = { side, ops: r.conns, seconds: r.seconds, errors: r.errors, cpuMs: 0 };
      } else {
        const before = sinkCount(j.countFiles);
        const r = await udp({ kind: 'udp', target: j.target, port, rate: j.rate, durationMs: j.windowMs, size: j.size });
        // the sinks write their counts every 50 ms: let the last datagrams land and be counted
        await new Promise((res) => setTimeout(res, 300));
        w = { side, ops: r.sent, seconds: r.seconds, errors: r.sendErrors, cpuMs: 0, delivered: sinkCount(j.countFiles) - before };
      }
      w.cpuMs = (cpuNs() - c0) / 1e6;
      windows.push(w);
    }
  }
  return { windows };
}

/** CPU time (user + system, ms) the job itself used, start-up left out: what the load cost. */
const cpuAtStart = process.cpuUsage();
const cpuMs = (): number => {
  const u = process.cpuUsage(cpuAtStart);
  return Math.round((u.user + u.system) / 1000);
};

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
switch (job.kind) {
  case 'serve':
    serve(job);
    break;
  case 'keepalive':
    process.stdout.write(JSON.stringify({ ...(await keepalive(job)), cpuMs: cpuMs() }) + '\n');
    process.exit(0);
    break;
  case 'newconn':
    process.stdout.write(JSON.stringify({ ...(await newconn(job)), cpuMs: cpuMs() }) + '\n');
    process.exit(0);
    break;
  case 'latency':
    process.stdout.write(JSON.stringify({ ...(await latency(job)), cpuMs: cpuMs() }) + '\n');
    process.exit(0);
    break;
  case 'udp':
    process.stdout.write(JSON.stringify({ ...(await udp(job)), cpuMs: cpuMs() }) + '\n');
    process.exit(0);
    break;
  case 'pairs':
    process.stdout.write(JSON.stringify(await pairs(job)) + '\n');
    process.exit(0);
    break;
  default:
    process.stderr.write(`dataplane-load: unknown job ${JSON.stringify(job)}\n`);
    process.exit(2);
}
