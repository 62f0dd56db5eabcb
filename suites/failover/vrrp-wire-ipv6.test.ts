// VRRPv3 over IPv6 on the wire: the embedded VRRP and keepalived 2.2.7 run, one after the other, the
// article's two instances turned to IPv6 (test/vrrp/harness/confs.ts: a link-local and a routable VIP
// each, no version line: IPv6 means version 3) on DS1, and what DS1 puts on both segments is captured
// on DS2 (idle) with tcpdump: adverts while master (the IPv6 header is the kernel's, written from the
// socket options each sets: traffic class 0xc0, hop limit 255, link-local source, ff02::12, and the
// kernel's automatic flow label), the priority-0 resignation on SIGTERM, and both bursts of
// unsolicited neighbour advertisements (garp_master_repeat 5 rounds over the two VIPs, again after
// garp_master_delay 5 s). Frames are compared whole, byte for byte, and nothing is masked: IPv6 has no
// IP id, and the flow label is a hash of the flow (same addresses, same protocol) with the kernel's
// per-boot secret, so it is the same for both. Then what each drops, with keepalived's line: an
// advert one hop short (hop limit 254, sent by test/vrrp/send-advert6.ts), and a VIP list that
// differs between the two directors.
import { describe, expect, it, afterEach, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { capability, needs, probe } from '../../test/capabilities.js';
import { directorConf, LINK_LOCAL6, VIPS6 } from '../../test/vrrp/harness/confs.js';
import { nodeWithTsx } from '../../test/tsx.js';
import { DirectorVrrp, macOf, sleep, vrrpMain, waitFor, type Impl } from '../../test/vrrp/harness/directors.js';
import { addLinkLocals, releaseVips6, waitHolder6 } from '../../test/vrrp/harness/ipv6.js';
import { articleVrrpLab } from '../../test/vrrp/harness/suite-lab.js';
import { describeFrame, SegmentCapture, type WireFrames } from '../../test/vrrp/harness/wire.js';

const SEGMENTS = [
  { instance: 'VI_1', ifname: 'eth0' },
  { instance: 'VI_GATEWAY', ifname: 'eth1' },
] as const;
/** garp_master_repeat (5) rounds over 2 VIPs, two bursts (garp_master_delay 5 s) */
const NAS = 5 * 2 * 2;
const SENDER = fileURLToPath(new URL('../../test/vrrp/send-advert6.ts', import.meta.url));

type Captured = Record<(typeof SEGMENTS)[number]['instance'], WireFrames>;

const tcpdump = capability('tcpdump', ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some(existsSync), 'tcpdump is not installed (scripts/setup installs it)', 'not-installed');

describe('VRRPv3 over IPv6: embedded vs keepalived 2.2.7, byte for byte', needs(await probe.root(), probe.built(vrrpMain), await probe.keepalived(), tcpdump), () => {
  const suite = articleVrrpLab();
  const captured = new Map<Impl, Captured>();
  beforeAll(async () => addLinkLocals(suite.lab));
  afterEach(async () => releaseVips6(suite.lab));

  async function capture(impl: Impl): Promise<Captured> {
    const lab = suite.lab;
    const caps = await Promise.all(SEGMENTS.map(async (s) => new SegmentCapture(lab, 'ds2', s.ifname, await macOf(lab, 'ds1', s.ifname), `${impl}-v6-${s.instance}`, 6)));
    for (const c of caps) await c.start(60, 400);
    const ds1 = new DirectorVrrp(lab, 'ds1', impl, directorConf('ds1', { ipv6: true }), `-wire6-${impl}`);
    suite.running.push(ds1);
    await ds1.start();
    await waitHolder6(lab, 'ds1', 15_000);
    await waitFor('both bursts of neighbour advertisements on both segments', async () => caps.every((c) => c.frames().nas.length >= NAS), 15_000, 200);
    await sleep(1500); // one more advert at least, and no third burst
    await ds1.stop();
    suite.running = suite.running.filter((d) => d !== ds1);
    await sleep(1000);
    const frames = await Promise.all(caps.map((c) => c.stop()));
    return { VI_1: frames[0], VI_GATEWAY: frames[1] };
  }

  for (const impl of ['keepalived', 'embedded'] as const) {
    it(`captures ${impl}: adverts, one resignation, ${NAS} neighbour advertisements per segment`, async () => {
      const c = await capture(impl);
      captured.set(impl, c);
      for (const s of SEGMENTS) {
        const f = c[s.instance];
        const show = `${impl} ${s.instance}:\n${[...f.adverts, ...f.resign, ...f.nas, ...f.other].map(describeFrame).join('\n')}`;
        expect(f.other, show).toEqual([]);
        expect(f.garps, show).toEqual([]);
        expect(f.adverts.length, show).toBeGreaterThanOrEqual(3);
        expect(f.resign.length, show).toBe(1);
        expect(f.nas.length, show).toBe(NAS);
      }
    }, 60_000);
  }

  it('the frames are the same bytes', () => {
    const k = captured.get('keepalived');
    const e = captured.get('embedded');
    if (!k || !e) throw new Error('a capture failed (see above)');
    for (const s of SEGMENTS) {
      const kf = k[s.instance];
      const ef = e[s.instance];
      const n = Math.min(kf.adverts.length, ef.adverts.length);
      console.log(
        `${s.instance}: ${n} adverts, 1 resignation, ${NAS} neighbour advertisements compared\n` +
          `  keepalived advert 1: ${describeFrame(kf.adverts[0])}\n  embedded   advert 1: ${describeFrame(ef.adverts[0])}\n` +
          `  keepalived NA 1: ${describeFrame(kf.nas[0])}\n  embedded   NA 1: ${describeFrame(ef.nas[0])}`,
      );
      for (let i = 0; i < n; i++) expect(describeFrame(ef.adverts[i]), `${s.instance} advert ${i + 1}`).toBe(describeFrame(kf.adverts[i]));
      expect(describeFrame(ef.resign[0]), `${s.instance} priority 0`).toBe(describeFrame(kf.resign[0]));
      for (let i = 0; i < NAS; i++) expect(describeFrame(ef.nas[i]), `${s.instance} neighbour advertisement ${i + 1}`).toBe(describeFrame(kf.nas[i]));
      // describeFrame shows everything after the Ethernet addresses; the whole frames too
      for (let i = 0; i < n; i++) expect(ef.adverts[i].equals(kf.adverts[i]), `${s.instance} advert ${i + 1}`).toBe(true);
      expect(ef.resign[0].equals(kf.resign[0])).toBe(true);
      for (let i = 0; i < NAS; i++) expect(ef.nas[i].equals(kf.nas[i]), `${s.instance} neighbour advertisement ${i + 1}`).toBe(true);
    }
  });

  for (const impl of ['keepalived', 'embedded'] as const) {
    it(`${impl} drops an advert with hop limit 254 and logs keepalived's line`, async () => {
      const ds1 = new DirectorVrrp(suite.lab, 'ds1', impl, directorConf('ds2', { ipv6: true }), `-wire6-hops-${impl}`);
      suite.running.push(ds1);
      await ds1.start();
      await sleep(500); // BACKUP by now (keepalived: after its startup)
      // from DS2, as a master of higher priority would advertise, one hop short
      const r = await suite.lab.host('ds2').exec(nodeWithTsx(SENDER, 'eth0', LINK_LOCAL6.ds2.VI_1, '51', '200', '254', '10', ...VIPS6.VI_1), { timeoutMs: 15_000 });
      expect(r.stderr).toBe('');
      const want = '(VI_1) invalid TTL/HL. Received 254 and expect 255';
      await waitFor(`${impl} to log the dropped advert`, async () => ds1.log().includes(want), 5000, 100).catch(() => undefined);
      expect(ds1.log()).toContain(want);
      if (impl === 'embedded') expect(ds1.status()!.dropped.ttl).toBe(10);
      await ds1.stop();
      suite.running = suite.running.filter((d) => d !== ds1);
    }, 60_000);
  }

  it('a VIP missing from the advert: both drop it and log the same words', async () => {
    const other = directorConf('ds1', { ipv6: true }).replace(`${VIPS6.VI_1[1]}/64`, '2001:db8:1::113/64');
    const ds1 = new DirectorVrrp(suite.lab, 'ds1', 'embedded', other, '-wire6-vips');
    const ds2 = new DirectorVrrp(suite.lab, 'ds2', 'keepalived', directorConf('ds2', { ipv6: true }), '-wire6-vips');
    suite.running.push(ds1, ds2);
    // keepalived (DS2, priority 100) first, until it is master: started together, DS1 (150) would be
    // master at once, and DS2's VI_1 would never advertise — its VI_GATEWAY keeps hearing DS1, and
    // the sync group holds VI_1 in BACKUP with it ("Receive advertisement timeout", no takeover), so
    // DS1 would have nothing to drop. This way DS1 starts as backup and hears DS2's VI_1 adverts,
    // then preempts, and DS2 hears DS1's.
    await ds2.start();
    await waitHolder6(suite.lab, 'ds2', 15_000);
    await ds1.start();
    const line = (d: DirectorVrrp) => d.log().split('\n').map((l) => /(\(VI_1\) ip address associated with VRID 51 not present in MASTER advert: \S+)$/.exec(l)?.[1]).find(Boolean);
    await waitFor('both sides to log the dropped advert', async () => line(ds1) && line(ds2), 15_000, 200).catch(() => undefined);
    expect(line(ds1)).toBe('(VI_1) ip address associated with VRID 51 not present in MASTER advert: 2001:db8:1::113');
    expect(line(ds2)).toBe('(VI_1) ip address associated with VRID 51 not present in MASTER advert: 2001:db8:1::112');
    expect(ds1.status()!.dropped['addr-mismatch']).toBeGreaterThan(0);
  }, 60_000);
});
