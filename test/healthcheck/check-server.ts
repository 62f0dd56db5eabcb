// A real server's side of keepalived's HTTP_GET / SSL_GET checks in the health-check suites, run in
// the real server's namespace: HTTP on one port, HTTPS (a certificate the suite made) on another, each
// answering the article's identity page — or failing the way the suite asks, read per request from
// `<dir>/http` and `<dir>/ssl`: `ok`, `status` (a 500), `body` (another page, so the MD5 differs),
// `reset` (the connection is dropped). Usage: check-server.ts DIR IDENTITY HTTP_PORT [HTTPS_PORT CERT KEY]
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { identityPage } from '../../src/lab/agent/protocol.js';

const [dir, identity, httpPort, httpsPort, cert, key] = process.argv.slice(2);
if (!dir || !identity || !httpPort || (httpsPort && (!cert || !key))) {
  console.error('usage: check-server.ts DIR IDENTITY HTTP_PORT [HTTPS_PORT CERT KEY]');
  process.exit(2);
}

function modeOf(name: 'http' | 'ssl'): string {
  try {
    return fs.readFileSync(`${dir}/${name}`, 'utf8').trim() || 'ok';
  } catch {
    return 'ok';
  }
}

const handler = (name: 'http' | 'ssl') => (req: http.IncomingMessage, res: http.ServerResponse) => {
  const mode = modeOf(name);
  if (mode === 'reset') return req.socket.destroy();
  res.writeHead(mode === 'status' ? 500 : 200, { 'content-type': 'text/html', connection: 'close' });
  res.end(identityPage(mode === 'body' ? `${identity}-changed` : identity));
};

http.createServer(handler('http')).listen(Number(httpPort), '0.0.0.0');
if (httpsPort && cert && key) {
  https
    .createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, handler('ssl'))
    .on('secureConnection', (s) => {
      if (modeOf('ssl') === 'reset') s.destroy();
    })
    .listen(Number(httpsPort), '0.0.0.0');
}
console.log(`check-server ${identity}: http ${httpPort}${httpsPort ? `, https ${httpsPort}` : ''}`);
