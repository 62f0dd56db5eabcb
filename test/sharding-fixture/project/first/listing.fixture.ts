import { expect, test } from '../lab.js';

test('ipvsadm -Ln lists the service', async ({ lab }) => {
  expect((await lab.director('ds1').ipvsadm('-Ln')).stdout).toContain('TCP  192.168.1.112:80 rr');
});

// A skipped test must stay skipped (and build no lab) in the merged report.
test.skip('a skipped test', () => undefined);
