import { expect, test } from '../lab.js';

test('four requests split two and two', async ({ lab }) => {
  expect((await lab.client.http('http://192.168.1.112/', { count: 4 })).counts).toEqual({ RS1: 2, RS2: 2 });
});
