// Failover between the article's two directors with the embedded VRRP: election, hard
// failure (v2 at 1 s and v3 at 0.1 s), graceful stop, link cut with track_interface (preempt and
// nopreempt), split brain. Each director's agent serves HTTP on :80, so the client's probes of the
// VIP measure VRRP + gratuitous ARP alone; who holds the VIP and the DIP is read with `ip addr`.
import { writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { directorConf, type ConfKnobs } from '../../test/vrrp/harness/confs.js';
import {
  blockVrrp,
  clientNeighbour,
  DIP,
  DirectorVrrp,
  heldAddresses,
  holders,
  macOf,
  setLink,
  sleep,
  VIP,
  vrrpMain,
  waitFor,
  waitHolder,
} from '../../test/vrrp/harness/directors.js';
import { probeVip, serveOnDirectors, summarize } from '../../test/vrrp/harness/probes.js';
import { failoverTimeline } from '../../test/vrrp/harness/timeline.js';
import { needs, probe } from '../../test/capabilities.js';
import { LAB_SLACK_MS, resignTakeoverMs, takeoverWindowMs, vrrpTimers } from '../../test/bounds.js';


describe('failover with the embedded VRRP (article lab)', needs(await probe.root(), probe.built(vrrpMain)), () => {
  let lab: Lab;
  let running: DirectorVrrp[] = [];

  beforeAll(async () => {
    lab = await buildLab('article');
    await serveOnDirectors(lab);
  }, 90_000);

  afterEach(async () => {
    for (const d of running) await d.kill();
    running = [];
    // undo whatever a scenario did to the directors: links up, VRRP unblocked, VIP/DIP released
    for (const d of ['ds1', 'ds2']) {
      for (const i of ['eth0', 'eth1']) await setLink(lab, d, i, true);
      await lab.host(d).exec(['iptables', '-w', '-F'], { check: false });
      for (const [a, dev] of [[VIP, 'eth0'], [DIP, 'eth1']]) await lab.host(d).exec(['ip', 'addr', 'del', `${a}/24`, 'dev', dev], { check: false });
    }
  });

  afterAll(async () => {
    for (const d of running) await d.kill();
    await lab?.teardown();
  });

  async function startPair(knobs: ConfKnobs = {}, order: ('ds1' | 'ds2')[] = ['ds1', 'ds2']): Promise<Record<'ds1' | 'ds2', DirectorVrrp>> {
    const ds = {
      ds1: new DirectorVrrp(lab, 'ds1', 'embedded', directorConf('ds1', knobs)),
      ds2: new DirectorVrrp(lab, 'ds2', 'embedded', directorConf('ds2', knobs)),
    };
    running.push(ds.ds1, ds.ds2);
    await Promise.all(order.map((d) => ds[d].start()));
    await waitHolder(lab, 'ds1', 15_000);
    return ds;
  }

  it('election: DS1 (150) becomes master, DS2 (100) backup; VIP and DIP both on DS1; notify runs', async () => {
    const notifyLog = path.join(lab.runDir, 'notify.log');
    const script = path.join(lab.runDir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\necho "$(cat /proc/sys/kernel/hostname) $*" >> ${notifyLog}\n`);
    chmodSync(script, 0o755);
    const ds = await startPair({ notify: script });
    expect(await holders(lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });
    await sleep(1500); // DS2 keeps hearing DS1: it must stay backup past its own master-down interval
    expect(await holders(lab)).toEqual({ vip: ['ds1'], dip: ['ds1'] });
    const s1 = ds.ds1.status()!;
    const s2 = ds.ds2.status()!;
    expect(s1.instances.map((i) => [i.name, i.state])).toEqual([['VI_1', 'MASTER'], ['VI_GATEWAY', 'MASTER']]);
    expect(s2.instances.map((i) => [i.name, i.state, i.masterAddress])).toEqual([
      ['VI_1', 'BACKUP', '192.168.1.110'],
      ['VI_GATEWAY', 'BACKUP', '10.0.0.103'],
    ]);
    // keepalived starts in BACKUP even with `state MASTER`, then waits its master-down timer
    const seq = s1.transitions.map((t) => `${t.instance}:${t.to}`);
    expect(seq.slice(0, 2).sort()).toEqual(['VI_1:BACKUP', 'VI_GATEWAY:BACKUP']);
    expect(seq.slice(2, 4).sort()).toEqual(['VI_1:MASTER', 'VI_GATEWAY:MASTER']);
    // ...and becomes master no sooner than its master-down interval (3 x 1 s + 106/256 s; `at` in whole ms)
    expect(s1.transitions[2].at - s1.transitions[0].at).toBeGreaterThanOrEqual(Math.floor(vrrpTimers(directorConf('ds1')).masterDownMs));
    expect(s2.dropped).toEqual({});
    await waitFor('notify scripts', async () => existsSync(notifyLog) && readFileSync(notifyLog, 'utf8').includes('INSTANCE VI_1 MASTER 150'), 5000);
    const notes = readFileSync(notifyLog, 'utf8');
    expect(notes).toContain('INSTANCE VI_GATEWAY MASTER 150');
    expect(notes).toContain('INSTANCE VI_1 BACKUP 100');
  });

  // the outage lasts at most DS2's master-down interval after DS1's last advert, plus the lab's slack
  for (const v of [
    { name: 'v2 at 1 s', knobs: { version: 2, advertInt: 1 } as ConfKnobs },
    { name: 'v3 at 0.1 s', knobs: { version: 3, advertInt: 0.1 } as ConfKnobs },
  ].map((v) => ({ ...v, budgetMs: Math.round(takeoverWindowMs(vrrpTimers(directorConf('ds2', v.knobs)), LAB_SLACK_MS).max) }))) {
    it(`hard failure (${v.name}): SIGKILL the master and drop its links; VIP and DIP move together, traffic resumes within ${v.budgetMs} ms`, async () => {
      const ds = await startPair(v.knobs);
      const ds2Mac = await macOf(lab, 'ds2');
      const probing = probeVip(lab, 10_000, 20);
      await sleep(2000 + Math.random() * 1000); // a random phase against the advert timer
      const faultAt = Date.now();
      // the director host dies: its links go, then its process (the article's measurement did the same)
      await setLink(lab, 'ds1', 'eth0', false);
      await setLink(lab, 'ds1', 'eth1', false);
      await ds.ds1.kill();
      const timeline = await probing;
      console.log(failoverTimeline(`hard failure ${v.name}`, faultAt, timeline, [ds.ds2]));
      const h = await holders(lab);
      expect(h.dip).toContain('ds2');
      expect(h.vip).toContain('ds2');
      expect(await clientNeighbour(lab)).toBe(ds2Mac);
      const s = summarize(timeline);
      expect(s.recovered).toBe(true);
      // judge the failover's window; earlier ones are probe timeouts of a loaded machine, not VRRP
      const after = s.windows.filter((w) => (w.firstRecovered ?? Infinity) > faultAt);
      expect(after).toHaveLength(1);
      expect(after[0].serverBefore).toBe('DS1');
      expect(after[0].serverAfter).toBe('DS2');
      expect(after[0].durationMs).toBeLessThanOrEqual(v.budgetMs);
      expect(ds.ds2.status()!.instances.every((i) => i.state === 'MASTER')).toBe(true);
    });
  }

  it('graceful stop: the master resigns with priority 0 and DS2 takes over within its skew + the lab slack', async () => {
    const ds = await startPair();
    const probing = probeVip(lab, 6000, 20);
    await sleep(2000);
    const faultAt = Date.now();
    await ds.ds1.stop();
    const timeline = await probing;
    console.log(failoverTimeline('graceful stop', faultAt, timeline, [ds.ds2]));
    expect(await holders(lab)).toEqual({ vip: ['ds2'], dip: ['ds2'] });
    const s = summarize(timeline);
    expect(s.recovered).toBe(true);
    const after = s.windows.filter((w) => (w.firstRecovered ?? Infinity) > faultAt);
    expect(after).toHaveLength(1);
    const resign = resignTakeoverMs(vrrpTimers(directorConf('ds2')), LAB_SLACK_MS);
    expect(after[0].durationMs).toBeLessThanOrEqual(resign);
    const took = ds.ds2.status()!.transitions.find((t) => t.to === 'MASTER' && t.wall >= faultAt)!.wall - faultAt;
    expect(took).toBeLessThan(resign);
  });

  for (const nopreempt of [false, true]) {
    it(`link cut with track_interface: takeover; heal: ${nopreempt ? 'nopreempt keeps DS2 master' : 'DS1 preempts back'}`, async () => {
      const ds = await startPair({ trackInterface: ['eth0'], nopreempt });
      const faultAt = Date.now();
      await setLink(lab, 'ds1', 'eth0', false);
      await waitHolder(lab, 'ds2', 5000);
      // VI_GATEWAY's priority-0 resignation reaches DS2 over the internal link, but as in keepalived
      // the group waits until VI_1 also misses its master: 3 adverts + skew at most
      const took = ds.ds2.status()!.transitions.find((t) => t.to === 'MASTER' && t.wall >= faultAt)!.wall - faultAt;
      expect(took).toBeLessThan(takeoverWindowMs(vrrpTimers(directorConf('ds2', { trackInterface: ['eth0'], nopreempt })), LAB_SLACK_MS).max);
      const gw = ds.ds2.status()!.transitions.find((t) => t.instance === 'VI_GATEWAY' && t.to === 'MASTER' && t.wall >= faultAt)!;
      expect(gw.reason).toMatch(/sync group VG1: VI_1 became MASTER/);
      expect(ds.ds1.status()!.instances.map((i) => i.state)).toEqual(['FAULT', 'FAULT']);
      expect(await heldAddresses(lab, 'ds1')).not.toContain(DIP);
      await setLink(lab, 'ds1', 'eth0', true);
      if (nopreempt) {
        await sleep(5000);
        expect(await holders(lab)).toEqual({ vip: ['ds2'], dip: ['ds2'] });
        expect(ds.ds1.status()!.instances.map((i) => i.state)).toEqual(['BACKUP', 'BACKUP']);
      } else {
        const back = await waitHolder(lab, 'ds1', 6000);
        // back up -> BACKUP; DS2's lower adverts are ignored; DS1's master-down (3.41 s) later it preempts
        // (counted from after the link came up, which the slack covers)
        expect(back).toBeGreaterThan(vrrpTimers(directorConf('ds1')).masterDownMs - LAB_SLACK_MS);
      }
    });
  }

  it('split brain: with VRRP blocked both become master; healed, exactly one master remains and re-sends gratuitous ARP', async () => {
    const ds = await startPair();
    const ds1Mac = await macOf(lab, 'ds1');
    await blockVrrp(lab, 'ds1', true);
    await blockVrrp(lab, 'ds2', true);
    await waitFor('both directors master', async () => {
      const h = await holders(lab);
      return h.vip.length === 2 && h.dip.length === 2;
    }, 6000);
    const garpsBefore = ds.ds1.status()!.garpsSent;
    // DS2's gratuitous ARP pulled the client to DS2
    await waitFor('client pointed at DS2', async () => (await clientNeighbour(lab)) === (await macOf(lab, 'ds2')), 3000);
    await blockVrrp(lab, 'ds1', false);
    await blockVrrp(lab, 'ds2', false);
    await waitHolder(lab, 'ds1', 4000);
    expect(ds.ds2.status()!.instances.map((i) => i.state)).toEqual(['BACKUP', 'BACKUP']);
    await waitFor('DS1 re-sent gratuitous ARP', async () => ds.ds1.status()!.garpsSent > garpsBefore, 3000);
    await waitFor('client back on DS1', async () => (await clientNeighbour(lab)) === ds1Mac, 3000);
  });
});
