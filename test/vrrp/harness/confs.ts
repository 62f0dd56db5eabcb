// keepalived.conf variants of the article's file for the failover suites: DS1 as written (MASTER,
// 150), DS2 with `state BACKUP` and priority 100 as the article says, plus the knobs a scenario turns
// (VRRP version and advert interval, nopreempt, track_interface). Built on the parsed description
// and rendered, so each variant is what keepalived itself would read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseKeepalivedConf, renderKeepalivedConf, type KeepalivedConfig } from '../../../src/lb/keepalived/index.js';

export const ARTICLE_CONF = fileURLToPath(new URL('../../../scenarios/article/keepalived.conf', import.meta.url));

export interface ConfKnobs {
  version?: 2 | 3;
  /** seconds */
  advertInt?: number;
  /** DS1 starts BACKUP with nopreempt (keepalived ignores nopreempt on a MASTER) */
  nopreempt?: boolean;
  /** add track_interface { IF } to every instance */
  trackInterface?: string[];
  /** notify script for every instance */
  notify?: string;
  /** unicast VRRP between the two directors' own addresses instead of 224.0.0.18 */
  unicast?: boolean;
}

/** the directors' own addresses on each instance's segment (the article preset's plan) */
const OWN: Record<'ds1' | 'ds2', Record<string, string>> = {
  ds1: { VI_1: '192.168.1.110', VI_GATEWAY: '10.0.0.103' },
  ds2: { VI_1: '192.168.1.111', VI_GATEWAY: '10.0.0.104' },
};

export function articleConfig(): KeepalivedConfig {
  return parseKeepalivedConf(readFileSync(ARTICLE_CONF, 'utf8'), { file: ARTICLE_CONF }).config;
}

export function directorConf(director: 'ds1' | 'ds2', knobs: ConfKnobs = {}): string {
  const c = articleConfig();
  for (const i of c.vrrpInstances) {
    if (director === 'ds2') {
      i.state = 'BACKUP';
      i.priority = 100;
    }
    if (knobs.version) i.version = knobs.version;
    if (knobs.advertInt !== undefined) i.advertInt = knobs.advertInt;
    if (knobs.version === 3) delete i.authentication; // VRRPv3 has no authentication
    if (knobs.nopreempt && director === 'ds1') {
      i.state = 'BACKUP';
      i.nopreempt = true;
    }
    if (knobs.trackInterface) i.trackInterface = knobs.trackInterface.map((name) => ({ interface: name }));
    if (knobs.notify) i.notify = knobs.notify;
    if (knobs.unicast) {
      const peer = director === 'ds1' ? 'ds2' : 'ds1';
      i.unicastSrcIp = OWN[director][i.name];
      i.unicastPeer = [OWN[peer][i.name]];
    }
  }
  return renderKeepalivedConf(c, `! ${director} for a failover suite (lvslab)`);
}
