// `lvslab run` ends when its work does: once the verdict is printed, nothing (a timer left over from
// stopping the directors, say) keeps the process alive. Measured from the verdict line to the exit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB_SLACK_MS } from '../../test/bounds.js';
import { needs, probe } from '../../test/capabilities.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

const SCENARIO = `name: exits at once
lab: article-single
directors:
  ds1:
    ipvsadm:
      - -A -t 192.168.1.112:80 -s rr
      - -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m
      - -a -t 192.168.1.112:80 -r 10.0.0.102:80 -m
steps:
  - http: { target: 192.168.1.112, count: 2 }
    expect: { allAnswered: true }
`;

describe('lvslab run exits once its verdict is out', needs(await probe.root(), probe.built('dist/cli/main.js')), () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-run-exit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('from the verdict line to the exit: well under a second', async () => {
    const file = join(dir, 'exit.yaml');
    writeFileSync(file, SCENARIO);
    const child = spawn(process.execPath, [cli, 'run', file, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let verdictAt: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (verdictAt === undefined && /: (PASSED|FAILED)/.test(out)) verdictAt = performance.now();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const exitedAt = performance.now();
    clearTimeout(killer);
    expect(code, out).toBe(0);
    expect(verdictAt, out).toBeDefined();
    // the process has only to flush and return: a second, plus the lab's slack for a busy machine
    expect(exitedAt - verdictAt!).toBeLessThan(1000 + LAB_SLACK_MS);
  });
});
