// Load generator and sink for `npm run bench -- dataplane`, run as its own process inside a lab
// namespace (`node --import tsx bench/dataplane-load.ts '<json>'`): the client side measures, the real
// servers' side serves and counts. Every loop stops by itself after its duration.
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export type LoadJob =
  | { kind: 'serve'; identity: string; httpPorts: number[]; udpPorts: number[]; countFile: string; maxSeconds: number }
  | { kind: 'keepalive'; target: string; port: number; conns: number; durationMs: number }
  | { kind: 'newconn'; target: string; port: number; concurrency: number; durationMs: number }
  | { kind: 'latency'; target: string; port: number; count: number; maxMs: number }
  | { kind: 'udp'; target: string; port: number; rate: number; durationMs: number; size: number };

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
  await new Promise((r) => setTimeout(r, 200));
  for (const f of flows) f.close();
  return { sent, sendErrors, seconds: (performance.now() - t0) / 1000 };
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
  default:
    process.stderr.write(`dataplane-load: unknown job ${JSON.stringify(job)}\n`);
    process.exit(2);
}
