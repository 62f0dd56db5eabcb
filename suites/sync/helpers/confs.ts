// keepalived.conf variants of the article's file for the sync suites, built on the parsed
// description and rendered back, so each is what keepalived itself would read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseKeepalivedConf, renderKeepalivedConf } from '../../../src/lb/keepalived/index.js';

export const ARTICLE_CONF = fileURLToPath(new URL('../../../scenarios/article/keepalived.conf', import.meta.url));

export type Ds = 'ds1' | 'ds2';

/** The article's file as a director runs it, untouched but for DS2's "state BACKUP, priority 100". */
export function articleVerbatim(ds: Ds): string {
  const text = readFileSync(ARTICLE_CONF, 'utf8');
  return ds === 'ds1' ? text : text.replaceAll('state MASTER', 'state BACKUP').replaceAll('priority 150', 'priority 100');
}

/**
 * The article's directors with `lvs_sync_daemon <iface> VI_1` in global_defs (and the misspelled
 * per-instance keyword dropped), VRRP version and advert interval as given.
 */
export function withSyncDaemon(ds: Ds, opts: { version?: 2 | 3; advertInt?: number; iface?: string; preemptDelay?: number } = {}): string {
  const { config } = parseKeepalivedConf(articleVerbatim(ds), { file: ARTICLE_CONF });
  config.globalDefs.lvsSyncDaemon = { interface: opts.iface ?? 'eth0', instance: 'VI_1' };
  for (const i of config.vrrpInstances) {
    if (opts.version) i.version = opts.version;
    if (opts.advertInt !== undefined) i.advertInt = opts.advertInt;
    if (opts.version === 3) delete i.authentication; // VRRPv3 has no authentication
    if (opts.preemptDelay !== undefined) {
      // keepalived honours preempt_delay only for an instance starting in BACKUP
      i.state = 'BACKUP';
      i.preemptDelay = opts.preemptDelay;
    }
  }
  return renderKeepalivedConf(config, `! ${ds} with lvs_sync_daemon (lvslab sync suite)`);
}
