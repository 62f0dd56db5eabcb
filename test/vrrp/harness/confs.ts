// keepalived.conf variants of the article's file for the failover suites: DS1 as written (MASTER,
// 150), DS2 with `state BACKUP` and priority 100 as the article says, plus the knobs a scenario turns
// (VRRP version and advert interval, nopreempt, track_interface). Built on the parsed description
// and rendered, so each variant is what keepalived itself would read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseKeepalivedConf, renderKeepalivedConf, type KeepalivedConfig } from '../../../src/lb/keepalived/index.js';

export const ARTICLE_CONF = fileURLToPath(new URL('../../../scenarios/article/keepalived.conf', import.meta.url));

/**
 * A file keepalived 2.2.7 reads with corrections, for the parser's message tests (the unit test holds
 * `keepalived -t`'s recorded lines, suites/failover/keepalived-conf.test.ts replays it live):
 * unknown keywords at the top (reported by every keepalived process), the checker's and the VRRP
 * child's after-read checks, and what they clear.
 */
export const CORRECTED_CONF = `foo_top 1
global_defs {
   router_id R1
   max_auto_priority 200
}
vrrp_instance VI_1 {
   state MASTER
   interface eth0
   virtual_router_id 51
   nopreempt
   lvs_sync_daemon_interface eth0
   virtual_ipaddress {
      10.0.0.1/24
   }
}
vrrp_instance VI_2 {
   state MASTER
   interface eth1
   virtual_router_id 52
   priority 150
   nopreempt
   preempt_delay 10
   version 3
   authentication {
      auth_type PASS
      auth_pass secret
   }
   virtual_ipaddress {
      10.0.0.2/24
   }
}
vrrp_instance VI_3 {
   interface eth1
   virtual_router_id 53
   nopreempt
   preempt_delay 5
   lvs_sync_daemon_interface eth1
   virtual_ipaddress {
   }
}
bar_top 2
virtual_server 10.0.0.1 80 {
   real_server 10.0.0.2 80 {
   }
   real_server 10.0.0.2 80 {
   }
}
virtual_server 10.0.0.1 81 {
   protocol TCP
}
`;

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
  /** unicast VRRP between the two directors' own addresses instead of 224.0.0.18 (ff02::12) */
  unicast?: boolean;
  /** VRRPv3 over IPv6: each instance's VIPs become IPv6 ones (ipv6.ts), its sources link-local */
  ipv6?: boolean;
}

/** the directors' own addresses on each instance's segment (the article preset's plan) */
const OWN: Record<'ds1' | 'ds2', Record<string, string>> = {
  ds1: { VI_1: '192.168.1.110', VI_GATEWAY: '10.0.0.103' },
  ds2: { VI_1: '192.168.1.111', VI_GATEWAY: '10.0.0.104' },
};

/** what the IPv6 variant advertises: a link-local address first (RFC 5798 5.2.9), then a routable one */
export const VIPS6: Record<string, string[]> = {
  VI_1: ['fe80::112', '2001:db8:1::112'],
  VI_GATEWAY: ['fe80::105', 'fd00:1::105'],
};

/** the link-local addresses the IPv6 suites give the directors (the lab's interfaces have none) */
export const LINK_LOCAL6: Record<'ds1' | 'ds2', Record<string, string>> = {
  ds1: { VI_1: 'fe80::110', VI_GATEWAY: 'fe80::103' },
  ds2: { VI_1: 'fe80::111', VI_GATEWAY: 'fe80::104' },
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
    if (knobs.ipv6) {
      delete i.authentication;
      delete i.version; // an IPv6 instance is version 3
      i.virtualIpaddress = VIPS6[i.name].map((address) => ({ address, prefixLength: 64, dev: i.interface! }));
    }
    if (knobs.unicast) {
      const peer = director === 'ds1' ? 'ds2' : 'ds1';
      const own = knobs.ipv6 ? LINK_LOCAL6 : OWN;
      i.unicastSrcIp = own[director][i.name];
      i.unicastPeer = [own[peer][i.name]];
    }
  }
  return renderKeepalivedConf(c, `! ${director} for a failover suite (lvslab)`);
}
