// The README's example, verbatim: what a user writes for their own configuration.
import { labTest, expect } from 'lvslab/vitest';

const test = labTest('article-single', {
  backend: 'embedded',
  directors: { ds1: { ipvsadm: [
    '-A -t 192.168.1.112:80 -s rr',
    '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1',
    '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1',
  ] } },
});

test('round robin through the VIP, as the article shows', async ({ lab }) => {
  const run = await lab.client.http('http://192.168.1.112/', { count: 4 });
  expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  expect(run).toBeRoundRobin(['RS1', 'RS2']);
  expect(await lab.director('ds1').ipvsadm('-Lnc')).toHaveConnection({ proto: 'tcp', client: '192.168.1.100', destination: '10.0.0.101:80' });
});
