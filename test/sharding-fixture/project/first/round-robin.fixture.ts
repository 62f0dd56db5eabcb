import { expect, test } from '../lab.js';

test('two requests through the VIP alternate', async ({ lab }) => {
  expect(await lab.client.http('http://192.168.1.112/', { count: 2 })).toBeRoundRobin(['RS1', 'RS2']);
});
