// `lvslab up` returns when the lab is usable: the real servers' services already listen. A client
// connecting to RS1:80 right after `up` is answered, every time (each try on a lab of its own).
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { leftovers, lvslab } from './helpers.js';

describe('lvslab up: usable when it returns', () => {
  const labs: string[] = [];
  afterAll(async () => {
    for (const id of labs) await teardownLab(id).catch(() => undefined);
  });

  it('answers a connection to RS1:80 from the client right after up, 5 labs out of 5', async () => {
    const answers: string[] = [];
    for (let k = 0; k < 5; k++) {
      const up = await lvslab('up', 'article-single');
      expect(up.exitCode, up.stderr).toBe(0);
      const id = up.stdout.trim();
      labs.push(id);
      const ns = `lvs-${id}-client`;
      // The way to the real servers (through DS1), then at once one connection, no retry.
      await execa('ip', ['-n', ns, 'route', 'add', '10.0.0.0/24', 'via', '192.168.1.112']);
      const curl = await execa('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '5', 'http://10.0.0.101/'], { reject: false });
      answers.push(curl.exitCode === 0 ? curl.stdout : `curl exit ${curl.exitCode}${curl.exitCode === 7 ? ' (connection refused)' : ''}`);
      const down = await lvslab('down', id);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(leftovers(id)).toEqual({ namespaces: [], processes: [], runDir: false });
    }
    expect(answers).toEqual(Array(5).fill('<html><body><h1>RS1</h1></body></html>'));
  });
});
