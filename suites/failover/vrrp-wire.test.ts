// keepalived on the wire: the embedded VRRP and keepalived 2.2.7 run, one after the other, the
// article's keepalived.conf verbatim on DS1 (VI_1 on eth0, VI_GATEWAY on eth1, sync group VG1), and
// what DS1 puts on both segments is captured on DS2 (idle) with tcpdump: adverts while master, the
// priority-0 resignation on SIGTERM, and both gratuitous-ARP bursts (garp_master_repeat 5, again
// after garp_master_delay 5 s). The frames are compared byte for byte, Ethernet and IP headers
// included. Both run on the same director with the same addresses and MACs, so nothing is masked
// except, for the resignation, the IP id and header checksum: the id counts adverts (keepalived's
// per-instance counter from 1), and how many were sent before SIGTERM depends on timing; each
// capture's ids are checked to run 1, 2, 3, ... through the resignation instead. The same again with
// the file turned to VRRPv3 (checksum over the IPv4 pseudo-header, no authentication), and a wrong
// password, which both must log with the same words.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { capability, needs, probe } from '../../test/capabilities.js';
import { ARTICLE_CONF, directorConf } from '../../test/vrrp/harness/confs.js';
import { DIP, DirectorVrrp, macOf, sleep, VIP, vrrpMain, waitFor, waitHolder, type Impl } from '../../test/vrrp/harness/directors.js';
import { articleVrrpLab } from '../../test/vrrp/harness/suite-lab.js';
import { describeFrame, ipId, SegmentCapture, withoutIpId, type WireFrames } from '../../test/vrrp/harness/wire.js';

const SEGMENTS = [
  { instance: 'VI_1', ifname: 'eth0', vip: VIP },
  { instance: 'VI_GATEWAY', ifname: 'eth1', vip: DIP },
] as const;
/** garp_master_repeat (5) per burst, two bursts (garp_master_delay 5 s) */
const GARPS = 10;

type Captured = Record<(typeof SEGMENTS)[number]['instance'], WireFrames>;

const VARIANTS = [
  { name: "the article's file (VRRPv2, auth PASS)", conf: () => readFileSync(ARTICLE_CONF, 'utf8') },
  { name: 'the article turned to VRRPv3', conf: () => directorConf('ds1', { version: 3 }) },
];

const tcpdump = capability('tcpdump', ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some(existsSync), 'tcpdump is not installed (scripts/setup installs it)', 'not-installed');

describe('VRRP frames: embedded vs keepalived 2.2.7, byte for byte', needs(await probe.root(), probe.built(vrrpMain), await probe.keepalived(), tcpdump), () => {
  const suite = articleVrrpLab();
  const captured = new Map<string, Captured>();

  /** DS1 runs the article's file until both bursts of gratuitous ARP are out, then stops (priority 0) */
  async function capture(impl: Impl, conf: string, tag: string): Promise<Captured> {
    const lab = suite.lab;
    const caps = await Promise.all(
      SEGMENTS.map(async (s) => new SegmentCapture(lab, 'ds2', s.ifname, await macOf(lab, 'ds1', s.ifname), `${impl}-${tag}-${s.instance}`)),
    );
    for (const c of caps) await c.start(60, 400);
    const ds1 = new DirectorVrrp(lab, 'ds1', impl, conf, `-wire-${impl}-${tag}`);
    suite.running.push(ds1);
    await ds1.start();
    await waitHolder(lab, 'ds1', 15_000);
    // the second burst follows garp_master_delay (5 s) after MASTER; allow 10 s more
    await waitFor('both bursts of gratuitous ARP on both segments', async () => caps.every((c) => c.frames().garps.length >= GARPS), 15_000, 200);
    await sleep(1500); // one more advert at least, and no third burst
    await ds1.stop();
    suite.running = suite.running.filter((d) => d !== ds1);
    await sleep(1000);
    const frames = await Promise.all(caps.map((c) => c.stop()));
    return { VI_1: frames[0], VI_GATEWAY: frames[1] };
  }

  VARIANTS.forEach((v, vi) => {
    describe(v.name, () => {
      for (const impl of ['keepalived', 'embedded'] as const) {
        it(`captures ${impl}: adverts with ids 1, 2, 3, ..., one resignation, ${GARPS} gratuitous ARPs per VIP`, async () => {
          const c = await capture(impl, v.conf(), `v${vi}`);
          captured.set(`${vi}/${impl}`, c);
          for (const s of SEGMENTS) {
            const f = c[s.instance];
            const show = `${impl} ${s.instance}:\n${[...f.adverts, ...f.resign, ...f.garps, ...f.other].map(describeFrame).join('\n')}`;
            expect(f.other, show).toEqual([]);
            expect(f.adverts.length, show).toBeGreaterThanOrEqual(3);
            expect(f.resign.length, show).toBe(1);
            expect(f.garps.length, show).toBe(GARPS);
            // one IP id counter per instance, from 1, through the resignation
            expect([...f.adverts, ...f.resign].map(ipId), show).toEqual(Array.from({ length: f.adverts.length + 1 }, (_, i) => i + 1));
          }
        }, 60_000);
      }

      it('the frames are the same bytes', () => {
        const k = captured.get(`${vi}/keepalived`);
        const e = captured.get(`${vi}/embedded`);
        if (!k || !e) throw new Error('a capture failed (see above)');
        for (const s of SEGMENTS) compareSegment(s.instance, k[s.instance], e[s.instance]);
      });
    });
  });

  it('a wrong password: both drop the adverts and log the same line', async () => {
    const wrong = readFileSync(ARTICLE_CONF, 'utf8').replaceAll('auth_pass example', 'auth_pass other');
    const ds1 = new DirectorVrrp(suite.lab, 'ds1', 'embedded', wrong, '-wire-pass');
    const ds2 = new DirectorVrrp(suite.lab, 'ds2', 'keepalived', directorConf('ds2'), '-wire-pass');
    suite.running.push(ds1, ds2);
    await Promise.all([ds1.start(), ds2.start()]);
    // neither accepts the other: both become master and advertise; give each a few adverts to drop.
    // The two instances advertise on their own timers, so wait until each side has logged a drop for
    // both (or the 15 s run out, and the comparison below shows which line is missing).
    const lines = (d: DirectorVrrp) => [...new Set(d.log().split('\n').flatMap((l) => /(\(VI_\w+\) received an invalid passwd!)$/.exec(l)?.[1] ?? []))].sort();
    await waitFor('both sides to log a dropped advert on both instances', async () => [ds1, ds2].every((d) => lines(d).length >= 2), 15_000, 200).catch(() => undefined);
    expect(lines(ds1)).toEqual(lines(ds2));
    expect(lines(ds1)).toEqual(['(VI_1) received an invalid passwd!', '(VI_GATEWAY) received an invalid passwd!']);
    // the speaker's state file is rewritten every 200 ms: the count may trail the log line
    const auth = await waitFor('the embedded speaker to count its auth drops', async () => ds1.status()?.dropped.auth, 5_000, 100).catch(() => ds1.status()?.dropped.auth);
    expect(auth).toBeGreaterThan(0);
  }, 60_000);
});

function compareSegment(instance: string, kf: WireFrames, ef: WireFrames): void {
  const n = Math.min(kf.adverts.length, ef.adverts.length);
  console.log(
    `${instance}: ${n} adverts, 1 resignation, ${GARPS} gratuitous ARPs compared\n` +
      `  keepalived advert 1: ${describeFrame(kf.adverts[0])}\n  embedded   advert 1: ${describeFrame(ef.adverts[0])}\n` +
      `  keepalived ARP 1: ${describeFrame(kf.garps[0])}\n  embedded   ARP 1: ${describeFrame(ef.garps[0])}`,
  );
  for (let i = 0; i < n; i++) {
    expect(describeFrame(ef.adverts[i]), `${instance} advert ${i + 1}`).toBe(describeFrame(kf.adverts[i]));
    expect(ef.adverts[i].equals(kf.adverts[i]), `${instance} advert ${i + 1}`).toBe(true);
  }
  expect(describeFrame(withoutIpId(ef.resign[0])), `${instance} priority 0`).toBe(describeFrame(withoutIpId(kf.resign[0])));
  for (let i = 0; i < GARPS; i++) {
    expect(describeFrame(ef.garps[i]), `${instance} gratuitous ARP ${i + 1}`).toBe(describeFrame(kf.garps[i]));
    expect(ef.garps[i].equals(kf.garps[i]), `${instance} gratuitous ARP ${i + 1}`).toBe(true);
  }
}
