// `lvslab ipvsadm <lab> <director> ARGS...` against a lab built elsewhere: the first call starts the
// embedded director daemon, the article's commands work as written, output and exit status are
// ipvsadm's, and the lab's teardown takes the daemon with it.
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { repoRoot } from './helpers/handlab.js';
import { ARTICLE_TCP, VIP } from './helpers/article.js';
import { needs, probe } from '../../test/capabilities.js';

const cli = path.join(repoRoot, 'dist/cli/main.js');

function lvslab(...args: string[]) {
  return execa(process.execPath, [cli, ...args], { reject: false, timeout: 30_000 });
}

describe('lvslab ipvsadm', needs(await probe.root()), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('article-single');
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it("runs the article's commands, starting the daemon on first use", async () => {
    const first = await lvslab('ipvsadm', lab.id, 'ds1', ...ARTICLE_TCP[0].split(' '));
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/^lvslab: started the embedded director daemon on ds1 \(pid \d+\)$/);
    for (const line of ARTICLE_TCP.slice(1)) {
      const r = await lvslab('ipvsadm', lab.id, 'ds1', ...line.split(' '));
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, '', '']);
    }
    const c = await lab.client.exec(['curl', '-s', '-m', '2', `http://${VIP}/`]);
    expect(c.stdout).toContain('<h1>RS2</h1>');
    const ln = await lvslab('ipvsadm', lab.id, 'ds1', '-Ln');
    expect(ln.stdout.split('\n').slice(3, 6).map((l) => l.trimEnd())).toEqual([
      `TCP  ${VIP}:80 rr`,
      '  -> 10.0.0.101:80                Masq    1      0          0',
      '  -> 10.0.0.102:80                Masq    1      0          1',
    ]);
  });

  it("gives ipvsadm's own error text and exit status", async () => {
    const r = await lvslab('ipvsadm', lab.id, 'ds1', '-a', '-t', '1.2.3.4:80', '-r', '10.0.0.1:80');
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([255, '', 'Service not defined']);
  });

  it('names the problem for an unknown lab or a host that is not a director', async () => {
    const a = await lvslab('ipvsadm', 'nosuchlab', 'ds1', '-Ln');
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toContain("no lab 'nosuchlab'");
    const b = await lvslab('ipvsadm', lab.id, 'client', '-Ln');
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toContain("host 'client' is a client, not a director");
  });
});
