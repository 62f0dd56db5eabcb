// One VRRP instance's state machine (RFC 3768 6.3-6.4, RFC 5798 6.4, with keepalived 2.2.7's
// choices). Pure: it owns no socket or address; it is told about adverts, link changes and time, and
// asks its `effects` to send, add/remove VIPs, gratuitous-ARP and notify. Sync groups coordinate
// instances through `SyncGroupLink` (sync-group.ts).
import { compareAddresses } from './packet.js';
import type { TimerHandle, VrrpClock } from './clock.js';
import { advertIntUs, masterDownUs, skewUs, US_PER_S, wireToUs } from './timers.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export interface InstanceSettings {
  name: string;
  vrid: number;
  version: 2 | 3;
  /** configured priority 1..255 */
  priority: number;
  /** seconds */
  advertInt: number;
  preempt: boolean;
  /** seconds; 0 = none */
  preemptDelay: number;
  downTimerAdverts: number;
  garpMasterDelay: number;
  garpMasterRepeat: number;
  /** seconds, 0 = off: keep re-sending gratuitous ARP while master */
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  /** this router's primary address on the instance's interface: the tie-break and the advert source */
  primaryAddress: string;
  /** interfaces whose link state matters: weight undefined/0 = fault when down, else priority shift */
  tracked: { interface: string; weight?: number }[];
}

export interface InstanceEffects {
  sendAdvert(priority: number): void;
  setVips(present: boolean): void;
  /** send `count` gratuitous ARPs for every VIP */
  garp(count: number): void;
  notify(state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP', priority: number): void;
}

export interface Transition {
  /** clock time, ms */
  at: number;
  instance: string;
  from: VrrpState;
  to: VrrpState;
  reason: string;
  priority: number;
}

/** What an instance asks of its sync group (keepalived's vrrp_sync_* rules). */
export interface SyncGroupLink {
  /** false while any member has a fault of its own: nobody in the group may become master */
  allowsMaster(): boolean;
  /** keepalived's vrrp_sync_can_goto_master: every other member wants master too (or is master) */
  canGotoMaster(inst: VrrpInstanceMachine): boolean;
  transitioned(inst: VrrpInstanceMachine, t: Transition): void;
  faultChanged(inst: VrrpInstanceMachine): void;
}

/** The fields of a received, already validated advert the machine needs. */
export interface AdvertIn {
  src: string;
  priority: number;
  /** wire value: v2 seconds, v3 centiseconds */
  advertInt: number;
}

export class VrrpInstanceMachine {
  state: VrrpState = 'INIT';
  /** the current master's address as last heard (or ours) */
  masterAddress?: string;
  group?: SyncGroupLink;
  /** the master-down timer ran out (keepalived's wantstate MASTER); a sync group waits for all */
  wantMaster = false;
  private masterAdverUs: number;
  private readonly ownAdverUs: number;
  private downTimer?: TimerHandle;
  private adverTimer?: TimerHandle;
  private garpTimers: TimerHandle[] = [];
  private preemptUntil?: number;
  private readonly links = new Map<string, boolean>();
  private readonly listeners: ((t: Transition) => void)[] = [];
  readonly stats = { advertsSent: 0, advertsReceived: 0, becameMaster: 0 };

  constructor(
    readonly settings: InstanceSettings,
    private readonly clock: VrrpClock,
    private readonly effects: InstanceEffects,
  ) {
    this.ownAdverUs = advertIntUs(settings.version, settings.advertInt);
    this.masterAdverUs = this.ownAdverUs;
    for (const t of settings.tracked) this.links.set(t.interface, true);
  }

  get name(): string {
    return this.settings.name;
  }

  onTransition(fn: (t: Transition) => void): void {
    this.listeners.push(fn);
  }

  /** priority after track_interface weights; an owner (255) keeps 255 */
  get effectivePriority(): number {
    const base = this.settings.priority;
    if (base === 255) return 255;
    let p = base;
    for (const t of this.settings.tracked) {
      const up = this.links.get(t.interface) ?? true;
      if (t.weight && t.weight < 0 && !up) p += t.weight;
      if (t.weight && t.weight > 0 && up) p += t.weight;
    }
    return Math.min(254, Math.max(1, p));
  }

  /** a tracked link without weight is down */
  get ownFault(): boolean {
    return this.settings.tracked.some((t) => !t.weight && this.links.get(t.interface) === false);
  }

  skewUs(): number {
    return skewUs(this.settings.version, this.effectivePriority, this.masterAdverUs);
  }

  masterDownUs(): number {
    return masterDownUs(this.settings.version, this.effectivePriority, this.masterAdverUs, this.settings.downTimerAdverts);
  }

  /** keepalived starts every instance in BACKUP (even `state MASTER`); only an address owner starts as master */
  start(initialLinks: Record<string, boolean> = {}): void {
    for (const [k, v] of Object.entries(initialLinks)) if (this.links.has(k)) this.links.set(k, v);
    if (this.ownFault || (this.group && !this.group.allowsMaster())) {
      this.enterFault(this.ownFault ? 'tracked interface down at start' : 'sync group in fault at start');
      return;
    }
    if (this.settings.priority === 255) this.becomeMaster('address owner (priority 255) at start');
    else this.becomeBackup('start', this.ownAdverUs);
  }

  receive(a: AdvertIn): void {
    this.stats.advertsReceived++;
    const advUs = wireToUs(this.settings.version, a.advertInt);
    const prio = this.effectivePriority;
    if (this.state === 'BACKUP') {
      if (a.priority === 0) {
        // the master resigned: take over after the skew only (RFC 3768 6.4.2)
        this.masterAddress = a.src;
        this.armDownTimer(this.skewUs());
        return;
      }
      const now = this.clock.now();
      const delaying = this.settings.preemptDelay > 0 && (this.preemptUntil === undefined || this.preemptUntil > now);
      if (!this.settings.preempt || a.priority >= prio || delaying) {
        if (a.priority >= prio) this.preemptUntil = undefined;
        else if (this.settings.preemptDelay > 0 && this.preemptUntil === undefined) {
          this.preemptUntil = now + this.settings.preemptDelay * 1000;
        }
        if (this.settings.version === 3) this.masterAdverUs = advUs;
        this.masterAddress = a.src;
        this.wantMaster = false;
        this.armDownTimer(this.masterDownUs());
      }
      // else: a lower priority master while we may preempt: ignore it and let the timer run out
      return;
    }
    if (this.state === 'MASTER') {
      if (a.priority === 0) {
        this.sendAdvert();
        this.armAdverTimer();
        return;
      }
      const higher = a.priority > prio || (a.priority === prio && compareAddresses(a.src, this.settings.primaryAddress) > 0);
      if (higher) {
        this.masterAddress = a.src;
        this.leaveMaster();
        this.becomeBackup(`higher priority ${a.priority} advert from ${a.src}`, this.settings.version === 3 ? advUs : this.ownAdverUs);
        return;
      }
      // keepalived (no lower_prio_no_advert): answer a lower-priority master at once and re-announce
      // our VIPs, which is what heals a split brain's ARP caches
      this.sendAdvert();
      this.armAdverTimer();
      this.effects.garp(this.settings.garpMasterRepeat);
    }
  }

  /** a tracked (or the instance's own) interface changed link state */
  linkChanged(iface: string, up: boolean): void {
    if (!this.links.has(iface) || this.links.get(iface) === up) return;
    const wasFault = this.ownFault;
    this.links.set(iface, up);
    if (this.ownFault !== wasFault) this.group?.faultChanged(this);
    if (this.ownFault && this.state !== 'FAULT' && this.state !== 'STOP' && this.state !== 'INIT') {
      this.enterFault(`${iface} down`);
    } else if (!this.ownFault && this.state === 'FAULT' && (!this.group || this.group.allowsMaster())) {
      this.leaveFault(`${iface} up`);
    }
  }

  /** graceful stop: a master resigns with priority 0 so the backup takes over after its skew */
  shutdown(): void {
    if (this.state === 'MASTER') {
      this.effects.sendAdvert(0);
      this.stats.advertsSent++;
      this.leaveMaster();
    }
    this.clearTimers();
    this.setState('STOP', 'shutdown');
  }

  // ---- used by sync groups
  forceMaster(reason: string): void {
    if (this.state === 'BACKUP') this.becomeMaster(reason);
  }

  forceBackup(reason: string): void {
    if (this.state === 'MASTER') {
      this.leaveMaster();
      this.becomeBackup(reason, this.masterAdverUs);
    }
  }

  forceFault(reason: string): void {
    if (this.state === 'BACKUP' || this.state === 'MASTER') this.enterFault(reason);
  }

  clearFault(reason: string): void {
    if (this.state === 'FAULT' && !this.ownFault) this.leaveFault(reason);
  }

  // ---- transitions
  private becomeBackup(reason: string, masterAdverUs: number): void {
    this.masterAdverUs = masterAdverUs;
    this.preemptUntil = undefined;
    this.wantMaster = false;
    this.clearTimer('adver');
    this.armDownTimer(this.masterDownUs());
    this.setState('BACKUP', reason);
  }

  private becomeMaster(reason: string): void {
    if (this.group && !this.group.allowsMaster()) {
      this.armDownTimer(this.masterDownUs());
      return;
    }
    this.clearTimer('down');
    this.wantMaster = false;
    this.masterAddress = this.settings.primaryAddress;
    this.stats.becameMaster++;
    this.sendAdvert();
    this.effects.setVips(true);
    this.effects.garp(this.settings.garpMasterRepeat);
    // keepalived's second burst: switches that missed the first (or learnt late) get it again
    if (this.settings.garpMasterDelay > 0) {
      this.garpTimers.push(this.clock.setTimer(this.settings.garpMasterDelay * 1000, () => this.effects.garp(this.settings.garpMasterRepeat)));
    }
    if (this.settings.garpMasterRefresh > 0) this.armGarpRefresh();
    this.armAdverTimer();
    this.setState('MASTER', reason);
  }

  private leaveMaster(): void {
    this.clearTimer('adver');
    this.clearGarpTimers();
    this.effects.setVips(false);
  }

  private enterFault(reason: string): void {
    if (this.state === 'MASTER') {
      // keepalived resigns (priority 0) so a backup on a still-working link takes over at once
      this.effects.sendAdvert(0);
      this.stats.advertsSent++;
      this.leaveMaster();
    }
    this.clearTimers();
    this.setState('FAULT', reason);
  }

  private leaveFault(reason: string): void {
    this.becomeBackup(reason, this.ownAdverUs);
  }

  private setState(to: VrrpState, reason: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    const t: Transition = { at: this.clock.now(), instance: this.name, from, to, reason, priority: this.effectivePriority };
    if (to !== 'INIT') this.effects.notify(to, to === 'STOP' ? this.settings.priority : this.effectivePriority);
    for (const l of this.listeners) l(t);
    this.group?.transitioned(this, t);
  }

  // ---- timers
  private sendAdvert(): void {
    this.stats.advertsSent++;
    this.effects.sendAdvert(this.effectivePriority);
  }

  private armDownTimer(us: number): void {
    this.clearTimer('down');
    this.downTimer = this.clock.setTimer(us / 1000, () => {
      this.downTimer = undefined;
      this.downTimerExpired();
    });
  }

  private downTimerExpired(): void {
    if (this.state !== 'BACKUP') return;
    this.wantMaster = true;
    if (this.group && !this.group.canGotoMaster(this)) {
      // keepalived: "only sync to master if everyone wants to, prefer backup to avoid thrashing";
      // wait another interval: the last member's timer takes the whole group over
      this.armDownTimer(this.masterDownUs());
      return;
    }
    this.becomeMaster('master-down timer expired');
  }

  private armAdverTimer(): void {
    this.clearTimer('adver');
    this.adverTimer = this.clock.setTimer(this.ownAdverUs / 1000, () => {
      this.adverTimer = undefined;
      if (this.state !== 'MASTER') return;
      this.sendAdvert();
      this.armAdverTimer();
    });
  }

  private armGarpRefresh(): void {
    const h = this.clock.setTimer(this.settings.garpMasterRefresh * 1000, () => {
      if (this.state !== 'MASTER') return;
      this.effects.garp(this.settings.garpMasterRefreshRepeat);
      this.armGarpRefresh();
    });
    this.garpTimers.push(h);
  }

  private clearTimer(which: 'down' | 'adver'): void {
    if (which === 'down') {
      this.clock.clearTimer(this.downTimer);
      this.downTimer = undefined;
    } else {
      this.clock.clearTimer(this.adverTimer);
      this.adverTimer = undefined;
    }
  }

  private clearGarpTimers(): void {
    for (const h of this.garpTimers) this.clock.clearTimer(h);
    this.garpTimers = [];
  }

  private clearTimers(): void {
    this.clearTimer('down');
    this.clearTimer('adver');
    this.clearGarpTimers();
  }
}

export { US_PER_S };
