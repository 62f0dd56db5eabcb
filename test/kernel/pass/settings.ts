// What the kernel scenarios (test/kernel/pass/scenarios.ts) run with — the article's keepalived.conf
// as each uses it, the failover's probe — in one place, so the suites derive their timing bounds from
// the very numbers keepalived and the probes ran with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../src/lab/vm/kernel-cache.js';

function articleConf(): string {
  return readFileSync(join(repoRoot(), 'scenarios/article/keepalived.conf'), 'utf8');
}

/** One director, no VRRP: only the virtual_server blocks, checked every second (delay_loop 1, connect_timeout 1). */
export function healthCheckConf(): string {
  const text = articleConf();
  return text.slice(text.indexOf('virtual_server')).replace(/delay_loop 6/g, 'delay_loop 1').replace(/connect_timeout 3/g, 'connect_timeout 1');
}

/** Both directors of the failover: ds1 MASTER 150 (the file verbatim but delay_loop 1, to settle faster), ds2 BACKUP 100. */
export function failoverConfs(): { ds1: string; ds2: string } {
  const ds1 = articleConf().replace(/delay_loop 6/g, 'delay_loop 1');
  const ds2 = ds1.replace(/state MASTER/g, 'state BACKUP').replace(/priority 150/g, 'priority 100').replace('router_id LVS_DS1', 'router_id LVS_DS2');
  return { ds1, ds2 };
}

/** After the VIP moved, the failover probes the VIP with one request at a time, this far apart, until one is answered. */
export const SERVING_PROBE = { timeoutMs: 2_000, everyMs: 200 };
