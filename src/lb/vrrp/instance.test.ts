import { describe, expect, it } from 'vitest';
import { VrrpInstanceMachine, type InstanceSettings, type Transition } from './instance.js';
import { ManualVrrpClock } from './clock.js';
import { VrrpSyncGroup } from './sync-group.js';
import { masterDownUs, skewUs } from './timers.js';

interface Node {
  m: VrrpInstanceMachine;
  log: string[];
  vips: boolean;
  garps: number[];
  transitions: Transition[];
}

/** A segment joining instances: adverts a node sends reach the others unless the link is cut. */
class Segment {
  nodes: Node[] = [];
  cut = false;
  constructor(readonly clock: ManualVrrpClock) {}

  add(over: Partial<InstanceSettings> & { name: string; priority: number; primaryAddress: string }): Node {
    const settings: InstanceSettings = {
      vrid: 51,
      version: 2,
      advertInt: 1,
      preempt: true,
      preemptDelay: 0,
      downTimerAdverts: 3,
      garpMasterDelay: 5,
      garpMasterRepeat: 5,
      garpMasterRefresh: 0,
      garpMasterRefreshRepeat: 1,
      tracked: [],
      ...over,
    };
    const node = { log: [], vips: false, garps: [], transitions: [] } as unknown as Node;
    node.m = new VrrpInstanceMachine(settings, this.clock, {
      sendAdvert: (priority) => {
        node.log.push(`advert ${priority}`);
        if (this.cut) return;
        for (const other of this.nodes) {
          if (other !== node && other.m.state !== 'STOP') {
            other.m.receive({ src: settings.primaryAddress, priority, advertInt: settings.version === 3 ? Math.round(settings.advertInt * 100) : settings.advertInt });
          }
        }
      },
      setVips: (present) => {
        node.vips = present;
        node.log.push(present ? 'vips+' : 'vips-');
      },
      garp: (count) => node.garps.push(this.clock.now(), count),
      notify: (state, priority) => node.log.push(`notify ${state} ${priority}`),
    });
    node.m.onTransition((t) => node.transitions.push(t));
    this.nodes.push(node);
    return node;
  }
}

function pair(opts: { v3?: boolean; ds1?: Partial<InstanceSettings>; ds2?: Partial<InstanceSettings> } = {}) {
  const clock = new ManualVrrpClock();
  const seg = new Segment(clock);
  const common = opts.v3 ? { version: 3 as const, advertInt: 0.1 } : {};
  const ds1 = seg.add({ name: 'VI_1', priority: 150, primaryAddress: '192.168.1.2', ...common, ...opts.ds1 });
  const ds2 = seg.add({ name: 'VI_1', priority: 100, primaryAddress: '192.168.1.3', ...common, ...opts.ds2 });
  return { clock, seg, ds1, ds2 };
}

const masterAt = (n: Node) => n.transitions.find((t) => t.to === 'MASTER')?.at;

describe('timers as keepalived computes them', () => {
  it('v2: skew (256-prio)/256 s, master down 3 x advert + skew', () => {
    expect(skewUs(2, 100, 1_000_000)).toBe(609_375);
    expect(masterDownUs(2, 100, 1_000_000)).toBe(3_609_375);
    expect(masterDownUs(2, 150, 1_000_000)).toBe(3_414_062);
    expect(masterDownUs(2, 200, 1_000_000)).toBe(3_218_750);
    expect(skewUs(2, 255, 1_000_000)).toBe(3906);
  });

  it('v3: skew scales with the master advert interval in centiseconds', () => {
    expect(skewUs(3, 100, 100_000)).toBe(60_937);
    expect(masterDownUs(3, 100, 100_000)).toBe(360_937);
    expect(masterDownUs(3, 100, 1_000_000)).toBe(3_609_375);
    expect(masterDownUs(3, 100, 100_000, 5)).toBe(560_937);
  });
});

describe('election', () => {
  it('starts in BACKUP even when configured MASTER, then takes over when nobody advertises', () => {
    const { clock, ds1 } = pair();
    ds1.m.start();
    expect(ds1.m.state).toBe('BACKUP');
    clock.advance(3414);
    expect(ds1.m.state).toBe('BACKUP');
    clock.advance(1);
    expect(ds1.m.state).toBe('MASTER');
    expect(ds1.log.slice(0, 3)).toEqual(['notify BACKUP 150', 'advert 150', 'vips+']);
  });

  it('the higher priority becomes master and the other stays backup while adverts flow', () => {
    const { clock, ds1, ds2 } = pair();
    ds1.m.start();
    ds2.m.start();
    clock.advance(60_000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
    expect(ds2.vips).toBe(false);
    expect(ds2.m.masterAddress).toBe('192.168.1.2');
    // about one advert a second
    expect(ds1.log.filter((l) => l === 'advert 150').length).toBeGreaterThanOrEqual(56);
  });

  it('an address owner (255) is master at once', () => {
    const { ds1 } = pair({ ds1: { priority: 255 } });
    ds1.m.start();
    expect(ds1.m.state).toBe('MASTER');
  });

  it('breaks a priority tie on the higher primary address', () => {
    const { clock, ds1, ds2 } = pair({ ds1: { priority: 100 } });
    ds1.m.start();
    clock.advance(4000);
    ds2.m.start(); // ds2 (.3) hears ds1 (.2) as master with equal priority: stays backup
    clock.advance(10_000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
    // both masters at once (split) then heal: the higher address keeps it
    ds2.m.forceMaster('test');
    clock.advance(2000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['BACKUP', 'MASTER']);
  });

  it('IPv6: the tie-break compares link-local addresses as 128-bit numbers', () => {
    // fe80::1:0 > fe80::ffff although its text sorts first
    const { clock, ds1, ds2 } = pair({ v3: true, ds1: { priority: 100, primaryAddress: 'fe80::ffff' }, ds2: { primaryAddress: 'fe80::1:0' } });
    ds1.m.start();
    ds2.m.start();
    ds1.m.forceMaster('test');
    ds2.m.forceMaster('test');
    clock.advance(1000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['BACKUP', 'MASTER']);
  });
});

describe('failover', () => {
  it('hard failure: the backup takes over master-down interval after the last advert', () => {
    const { clock, seg, ds1, ds2 } = pair();
    ds1.m.start();
    ds2.m.start();
    clock.advance(10_000);
    const lastAdvert = clock.now() - ((clock.now() - (masterAt(ds1) ?? 0)) % 1000);
    ds1.m.state = 'STOP'; // SIGKILL: no resignation, no more adverts
    seg.nodes = [ds2];
    clock.advance(5000);
    expect(ds2.m.state).toBe('MASTER');
    expect(masterAt(ds2)! - lastAdvert).toBeCloseTo(3609.375, 3);
  });

  it('graceful stop: priority 0 makes the backup take over after its skew only', () => {
    const { clock, ds1, ds2 } = pair();
    ds1.m.start();
    ds2.m.start();
    clock.advance(10_000);
    const t0 = clock.now();
    ds1.m.shutdown();
    expect(ds1.log.slice(-3)).toEqual(['advert 0', 'vips-', 'notify STOP 150']);
    clock.advance(2000);
    expect(masterAt(ds2)! - t0).toBeCloseTo(609.375, 3);
  });

  it('v3 at 0.1 s: the backup adopts the master interval and takes over 0.36 s after the last advert', () => {
    const { clock, seg, ds1, ds2 } = pair({ v3: true, ds2: { advertInt: 1 } });
    ds1.m.start();
    ds2.m.start();
    clock.advance(10_000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
    const t0 = clock.now();
    ds1.m.state = 'STOP';
    seg.nodes = [ds2];
    clock.advance(2000);
    // last advert at or before t0; the down timer is 3 x 0.1 s + (156 x 10 cs) / 256
    expect(masterAt(ds2)! - t0).toBeLessThanOrEqual(360.937 + 1e-6);
    expect(masterAt(ds2)! - t0).toBeGreaterThan(360.937 - 100);
  });

  it('preempt: a returning higher priority router takes the VIP back after its own down timer', () => {
    const { clock, ds1, ds2 } = pair();
    ds2.m.start();
    clock.advance(4000);
    expect(ds2.m.state).toBe('MASTER');
    const t0 = clock.now();
    ds1.m.start();
    clock.advance(5000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
    expect(masterAt(ds1)! - t0).toBeCloseTo(3414.062, 3);
    expect(ds2.vips).toBe(false);
  });

  it('nopreempt: the returning router stays backup', () => {
    const { clock, ds1, ds2 } = pair({ ds1: { preempt: false } });
    ds2.m.start();
    clock.advance(4000);
    ds1.m.start();
    clock.advance(30_000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['BACKUP', 'MASTER']);
  });

  it('preempt_delay: the returning router waits the delay before letting its timer run out', () => {
    const { clock, ds1, ds2 } = pair({ ds1: { preemptDelay: 10 } });
    ds2.m.start();
    clock.advance(4000);
    const t0 = clock.now();
    ds1.m.start();
    clock.advance(12_000);
    expect(ds1.m.state).toBe('BACKUP');
    clock.advance(5000);
    expect(ds1.m.state).toBe('MASTER');
    const took = masterAt(ds1)! - t0;
    expect(took).toBeGreaterThan(10_000);
    expect(took).toBeLessThan(10_000 + 3414.062 + 1000);
  });

  it('split brain: both master while cut; on heal exactly one remains and it re-sends gratuitous ARP', () => {
    const { clock, seg, ds1, ds2 } = pair();
    ds1.m.start();
    ds2.m.start();
    clock.advance(10_000);
    seg.cut = true;
    clock.advance(5000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'MASTER']);
    const garpsBefore = ds1.garps.length;
    seg.cut = false;
    clock.advance(2000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
    expect(ds2.vips).toBe(false);
    expect(ds1.garps.length).toBeGreaterThan(garpsBefore);
  });
});

describe('gratuitous ARP and notify', () => {
  it('sends a burst of garp_master_repeat on becoming master and a second after garp_master_delay', () => {
    const { clock, ds1 } = pair();
    ds1.m.start();
    clock.advance(10_000);
    const t = masterAt(ds1)!;
    expect(ds1.garps).toEqual([t, 5, t + 5000, 5]);
  });

  it('honours garp_master_refresh', () => {
    const { clock, ds1 } = pair({ ds1: { garpMasterDelay: 0, garpMasterRefresh: 2, garpMasterRefreshRepeat: 2 } });
    ds1.m.start();
    clock.advance(3415 + 4000);
    const t = masterAt(ds1)!;
    expect(ds1.garps).toEqual([t, 5, t + 2000, 2, t + 4000, 2]);
  });
});

describe('track_interface', () => {
  it('a tracked link going down faults the master (resigning with priority 0); back up it returns to BACKUP', () => {
    const { clock, ds1, ds2 } = pair({ ds1: { tracked: [{ interface: 'eth0' }] } });
    ds1.m.start({ eth0: true });
    ds2.m.start();
    clock.advance(10_000);
    const t0 = clock.now();
    ds1.m.linkChanged('eth0', false);
    expect(ds1.m.state).toBe('FAULT');
    expect(ds1.log.slice(-3)).toEqual(['advert 0', 'vips-', 'notify FAULT 150']);
    clock.advance(1000);
    expect(masterAt(ds2)! - t0).toBeCloseTo(609.375, 3);
    ds1.m.linkChanged('eth0', true);
    expect(ds1.m.state).toBe('BACKUP');
    clock.advance(5000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['MASTER', 'BACKUP']);
  });

  it('a weighted tracked link lowers the priority instead of faulting', () => {
    const { clock, ds1, ds2 } = pair({ ds1: { tracked: [{ interface: 'eth1', weight: -60 }] } });
    ds1.m.start();
    ds2.m.start();
    clock.advance(10_000);
    ds1.m.linkChanged('eth1', false);
    expect(ds1.m.effectivePriority).toBe(90);
    clock.advance(1000); // ds1's next advert carries 90: ds2 (100) lets its timer run out
    clock.advance(5000);
    expect([ds1.m.state, ds2.m.state]).toEqual(['BACKUP', 'MASTER']);
  });

  it('starts in FAULT when a tracked link is already down', () => {
    const { ds1 } = pair({ ds1: { tracked: [{ interface: 'eth0' }] } });
    ds1.m.start({ eth0: false });
    expect(ds1.m.state).toBe('FAULT');
  });
});

describe('sync group', () => {
  function groupPair() {
    const clock = new ManualVrrpClock();
    const ext = new Segment(clock);
    const int = new Segment(clock);
    const mk = (name: string, prio: number, last: number) => {
      const vi1 = ext.add({ name: 'VI_1', priority: prio, primaryAddress: `192.168.1.${last}`, tracked: [{ interface: 'eth0' }] });
      const gw = int.add({ name: 'VI_GATEWAY', vrid: 52, priority: prio, primaryAddress: `10.0.0.${last}`, tracked: [{ interface: 'eth1' }] });
      const notes: string[] = [];
      const g = new VrrpSyncGroup('VG1', (s) => notes.push(s));
      g.add(vi1.m);
      g.add(gw.m);
      return { name, vi1, gw, g, notes };
    };
    return { clock, ext, int, ds1: mk('ds1', 150, 2), ds2: mk('ds2', 100, 3) };
  }
  const states = (d: { vi1: Node; gw: Node }) => [d.vi1.m.state, d.gw.m.state];

  it('members become master together and back up together', () => {
    const { clock, ds1, ds2 } = groupPair();
    for (const d of [ds1, ds2]) {
      d.vi1.m.start();
      d.gw.m.start();
    }
    clock.advance(10_000);
    expect(states(ds1)).toEqual(['MASTER', 'MASTER']);
    expect(states(ds2)).toEqual(['BACKUP', 'BACKUP']);
    expect(ds1.notes).toEqual(['BACKUP', 'MASTER']);
  });

  it('a link cut on one side faults the whole group; the peer group takes both VIPs when all its members want to; heal preempts back', () => {
    const { clock, ext, ds1, ds2 } = groupPair();
    for (const d of [ds1, ds2]) {
      d.vi1.m.start();
      d.gw.m.start();
    }
    clock.advance(10_000);
    const becameMaster = ds1.vi1.transitions.find((t) => t.to === 'MASTER')!.at;
    const lastAdvert = becameMaster + Math.floor((clock.now() - becameMaster) / 1000) * 1000;
    clock.advance(lastAdvert + 500 - clock.now()); // half way to the next advert
    ext.cut = true; // the external link is down: VI_1's resignation is lost
    ds1.vi1.m.linkChanged('eth0', false);
    expect(states(ds1)).toEqual(['FAULT', 'FAULT']);
    expect(ds1.vi1.vips || ds1.gw.vips).toBe(false);
    clock.advance(1000);
    // VI_GATEWAY heard priority 0 and its timer ran out after the skew, but VI_1 still hears nobody
    // missing: keepalived keeps the group backup until every member wants master
    expect(states(ds2)).toEqual(['BACKUP', 'BACKUP']);
    expect(ds2.gw.m.wantMaster).toBe(true);
    clock.advance(4000);
    expect(states(ds2)).toEqual(['MASTER', 'MASTER']);
    expect(ds2.vi1.transitions.find((t) => t.to === 'MASTER')!.at - lastAdvert).toBeCloseTo(3609.375, 3);
    ext.cut = false;
    ds1.vi1.m.linkChanged('eth0', true);
    expect(states(ds1)).toEqual(['BACKUP', 'BACKUP']);
    clock.advance(5000);
    expect(states(ds1)).toEqual(['MASTER', 'MASTER']);
    expect(states(ds2)).toEqual(['BACKUP', 'BACKUP']);
    expect(ds1.notes).toEqual(['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER']);
  });

  it('one member timing out alone does not take the group over', () => {
    const { clock, int, ds1, ds2 } = groupPair();
    for (const d of [ds1, ds2]) {
      d.vi1.m.start();
      d.gw.m.start();
    }
    clock.advance(10_000);
    int.cut = true; // only VI_GATEWAY's adverts are lost
    clock.advance(20_000);
    expect(states(ds2)).toEqual(['BACKUP', 'BACKUP']);
    expect(ds2.gw.m.wantMaster).toBe(true);
    expect(ds2.vi1.m.wantMaster).toBe(false);
  });
});
