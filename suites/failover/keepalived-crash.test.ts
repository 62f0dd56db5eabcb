// keepalived crashes, the director does not (embedded backend: the data plane and keepalived's side
// are two processes, src/lb/director/backend.ts). The article's two directors with their
// keepalived.conf; keepalived SIGKILLed on DS1 with its links up: DS1 keeps forwarding with its table
// and its `-Lnc` entries, and keeps the VIP and DIP it added; DS2 hears no more adverts and takes
// them too after its master-down interval, so both hold them (split brain) and the client and the
// real servers follow whichever gratuitous ARP they heard last (DS2's). keepalived started again on
// DS1 (priority 150, state MASTER) takes the instances back and DS2 (100) steps down and drops the
// addresses: one master again. Bounds come from the keepalived.conf's own timers (test/bounds.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { parseIpvsConnections, parseIpvsList } from '../../src/checks/ipvsadm-text.js';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { directorFiles, keepalivedEntry, openEmbeddedBackend, type EmbeddedSession } from '../../src/lb/director/backend.js';
import type { SpeakerStatus } from '../../src/lb/vrrp/speaker.js';
import { LAB_SLACK_MS, takeoverWindowMs, vrrpTimers } from '../../test/bounds.js';
import { needs, probe } from '../../test/capabilities.js';
import { directorConf } from '../../test/vrrp/harness/confs.js';
import { clientNeighbour, DIP, holders, macOf, sleep, VIP, waitFor, waitHolder } from '../../test/vrrp/harness/directors.js';
import { records, summarize } from '../../test/vrrp/harness/probes.js';
import { failoverTimeline } from '../../test/vrrp/harness/timeline.js';
import { leftovers, lvslab } from '../lab/helpers.js';

interface Sample {
  at: number;
  vip: string[];
  dip: string[];
  /** the MAC the client sends VIP traffic to */
  arp?: string;
}

describe('keepalived crashes on the master, its director does not (embedded backend, article lab)', needs(await probe.root(), probe.built('dist/lb/director/main.js', 'dist/lb/director/keepalived-main.js')), () => {
  let lab: Lab;
  let session: EmbeddedSession;
  const conf = { ds1: directorConf('ds1'), ds2: directorConf('ds2') };

  beforeAll(async () => {
    lab = await buildLab('article');
    session = openEmbeddedBackend(lab);
  }, 90_000);

  afterAll(async () => {
    await session?.close();
    await lab?.teardown();
  });

  const vrrpOf = async (d: string) => (await session.status(d)).modules.vrrp as SpeakerStatus | undefined;

  it('DS1 keeps forwarding with its table and connections, both directors hold the VIP, and one master again after keepalived restarts', async () => {
    await session.startDirector('ds1', { keepalivedConf: conf.ds1 });
    await session.startDirector('ds2', { keepalivedConf: conf.ds2 });
    await waitHolder(lab, 'ds1', 20_000);
    const mac = { ds1: await macOf(lab, 'ds1'), ds2: await macOf(lab, 'ds2') };

    const agent = await lab.client.agent();
    // connections through DS1 for its -Lnc (TIME_WAIT entries live 120 s in IPVS's TCP table)
    expect((await agent.http(VIP, { port: 80, count: 4, timeoutMs: 2000 })).every((r) => r.ok)).toBe(true);
    // the table without its counters (the probes move those)
    const table = async () => parseIpvsList((await session.ipvsadm('ds1', ['-Ln'])).stdout).services.map((v) => `${v.proto} ${v.address} ${v.scheduler}: ${v.dests.map((d) => `${d.address} ${d.forward} ${d.weight}`).join(', ')}`);
    const tableBefore = await table();
    expect(tableBefore).toHaveLength(2);
    const connsBefore = parseIpvsConnections((await session.ipvsadm('ds1', ['-Lnc'])).stdout);
    expect(connsBefore.length).toBeGreaterThanOrEqual(4);
    const daemonPid = session.pidOf('ds1');
    const keepalivedPid = session.keepalivedPidOf('ds1');
    expect(daemonPid).toBeDefined();
    expect(keepalivedPid).toBeDefined();

    // who holds the VIP and the DIP, and where the client sends VIP traffic, every ~100 ms
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      const until = Date.now() + 40_000;
      while (sampling && Date.now() < until) {
        const h = await holders(lab);
        samples.push({ at: Date.now(), ...h, arp: await clientNeighbour(lab) });
        await sleep(100);
      }
    })().catch((e: Error) => e);
    const probing = agent.probeContinuously(VIP, { protocol: 'http', port: 80, everyMs: 50, forMs: 16_000, timeoutMs: 500 });
    probing.catch(() => undefined);
    try {
      await run();
    } finally {
      sampling = false;
      await sampler;
      await probing.catch(() => undefined);
    }

    async function run(): Promise<void> {
      await sleep(1500);
      const faultAt = Date.now();
      await session.killKeepalived('ds1');
      const killedAt = Date.now();

      // the data plane is the same process, and answers with the same table and connections
      expect(session.pidOf('ds1')).toBe(daemonPid);
      expect(session.keepalivedPidOf('ds1')).toBeUndefined();
      const st = await session.status('ds1');
      expect(st.pid).toBe(daemonPid);
      expect(st.modules.vrrp).toBeUndefined();
      expect(await table()).toEqual(tableBefore);
      const connsAfter = parseIpvsConnections((await session.ipvsadm('ds1', ['-Lnc'])).stdout);
      const key = (c: { client: { addr: string; port: number }; destination: { addr: string; port: number } }) => `${c.client.addr}:${c.client.port} ${c.destination.addr}:${c.destination.port}`;
      const after = new Set(connsAfter.map(key));
      expect(connsBefore.map(key).filter((k) => !after.has(k))).toEqual([]);
      // a fault that does not apply says so
      await expect(session.killKeepalived('ds1')).rejects.toThrow('keepalived is not running');

      // DS2 takes the VIP after its master-down interval: both hold it
      const t2 = vrrpTimers(conf.ds2);
      const window = takeoverWindowMs(t2, LAB_SLACK_MS);
      // (VIP and DIP both: the sync group's two instances take theirs a few milliseconds apart)
      const splitAt = await waitFor('both directors to hold the VIP and the DIP', async () => {
        const s = samples[samples.length - 1];
        return s && s.at > faultAt && s.vip.includes('ds1') && s.vip.includes('ds2') && s.dip.includes('ds1') && s.dip.includes('ds2') ? s.at : undefined;
      }, window.max + 2000, 50);
      // keep the split a while: it lasts until keepalived runs again
      await sleep(2500);
      const during = samples.filter((s) => s.at >= splitAt && s.at <= Date.now());
      expect(during.length).toBeGreaterThan(5);
      for (const s of during) expect({ vip: s.vip, dip: s.dip }).toEqual({ vip: ['ds1', 'ds2'], dip: ['ds1', 'ds2'] });
      // the client followed the last gratuitous ARP it heard: DS2's
      expect(await clientNeighbour(lab)).toBe(mac.ds2);
      expect((await vrrpOf('ds2'))!.instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);

      // keepalived on DS1 again: priority 150 against DS2's 100, one master again
      await expect(session.startKeepalived('ds2')).rejects.toThrow('keepalived is already running');
      const healAt = Date.now();
      await session.startKeepalived('ds1');
      const started = Date.now();
      const t1 = vrrpTimers(conf.ds1);
      const healedIn = await waitHolder(lab, 'ds1', takeoverWindowMs(t1, LAB_SLACK_MS).max + t1.advertMs + 5000);
      expect((await vrrpOf('ds1'))!.instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);
      expect((await vrrpOf('ds2'))!.instances.map((i) => i.state)).toEqual(['BACKUP', 'BACKUP']);
      await waitFor('the client to send VIP traffic to DS1 again', async () => ((await clientNeighbour(lab)) === mac.ds1 ? true : undefined), 3000, 50);
      expect(session.pidOf('ds1')).toBe(daemonPid);

      const timeline = await probing;
      sampling = false;
      const sampled = await sampler;
      if (sampled instanceof Error) throw sampled;

      // the split: from the first sample with both holders to the first with one again after keepalived's restart
      const splitFrom = samples.find((x) => x.at > faultAt && x.vip.length === 2)!.at;
      const healed = samples.find((x) => x.at > healAt && x.vip.length === 1);
      const splitTo = samples.filter((x) => x.at < (healed?.at ?? Infinity) && x.vip.length === 2).at(-1)!.at;
      const splitMs = (healed?.at ?? splitTo) - splitFrom;
      const last = samples[samples.length - 1];

      const ds2Transitions = (await vrrpOf('ds2'))?.transitions ?? [];
      const more = [
        { at: killedAt, text: 'ds1 keepalived SIGKILLed (data plane still running, VIP and DIP kept)' },
        { at: splitFrom, text: `split brain: ds1 and ds2 both hold ${VIP} and ${DIP}` },
        ...samples.filter((s, i) => i > 0 && s.arp !== samples[i - 1].arp).map((s) => ({ at: s.at, text: `client: VIP traffic now to ${s.arp === mac.ds1 ? 'ds1' : s.arp === mac.ds2 ? 'ds2' : s.arp ?? 'nobody'}` })),
        { at: healAt, text: 'ds1 keepalived started again' },
        { at: healed?.at ?? splitTo + 1, text: `split brain healed: ${healed?.vip.join(', ') || 'nobody'} alone holds the VIP (both held it for ${splitMs} ms)` },
        // any other change of holders (a flap) shows too
        ...samples.filter((x, i) => i > 0 && x.at > splitFrom && x !== healed && x.vip.join() !== samples[i - 1].vip.join()).map((x) => ({ at: x.at, text: `VIP holders now: ${x.vip.join(', ') || 'none'}` })),
        ...ds2Transitions.filter((t) => t.wall >= faultAt).map((t) => ({ at: t.wall, text: `ds2 ${t.instance} ${t.from} -> ${t.to} (${t.reason})` })),
        ...((await vrrpOf('ds1'))?.transitions ?? []).filter((t) => t.wall >= faultAt).map((t) => ({ at: t.wall, text: `ds1 ${t.instance} ${t.from} -> ${t.to} (${t.reason})` })),
      ];
      console.log(failoverTimeline('keepalived crash on DS1 (embedded)', faultAt, timeline, [], more));
      // both, all along the split, then only one: from the healing on, DS1 alone
      const holdersIn = (from: number, to: number) => [...new Set(samples.filter((x) => x.at >= from && x.at < to).map((x) => x.vip.join()))];
      expect(healed?.vip).toEqual(['ds1']);
      expect(holdersIn(splitFrom, healed!.at)).toEqual(['ds1,ds2']);
      expect(holdersIn(healed!.at, Infinity)).toEqual(['ds1']);
      expect(last.vip).toEqual(['ds1']);
      console.log(`split brain from +${splitFrom - faultAt} ms to +${healed!.at - faultAt} ms (${splitMs} ms); keepalived on DS1 answered ${started - healAt} ms after the start, one holder ${healedIn} ms after that`);

      // DS2 took over within its master-down window after DS1's last advert (its own transition time:
      // the samples above are ~100 ms apart and each an `ip` command late); the kill lands between
      // faultAt and killedAt
      const takeover = ds2Transitions.find((t) => t.instance === 'VI_1' && t.to === 'MASTER' && t.wall >= faultAt)!;
      expect(takeover.wall - faultAt).toBeGreaterThanOrEqual(window.min);
      expect(takeover.wall - killedAt).toBeLessThanOrEqual(window.max);
      expect(splitFrom).toBeGreaterThanOrEqual(takeover.wall);
      // DS1 forwarded alone until DS2's takeover: the probes sent in between were answered (a dead
      // director would answer none: its queue bypassed, its own stack resets them). A loaded
      // machine can stall a user-space data plane for a few hundred ms, hence not every one
      const rec = records(timeline);
      const meanwhile = rec.filter((r) => r.at >= faultAt && r.at < splitFrom - 300);
      const answered = meanwhile.filter((r) => r.ok).length;
      console.log(`between the kill and DS2's takeover: ${answered}/${meanwhile.length} probes answered through DS1`);
      expect(meanwhile.length).toBeGreaterThan(10);
      expect(answered).toBeGreaterThanOrEqual(0.8 * meanwhile.length);
      // service through it all: whatever switch-over the ARP changes caused, it came back
      const s = summarize(timeline);
      expect(s.recovered).toBe(true);
      expect(s.servers.sort()).toEqual(['RS1', 'RS2']);
    }
  }, 90_000);
});

describe('the same by hand: lvslab fault kill-keepalived / start-keepalived on a lab kept by lvslab up', needs(await probe.root(), probe.built('dist/cli/main.js', 'dist/lb/director/keepalived-main.js')), () => {
  let id = '';
  afterAll(async () => {
    if (id) await teardownLab(id).catch(() => undefined);
  });

  const holds = async (d: string) => (await lvslab('exec', id, d, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).stdout.includes(`inet ${VIP}/`);

  it('keepalived dies alone, the daemon answers with its table, DS2 takes the VIP too; started again, one master', async () => {
    const up = await lvslab('up', 'article', '--keepalived', 'ds1=scenarios/article/keepalived.conf', '--keepalived', 'ds2=scenarios/article/keepalived-ds2.conf');
    expect(up.exitCode, String(up.stderr)).toBe(0);
    id = String(up.stdout).trim();
    const table = String((await lvslab('ipvsadm', id, 'ds1', '-Ln')).stdout);

    const k = await lvslab('fault', id, 'ds1', 'kill-keepalived');
    expect(k.exitCode, String(k.stderr)).toBe(0);
    expect(k.stdout).toMatch(/^killed keepalived on ds1 \(pid \d+\); the director daemon keeps forwarding with its table, and the VIPs stay$/m);
    expect(k.stdout).toMatch(/^VRRP after [\d.]+ s: ds2: VI_1 MASTER, VI_GATEWAY MASTER$/m);
    const ln = await lvslab('ipvsadm', id, 'ds1', '-Ln');
    expect(ln.exitCode, String(ln.stderr)).toBe(0);
    expect(ln.stdout).toBe(table);
    expect([await holds('ds1'), await holds('ds2')]).toEqual([true, true]);
    const again = await lvslab('fault', id, 'ds1', 'kill-keepalived');
    expect([again.exitCode, String(again.stderr).trim()]).toEqual([1, expect.stringContaining('keepalived is not running on ds1 (nothing to kill)')]);
    const logs = await lvslab('logs', id, 'ds1');
    expect(logs.stdout).toMatch(/^\S+Z ds1 +Keepalived_vrrp: \(VI_1\) Entering MASTER STATE/m);
    expect(logs.stdout).toMatch(/^\S+Z ds1 +fault: killed keepalived on ds1 \(pid \d+\)/m);

    const st = await lvslab('fault', id, 'ds1', 'start-keepalived');
    expect(st.exitCode, String(st.stderr)).toBe(0);
    expect(st.stdout).toMatch(/^started keepalived on ds1 \(pid \d+\)$/m);
    expect(st.stdout).toMatch(/^VRRP after [\d.]+ s: ds1: VI_1 MASTER, VI_GATEWAY MASTER; ds2: VI_1 BACKUP, VI_GATEWAY BACKUP$/m);
    expect([await holds('ds1'), await holds('ds2')]).toEqual([true, false]);
    const twice = await lvslab('fault', id, 'ds1', 'start-keepalived');
    expect([twice.exitCode, String(twice.stderr).trim()]).toEqual([1, expect.stringMatching(/keepalived is already running on ds1 \(pid \d+\)/)]);
    // one keepalived per director: a second one started by hand leaves at once (status 3), naming the first
    const pid = /pid (\d+)/.exec(String(st.stdout))![1];
    const second = await lvslab('exec', id, 'ds1', '--', process.execPath, keepalivedEntry(), '--config', directorFiles(id, 'ds1').keepalived.config);
    expect(second.exitCode).toBe(3);
    expect(String(second.stderr)).toContain(`keepalived is already running on ds1 (pid ${pid})`);
    expect([await holds('ds1'), await holds('ds2')]).toEqual([true, false]);

    const down = await lvslab('down', id);
    expect(down.exitCode, String(down.stderr)).toBe(0);
    expect(leftovers(id)).toEqual({ namespaces: [], processes: [], runDir: false });
    id = '';
  }, 120_000);
});
