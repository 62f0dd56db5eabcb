// The article lab for a VRRP suite, as vitest hooks: built once before the suite; after each test
// whatever VRRP it started is killed and the VIP and DIP are released on both directors; torn down at
// the end (also when a test failed). Kept apart from the harness index: it imports vitest, and the
// failover bench imports the harness too.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildLab, type Lab } from '../../../src/lab/index.js';
import { DIP, type DirectorVrrp, VIP } from './directors.js';

export interface SuiteLab {
  /** the lab (built in beforeAll) */
  readonly lab: Lab;
  /** VRRP processes a test started; killed after it */
  running: DirectorVrrp[];
}

export function articleVrrpLab(opts: { agents?: boolean } = {}): SuiteLab {
  let built: Lab | undefined;
  const s: SuiteLab = {
    get lab(): Lab {
      if (!built) throw new Error('the article lab is built in beforeAll');
      return built;
    },
    running: [],
  };
  beforeAll(async () => {
    built = await buildLab('article', { agents: opts.agents ?? false });
  }, 90_000);
  afterEach(async () => {
    for (const d of s.running) await d.kill();
    s.running = [];
    for (const d of ['ds1', 'ds2']) {
      for (const [a, dev] of [[VIP, 'eth0'], [DIP, 'eth1']]) await s.lab.host(d).exec(['ip', 'addr', 'del', `${a}/24`, 'dev', dev], { check: false });
    }
  });
  afterAll(async () => {
    for (const d of s.running) await d.kill();
    await built?.teardown();
  });
  return s;
}
