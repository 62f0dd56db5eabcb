// The lab every fixture test gets: article-single, DS1 balancing port 80 round robin over RS1 and RS2
// on the embedded backend, no packet capture (the suite needs verdicts, not evidence). Each test
// writes its lab's id to reports/labs.txt (in the directory vitest runs in), so the suite can check
// that every lab a shard built was torn down.
import { appendFile, mkdir } from 'node:fs/promises';
import { labTest } from 'lvslab/vitest';

const rr = ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1'];

export const test = labTest('article-single', { backend: 'embedded', capture: false, directors: { ds1: { ipvsadm: rr } } }).extend<{ noted: void }>({
  noted: [
    async ({ lab }, use) => {
      await mkdir('reports', { recursive: true });
      await appendFile('reports/labs.txt', `${lab.id}\n`);
      await use(undefined);
    },
    { auto: true },
  ],
});

export { expect } from 'lvslab/vitest';
