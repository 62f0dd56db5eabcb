import { expect, test } from '../lab.js';

// Fails on purpose: the merged report must carry a failure (and a failing exit status) as the
// unsharded run does.
test('round robin never answers RS1 twice in a row (fails on purpose)', async ({ lab }) => {
  expect((await lab.client.http('http://192.168.1.112/', { count: 2 })).sequence).toEqual(['RS1', 'RS1']);
});
