// A long-lived HTTP keep-alive connection from the client to the VIP, as a node script run in the
// client's namespace: one TCP connection, a GET every `gapMs` (the next only after the previous
// answer), for `durationMs` at most. It prints one JSON report: its local port, every answer (time,
// answering server, latency) and how the connection ended (reset, closed, or still open at the end).
export interface KeepAliveReport {
  localPort?: number;
  answers: Array<{ at: number; server: string; ms: number }>;
  /** 'ECONNRESET' and the like, when the connection failed */
  error?: string;
  /** the server closed the connection */
  closed?: boolean;
  startedAt: number;
  endedAt: number;
}

export function keepAliveClient(vip: string, gapMs: number, durationMs: number): string {
  return `
const net = require('node:net');
const startedAt = Date.now();
const report = { answers: [], startedAt };
const s = net.connect({ host: '${vip}', port: 80 });
let buf = Buffer.alloc(0), sentAt = 0, done = false;
const finish = () => { if (done) return; done = true; report.endedAt = Date.now(); console.log(JSON.stringify(report)); s.destroy(); process.exit(0); };
const ask = () => {
  if (Date.now() - startedAt >= ${durationMs}) return finish();
  sentAt = Date.now();
  s.write('GET / HTTP/1.1\\r\\nHost: ${vip}\\r\\nConnection: keep-alive\\r\\n\\r\\n');
};
s.on('connect', () => { report.localPort = s.localPort; ask(); });
s.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const end = buf.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString();
    const m = /content-length: *(\\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len).toString();
    buf = buf.subarray(end + 4 + len);
    const h = /<h1>([^<]+)<\\/h1>/.exec(body);
    report.answers.push({ at: Date.now(), server: h ? h[1] : '?', ms: Date.now() - sentAt });
    setTimeout(ask, ${gapMs});
  }
});
s.on('error', (e) => { report.error = e.code || e.message; finish(); });
s.on('end', () => { report.closed = true; finish(); });
setTimeout(finish, ${durationMs} + 15000).unref();
`;
}

/** The longest time between two answers (the stall a failover caused), in ms. */
export function longestGap(r: KeepAliveReport): number {
  let worst = 0;
  for (let i = 1; i < r.answers.length; i++) worst = Math.max(worst, r.answers[i].at - r.answers[i - 1].at);
  return worst;
}
