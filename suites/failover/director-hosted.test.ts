// VRRP hosted by the embedded director daemon (IPVS + NFQUEUE data plane + VRRP in one process per
// director), on the article lab with its keepalived.conf: the client's HTTP probes go through the VIP
// to the real servers; SIGKILL of DS1's daemon with its links down moves VIP and DIP to DS2 and the
// real servers answer again through DS2 (the DIP move is what lets their NAT replies find DS2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { openEmbeddedBackend, type EmbeddedSession } from '../../src/lb/director/backend.js';
import { directorConf } from '../../test/vrrp/harness/confs.js';
import { holders, setLink, sleep, VIP, waitHolder } from '../../test/vrrp/harness/directors.js';
import { failoverTimeline } from '../../test/vrrp/harness/timeline.js';
import { summarize } from '../../test/vrrp/harness/probes.js';
import type { SpeakerStatus } from '../../src/lb/vrrp/speaker.js';
import { needs, probe } from '../../test/capabilities.js';
import { LAB_SLACK_MS, takeoverWindowMs, vrrpTimers } from '../../test/bounds.js';

describe('VRRP hosted by the embedded director daemon (article lab, IPVS path)', needs(await probe.root(), probe.built('dist/lb/director/main.js', 'dist/lb/director/vrrp-module.js')), () => {
  let lab: Lab;
  let session: EmbeddedSession;

  beforeAll(async () => {
    lab = await buildLab('article');
    session = openEmbeddedBackend(lab);
  }, 90_000);

  afterAll(async () => {
    await session?.close();
    await lab?.teardown();
  });

  const vrrpOf = async (d: string) => (await session.status(d)).modules.vrrp as SpeakerStatus;

  it('hard failure: the daemon dies with its host, DS2 takes VIP and DIP and the real servers answer through it', async () => {
    await session.startDirector('ds1', { keepalivedConf: directorConf('ds1') });
    await session.startDirector('ds2', { keepalivedConf: directorConf('ds2') });
    await waitHolder(lab, 'ds1', 20_000);
    expect((await vrrpOf('ds1')).instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);
    expect((await vrrpOf('ds2')).instances.map((i) => i.state)).toEqual(['BACKUP', 'BACKUP']);

    const agent = await lab.client.agent();
    const probing = agent.probeContinuously(VIP, { protocol: 'http', port: 80, everyMs: 20, forMs: 10_000, timeoutMs: 300 });
    await sleep(2000 + Math.random() * 1000);
    const faultAt = Date.now();
    await setLink(lab, 'ds1', 'eth0', false);
    await setLink(lab, 'ds1', 'eth1', false);
    await session.killDirector('ds1');
    const timeline = await probing;
    console.log(failoverTimeline('director-hosted hard failure', faultAt, timeline, []));

    expect(await holders(lab)).toMatchObject({ vip: expect.arrayContaining(['ds2']), dip: expect.arrayContaining(['ds2']) });
    const s2 = await vrrpOf('ds2');
    expect(s2.instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);
    const s = summarize(timeline);
    expect(s.recovered).toBe(true);
    const after = s.windows.filter((w) => (w.firstRecovered ?? Infinity) > faultAt);
    expect(after).toHaveLength(1);
    // DS2's master-down interval after DS1's last advert, plus the lab's slack
    expect(after[0].durationMs).toBeLessThanOrEqual(takeoverWindowMs(vrrpTimers(directorConf('ds2')), LAB_SLACK_MS).max);
    // the answers come from the real servers, before and after: the IPVS path, not the directors
    expect(s.servers.sort()).toEqual(['RS1', 'RS2']);
  });
});
