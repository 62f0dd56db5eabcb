// The embedded VRRP next to real keepalived 2.2.7 on the article lab (keepalived runs VRRP only,
// which needs no kernel IPVS): one master, handover both ways, and keepalived logs no protocol
// complaint about our adverts (checksum, auth, addresses, interval). Both role assignments, and
// VRRPv3 (whose checksum covers the IPv4 pseudo-header) as well as v2.
import { describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { directorConf, type ConfKnobs } from '../../test/vrrp/harness/confs.js';
import { DirectorVrrp, holders, sleep, vrrpMain, waitHolder, type Impl } from '../../test/vrrp/harness/directors.js';
import { articleVrrpLab } from '../../test/vrrp/harness/suite-lab.js';
import { needs, probe } from '../../test/capabilities.js';
import { LAB_SLACK_MS, resignTakeoverMs, vrrpTimers } from '../../test/bounds.js';


// what keepalived 2.2.7 logs when it rejects an advert (vrrp.c vrrp_check_packet and friends);
// "received lower priority (100) advert ... - discarding" is the protocol working (preempt), not one
const PROTOCOL_COMPLAINTS = /invalid|mismatch|bogus|not present|wrong|checksum|auth(entication)? (failure|type)|ttl|version/i;

describe('interop with keepalived 2.2.7', needs(await probe.root(), probe.built(vrrpMain), await probe.keepalived()), () => {
  const suite = articleVrrpLab();

  const cases: { ds1: Impl; ds2: Impl; knobs: ConfKnobs; name: string }[] = [
    { ds1: 'embedded', ds2: 'keepalived', knobs: {}, name: 'embedded master (150), keepalived backup (100), v2 + PASS' },
    { ds1: 'keepalived', ds2: 'embedded', knobs: {}, name: 'keepalived master (150), embedded backup (100), v2 + PASS' },
    { ds1: 'embedded', ds2: 'keepalived', knobs: { version: 3, advertInt: 0.1 }, name: 'embedded master, keepalived backup, v3 at 0.1 s' },
    { ds1: 'keepalived', ds2: 'embedded', knobs: { unicast: true }, name: 'keepalived master, embedded backup, unicast v2' },
    { ds1: 'embedded', ds2: 'keepalived', knobs: { unicast: true, version: 3, advertInt: 0.1 }, name: 'embedded master, keepalived backup, unicast v3 at 0.1 s' },
  ];

  for (const c of cases) {
    it(`${c.name}: one master, handover both ways, no protocol errors`, async () => {
      const ds1 = new DirectorVrrp(suite.lab, 'ds1', c.ds1, directorConf('ds1', c.knobs));
      const ds2 = new DirectorVrrp(suite.lab, 'ds2', c.ds2, directorConf('ds2', c.knobs));
      suite.running.push(ds1, ds2);
      await Promise.all([ds1.start(), ds2.start()]);
      await waitHolder(suite.lab, 'ds1', 15_000);
      // the backup keeps hearing the master: nobody else takes the addresses
      await sleep(c.knobs.version === 3 ? 1500 : 5000);
      expect(await holders(suite.lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });

      // master -> backup handover (graceful: priority 0): the backup waits its skew only
      await ds1.stop();
      const took = await waitHolder(suite.lab, 'ds2', 5000);
      expect(took).toBeLessThan(resignTakeoverMs(vrrpTimers(directorConf('ds2', c.knobs)), LAB_SLACK_MS));

      // and back: the returning higher priority preempts
      await ds1.start();
      await waitHolder(suite.lab, 'ds1', 10_000);
      await sleep(c.knobs.version === 3 ? 1000 : 3000);
      expect(await holders(suite.lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });

      const ka = c.ds1 === 'keepalived' ? ds1 : ds2;
      const emb = c.ds1 === 'embedded' ? ds1 : ds2;
      const complaints = ka.log().split('\n').filter((l) => PROTOCOL_COMPLAINTS.test(l) && !/Running on Linux|Starting Keepalived|Stopped Keepalived/.test(l));
      expect(complaints, `keepalived log:\n${ka.log()}`).toEqual([]);
      expect(ka.log()).toMatch(/Entering (MASTER|BACKUP) STATE/);
      // and we accepted every keepalived advert
      expect(emb.status()?.dropped ?? {}).toEqual({});
    });
  }

  it('notify scripts get the same arguments from both: INSTANCE|GROUP NAME STATE [PRIORITY]', async () => {
    const log = path.join(suite.lab.runDir, 'notify-interop.log');
    const script = (who: string) => {
      const f = path.join(suite.lab.runDir, `notify-${who}.sh`);
      writeFileSync(f, `#!/bin/sh\necho "${who} $*" >> ${log}\n`);
      chmodSync(f, 0o755);
      return f;
    };
    const ds1 = new DirectorVrrp(suite.lab, 'ds1', 'embedded', directorConf('ds1', { notify: script('embedded') }));
    const ds2 = new DirectorVrrp(suite.lab, 'ds2', 'keepalived', directorConf('ds2', { notify: script('keepalived') }));
    suite.running.push(ds1, ds2);
    await Promise.all([ds1.start(), ds2.start()]);
    await waitHolder(suite.lab, 'ds1', 15_000);
    await ds1.stop();
    await waitHolder(suite.lab, 'ds2', 5000);
    await sleep(500);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    // the order depends on who started first; the argument shape must not
    for (const l of lines) expect(l).toMatch(/^(embedded|keepalived) INSTANCE (VI_1|VI_GATEWAY) (MASTER|BACKUP|FAULT|STOP) \d+$/);
    expect(lines).toContain('keepalived INSTANCE VI_1 MASTER 100');
    expect(lines).toContain('keepalived INSTANCE VI_GATEWAY MASTER 100');
    expect(lines).toContain('embedded INSTANCE VI_1 MASTER 150');
    expect(lines).toContain('embedded INSTANCE VI_1 STOP 150');
  });

  it('the complaint check can fail: a wrong auth_pass makes keepalived complain and both sides count drops', async () => {
    const wrong = directorConf('ds1').replaceAll('auth_pass example', 'auth_pass other');
    const ds1 = new DirectorVrrp(suite.lab, 'ds1', 'embedded', wrong);
    const ds2 = new DirectorVrrp(suite.lab, 'ds2', 'keepalived', directorConf('ds2'));
    suite.running.push(ds1, ds2);
    await Promise.all([ds1.start(), ds2.start()]);
    await waitHolder(suite.lab, 'ds1', 15_000).catch(() => undefined);
    await sleep(4000);
    const complaints = ds2.log().split('\n').filter((l) => PROTOCOL_COMPLAINTS.test(l));
    expect(complaints.length, ds2.log()).toBeGreaterThan(0);
    // neither accepts the other's adverts, so both hold the addresses (split brain by configuration)
    expect(await holders(suite.lab)).toEqual({ vip: ['ds1', 'ds2'], dip: ['ds1', 'ds2'] });
    expect(ds1.status()!.dropped.auth).toBeGreaterThan(0);
  });
});
