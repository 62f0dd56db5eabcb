// The embedded VRRP next to real keepalived 2.2.7 over IPv6 (VRRPv3, ff02::12, link-local sources,
// neighbour advertisements), on the article lab with the two instances turned to IPv6 VIPs
// (test/vrrp/harness/confs.ts): one master, the IPv6 VIPs move on a graceful stop and come back on
// preemption, both role assignments, at 1 s and 0.1 s, multicast and unicast between link-local
// addresses; keepalived logs no protocol complaint about our adverts and we drop none of its. A
// client on the external segment then reaches the VIP's neighbour entry at the master's MAC.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { directorConf, type ConfKnobs } from '../../test/vrrp/harness/confs.js';
import { DirectorVrrp, macOf, sleep, vrrpMain, waitFor, type Impl } from '../../test/vrrp/harness/directors.js';
import { addLinkLocals, clientNeighbour6, clientResolve6, holders6, releaseVips6, waitHolder6 } from '../../test/vrrp/harness/ipv6.js';
import { articleVrrpLab } from '../../test/vrrp/harness/suite-lab.js';
import { needs, probe } from '../../test/capabilities.js';
import { LAB_SLACK_MS, resignTakeoverMs, vrrpTimers } from '../../test/bounds.js';

// what keepalived 2.2.7 logs when it rejects an advert (vrrp.c vrrp_check_packet and friends)
const PROTOCOL_COMPLAINTS = /invalid|mismatch|bogus|not present|wrong|checksum|unexpected|too (short|long)|TTL|version/i;

describe('interop with keepalived 2.2.7 over IPv6', needs(await probe.root(), probe.built(vrrpMain), await probe.keepalived()), () => {
  const suite = articleVrrpLab();
  beforeAll(async () => addLinkLocals(suite.lab));
  afterEach(async () => releaseVips6(suite.lab));

  const cases: { ds1: Impl; ds2: Impl; knobs: ConfKnobs; name: string }[] = [
    { ds1: 'embedded', ds2: 'keepalived', knobs: { ipv6: true }, name: 'embedded master (150), keepalived backup (100)' },
    { ds1: 'keepalived', ds2: 'embedded', knobs: { ipv6: true }, name: 'keepalived master (150), embedded backup (100)' },
    { ds1: 'embedded', ds2: 'keepalived', knobs: { ipv6: true, advertInt: 0.1 }, name: 'embedded master, keepalived backup, at 0.1 s' },
    { ds1: 'keepalived', ds2: 'embedded', knobs: { ipv6: true, unicast: true }, name: 'keepalived master, embedded backup, unicast between link-local addresses' },
  ];

  for (const c of cases) {
    it(`${c.name}: one master, the IPv6 VIPs move both ways, no protocol errors`, async () => {
      const ds1 = new DirectorVrrp(suite.lab, 'ds1', c.ds1, directorConf('ds1', c.knobs), '-v6');
      const ds2 = new DirectorVrrp(suite.lab, 'ds2', c.ds2, directorConf('ds2', c.knobs), '-v6');
      suite.running.push(ds1, ds2);
      await Promise.all([ds1.start(), ds2.start()]);
      await waitHolder6(suite.lab, 'ds1', 15_000);
      await sleep(c.knobs.advertInt ? 1500 : 5000);
      expect(await holders6(suite.lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });
      await clientResolve6(suite.lab);
      expect(await clientNeighbour6(suite.lab)).toBe(await macOf(suite.lab, 'ds1', 'eth0'));

      // graceful stop: priority 0, the backup takes the IPv6 VIPs after its skew
      await ds1.stop();
      const took = await waitHolder6(suite.lab, 'ds2', 5000);
      expect(took).toBeLessThan(resignTakeoverMs(vrrpTimers(directorConf('ds2', c.knobs)), LAB_SLACK_MS));

      // the client's entry for the VIP follows the new master's unsolicited neighbour advertisements
      // (Override flag) without asking
      const ds2Mac = await macOf(suite.lab, 'ds2', 'eth0');
      await waitFor('the client to point the IPv6 VIP at DS2', async () => (await clientNeighbour6(suite.lab)) === ds2Mac, 3000);

      // and back: the returning higher priority preempts
      await ds1.start();
      await waitHolder6(suite.lab, 'ds1', 10_000);
      await sleep(c.knobs.advertInt ? 1000 : 3000);
      expect(await holders6(suite.lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });

      const ka = c.ds1 === 'keepalived' ? ds1 : ds2;
      const emb = c.ds1 === 'embedded' ? ds1 : ds2;
      const complaints = ka.log().split('\n').filter((l) => PROTOCOL_COMPLAINTS.test(l) && !/Running on Linux|Starting Keepalived|Stopped Keepalived/.test(l));
      expect(complaints, `keepalived log:\n${ka.log()}`).toEqual([]);
      expect(ka.log()).toMatch(/Entering (MASTER|BACKUP) STATE/);
      expect(emb.status()?.dropped ?? {}).toEqual({});
      expect(emb.status()!.instances.every((i) => i.version === 3 && i.primaryAddress.startsWith('fe80::'))).toBe(true);
    }, 60_000);
  }
});
