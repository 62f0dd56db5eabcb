// Shared pieces of the article suites: the article's ipvsadm lines, its keepalived.conf's
// virtual_server blocks (verbatim), and a client-side script that holds one HTTP keep-alive
// connection open across a pause (a "live connection" for -E and -Lnc checks).
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './handlab.js';

export const VIP = '192.168.1.112';

export const ARTICLE_TCP = [
  `-A -t ${VIP}:80 -s rr`,
  `-a -t ${VIP}:80 -r 10.0.0.101:80 -m -w 1`,
  `-a -t ${VIP}:80 -r 10.0.0.102:80 -m -w 1`,
];

export const ARTICLE_UDP = [
  `-A -u ${VIP}:9999 -s rr`,
  `-a -u ${VIP}:9999 -r 10.0.0.101:9999 -m -w 1`,
  `-a -u ${VIP}:9999 -r 10.0.0.102:9999 -m -w 1`,
];

/** The article's keepalived.conf, from its first virtual_server block on (no VRRP: one director). */
export function articleVirtualServers(): string {
  const text = fs.readFileSync(path.join(repoRoot, 'scenarios/article/keepalived.conf'), 'utf8');
  return text.slice(text.indexOf('virtual_server'));
}

/**
 * Node script run on the client: one TCP connection to VIP:80, a GET, a pause of `holdMs` (the
 * connection stays ESTABLISHED), a second GET on the same connection. Prints the two answering
 * servers as JSON. Kept under the real servers' 5 s keep-alive timeout.
 */
export function keepAliveScript(holdMs: number): string {
  return `
const net = require('node:net');
const s = net.connect({ host: '${VIP}', port: 80 });
const seen = []; let buf = '';
const ask = () => s.write('GET / HTTP/1.1\\r\\nHost: ${VIP}\\r\\nConnection: keep-alive\\r\\n\\r\\n');
s.on('connect', ask);
s.on('data', (d) => {
  buf += d;
  const m = /<h1>([^<]+)<\\/h1>/.exec(buf);
  if (!m) return;
  seen.push(m[1]); buf = '';
  if (seen.length === 1) setTimeout(ask, ${holdMs});
  else { console.log(JSON.stringify(seen)); s.end(); process.exit(0); }
});
s.on('error', (e) => { console.log(JSON.stringify({ error: e.message, seen })); process.exit(1); });
setTimeout(() => { console.log(JSON.stringify({ error: 'timeout', seen })); process.exit(1); }, ${holdMs} + 5000);
`;
}
