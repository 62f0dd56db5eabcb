// The real servers' HTTP keep-alive idle timeout: by default longer than any failover (an idle
// keep-alive connection stalled for 8 s — longer than a failover's 3-7 s outage of the article —
// is still served), and the timeout a lab or scenario sets is the one the server keeps. (Node closes
// an idle connection up to about a second after its keepAliveTimeout.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { needs, probe } from '../../test/capabilities.js';

/** From the director: one keep-alive connection to a real server, a GET, `idleMs` idle, a GET again. */
const IDLE_THEN_GET = (addr: string, port: number, idleMs: number) => `
const s = require('node:net').connect(${port}, '${addr}');
let buf = '', answers = 0, closed = false;
const get = () => s.write('GET / HTTP/1.1\\r\\nHost: rs\\r\\nConnection: keep-alive\\r\\n\\r\\n');
s.on('connect', get);
s.on('data', (d) => {
  buf += d;
  if (!buf.includes('</html>')) return;
  buf = '';
  if (++answers === 1) { idleSince = Date.now(); setTimeout(() => { if (!closed) get(); }, ${idleMs}); }
  else { console.log('second request answered'); s.destroy(); process.exit(0); }
});
let idleSince = 0;
s.on('close', () => { closed = true; if (answers < 2) { console.log('closed by the server, idle ' + (Date.now() - idleSince) + ' ms'); process.exit(0); } });
setTimeout(() => { console.log('no answer'); process.exit(1); }, ${idleMs} + 5000);`;

describe("real servers' keep-alive timeout (article-single)", needs(await probe.root()), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('article-single');
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('keeps an idle keep-alive connection through a failover-long pause (default 75 s)', async () => {
    const r = await lab.host('ds1').exec(['node', '-e', IDLE_THEN_GET('10.0.0.101', 80, 8000)], { timeoutMs: 20_000 });
    expect(r.stdout.trim()).toBe('second request answered');
  });

  it('closes it after the timeout it was given', async () => {
    await (await lab.host('rs2').agent()).serve({ protocol: 'tcp', port: 8080, keepAliveTimeoutMs: 1000 });
    const r = await lab.host('ds1').exec(['node', '-e', IDLE_THEN_GET('10.0.0.102', 8080, 3000)], { timeoutMs: 20_000 });
    const idle = Number(/^closed by the server, idle (\d+) ms$/.exec(r.stdout.trim())?.[1]);
    expect(idle, r.stdout).toBeGreaterThanOrEqual(1000);
    expect(idle).toBeLessThan(1000 + 1500);
  });
});
