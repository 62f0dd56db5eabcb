// A VRRP speaker: every vrrp_instance and vrrp_sync_group of one keepalived.conf, wired to real I/O
// (raw VRRP sockets, rtnetlink VIPs and link events, gratuitous ARP, notify scripts). The state
// machines stay pure; this is the only place that touches the network.
import { EventEmitter } from 'node:events';
import { effectiveInstance, type KeepalivedConfig, type VrrpInstance } from '../keepalived/index.js';
import { VrrpInstanceMachine, type InstanceSettings, type Transition, type VrrpState } from './instance.js';
import { GarpSender } from './io/garp.js';
import { NdiscSender } from './io/ndisc.js';
import { VrrpSocket6 } from './io/vrrp-socket6.js';
import { canonicalIp6, isLinkLocal6, VRRP_GROUP6 } from './ip6.js';
import { notifyCommands, runNotify } from './io/notify.js';
import { Rtnl, type VipSpec } from './io/rtnl.js';
import { VrrpSocket } from './io/vrrp-socket.js';
import { bytesToIp, encodeAdvert, passAuthData, VRRP_GROUP, type VrrpAdvert } from './packet.js';
import { castMismatch6, firstVipNotLinkLocalLog, unknownVridLog, vrrpCheckPacket, vrrpCheckPacket6, vrrpGetHeader, vrrpGetHeader6, type Dropped, type DropReason, type InstanceCheck, type Received6 } from './check.js';
import { ip4Packet, IpIdCounter } from './ip4.js';
import { realVrrpClock, type VrrpClock } from './clock.js';
import { VrrpSyncGroup } from './sync-group.js';
import { wireAdvertInt } from './timers.js';

/** A state change of one instance, as the speaker reports it (status, events, logs). */
export interface VrrpTransitionEvent extends Transition {
  /** wall clock (Date.now()) of the change, for timelines across processes */
  wall: number;
  /** the sync group the instance belongs to, if any */
  group?: string;
}

export interface VrrpSpeakerOptions {
  /** interface names as they exist in this namespace (see keepalived mapInterfaces) */
  config: KeepalivedConfig;
  clock?: VrrpClock;
  log?: (line: string) => void;
  /**
   * Every state change, from the very first (INIT -> BACKUP happens while start() runs, before a
   * `transition` listener could be added): the director hosting the speaker passes them on.
   */
  onTransition?: (ev: VrrpTransitionEvent) => void;
}

export interface InstanceStatus {
  name: string;
  state: VrrpState;
  interface: string;
  vrid: number;
  version: 2 | 3;
  priority: number;
  effectivePriority: number;
  primaryAddress: string;
  masterAddress?: string;
  vips: string[];
  advertsSent: number;
  advertsReceived: number;
  becameMaster: number;
}

export interface SpeakerStatus {
  instances: InstanceStatus[];
  groups: { name: string; state?: VrrpState; members: string[] }[];
  dropped: Partial<Record<DropReason, number>>;
  garpsSent: number;
  /** unsolicited neighbour advertisements (IPv6 VIPs) */
  nasSent: number;
  transitions: VrrpTransitionEvent[];
}

interface Wired {
  cfg: VrrpInstance;
  machine: VrrpInstanceMachine;
  vips: VipSpec[];
  /** 6: VRRPv3 over IPv6 (socket6, neighbour advertisements) */
  family: 4 | 6;
  socket: VrrpSocket | VrrpSocket6;
  peers: string[];
  /** what keepalived's receive checks compare an advert with */
  check: InstanceCheck;
  /** keepalived's per-instance IP id */
  ipId: IpIdCounter;
  /** VIP changes run in order: a quick MASTER->BACKUP->MASTER must not end without the VIP */
  vipChain: Promise<void>;
}

export class VrrpSpeaker extends EventEmitter<{ transition: [VrrpTransitionEvent] }> {
  private readonly wired: Wired[] = [];
  private readonly groups: VrrpSyncGroup[] = [];
  private readonly sockets = new Map<string, VrrpSocket>();
  private readonly garps = new Map<string, GarpSender>();
  private readonly sockets6 = new Map<string, VrrpSocket6>();
  private readonly ndiscs = new Map<string, NdiscSender>();
  private readonly rtnl = new Rtnl();
  private readonly dropped: Partial<Record<DropReason, number>> = {};
  private readonly transitions: VrrpTransitionEvent[] = [];
  private readonly log: (line: string) => void;
  private readonly clock: VrrpClock;
  /** global_defs log_unknown_vrids: keepalived logs adverts for VRIDs it has no instance for */
  private readonly logUnknownVrids: boolean;
  private stopped = false;

  private constructor(private readonly opts: VrrpSpeakerOptions) {
    super();
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.clock = opts.clock ?? realVrrpClock();
    this.logUnknownVrids = opts.config.globalDefs.passthrough.some((p) => p.keyword === 'log_unknown_vrids');
  }

  static async start(opts: VrrpSpeakerOptions): Promise<VrrpSpeaker> {
    const s = new VrrpSpeaker(opts);
    try {
      await s.setup();
    } catch (e) {
      s.closeIo();
      throw e;
    }
    return s;
  }

  private async setup(): Promise<void> {
    const { config } = this.opts;
    const links = await this.rtnl.links();
    for (const inst of config.vrrpInstances) {
      const e = effectiveInstance(config, inst);
      if (!links.has(e.interface)) throw new Error(`vrrp_instance ${inst.name}: interface '${e.interface}' does not exist in this namespace`);
      const v6 = e.family === 6;
      // IPv6: the interface's link-local address (keepalived's ifp->sin6_addr), as RFC 5798 5.1.2.1 asks
      const configured = inst.unicastSrcIp ?? inst.mcastSrcIp;
      const found = v6 ? await this.rtnl.linkLocal6(e.interface) : (await this.rtnl.addresses(e.interface)).find((a) => !a.secondary)?.address;
      const primary = configured !== undefined ? (v6 ? canonicalIp6(configured) : configured) : found;
      if (!primary) throw new Error(`vrrp_instance ${inst.name}: interface '${e.interface}' has no ${v6 ? 'IPv6 link-local' : 'IPv4'} address to advertise from`);
      const tracked = [...(inst.dontTrackPrimary ? [] : [{ interface: e.interface }]), ...inst.trackInterface.map((t) => ({ interface: t.interface, weight: t.weight }))];
      for (const t of tracked) if (!links.has(t.interface)) throw new Error(`vrrp_instance ${inst.name}: track_interface '${t.interface}' does not exist in this namespace`);
      const settings: InstanceSettings = {
        name: inst.name,
        vrid: e.vrid,
        version: e.version,
        priority: e.priority,
        advertInt: e.advertInt,
        preempt: e.preempt,
        preemptDelay: e.preemptDelay,
        downTimerAdverts: e.downTimerAdverts,
        garpMasterDelay: e.garpMasterDelay,
        garpMasterRepeat: e.garpMasterRepeat,
        garpMasterRefresh: e.garpMasterRefresh,
        garpMasterRefreshRepeat: e.garpMasterRefreshRepeat,
        primaryAddress: primary,
        tracked,
      };
      const vips: VipSpec[] = inst.virtualIpaddress.map((v) => ({
        address: v6 ? canonicalIp6(v.address) : v.address,
        prefixLength: v.prefixLength ?? (v6 ? 128 : 32),
        dev: v.dev ?? e.interface,
        ...(v.label ? { label: v.label } : {}),
        ...(v.brd ? { brd: v.brd } : {}),
      }));
      for (const v of vips) if (!links.has(v.dev)) throw new Error(`vrrp_instance ${inst.name}: VIP ${v.address} names interface '${v.dev}', which does not exist`);
      // RFC 5798 5.2.9 wants the virtual router's link-local address first; keepalived (outside
      // strict mode) only logs this when it starts (vrrp.c vrrp_complete_instance), multicast only
      if (v6 && e.unicastPeers.length === 0 && vips.length > 0 && !isLinkLocal6(vips[0].address)) this.log(firstVipNotLinkLocalLog(inst.name));
      const socket = v6 ? this.socket6For(e.interface) : this.socketFor(e.interface);
      if (e.unicastPeers.length === 0) socket.joinGroup();
      const authPass = e.authPass;
      const check: InstanceCheck = {
        name: inst.name,
        vrid: e.vrid,
        version: e.version,
        advertInt: wireAdvertInt(e.version, e.advertInt),
        ...(authPass !== undefined ? { authPass } : {}),
        vips: vips.map((v) => v.address),
        unicast: e.unicastPeers.length > 0,
      };
      const peers = v6 ? e.unicastPeers.map(canonicalIp6) : e.unicastPeers;
      const w = { cfg: inst, vips, family: e.family, socket, peers, check, ipId: new IpIdCounter(), vipChain: Promise.resolve() } as Wired;
      w.machine = new VrrpInstanceMachine(settings, this.clock, {
        sendAdvert: (priority) => this.sendAdvert(w, priority, authPass),
        setVips: (present) => this.setVips(w, present),
        garp: (count) => this.sendGarps(w, count),
        notify: (state, priority) => runNotify(notifyCommands(inst, 'INSTANCE', inst.name, state, priority), this.log),
      });
      w.machine.onTransition((t) => this.recordTransition(w, t));
      this.wired.push(w);
    }
    for (const g of config.vrrpSyncGroups) {
      const group = new VrrpSyncGroup(g.name, (state) => {
        this.log(`(${g.name}) Sync group entering ${state} state`);
        runNotify(notifyCommands(g, 'GROUP', g.name, state), this.log);
      });
      for (const m of g.group) {
        const w = this.wired.find((x) => x.cfg.name === m);
        if (w) group.add(w.machine);
      }
      this.groups.push(group);
    }
    this.rtnl.watchLinks((ifname, up) => {
      if (this.stopped) return;
      for (const w of this.wired) w.machine.linkChanged(ifname, up);
    });
    // start after everything is wired, so sync-group propagation finds every member
    for (const w of this.wired) w.machine.start(Object.fromEntries(links));
  }

  private socketFor(ifname: string): VrrpSocket {
    let s = this.sockets.get(ifname);
    if (!s) {
      s = new VrrpSocket(ifname, (p) => this.onPacket(ifname, p));
      this.sockets.set(ifname, s);
    }
    return s;
  }

  private socket6For(ifname: string): VrrpSocket6 {
    let s = this.sockets6.get(ifname);
    if (!s) {
      s = new VrrpSocket6(ifname, (p, meta) => this.onPacket6(ifname, p, meta));
      this.sockets6.set(ifname, s);
    }
    return s;
  }

  /** count a dropped datagram by reason and log it in keepalived's words (when keepalived logs one) */
  private drop(d: Dropped): void {
    this.dropped[d.reason] = (this.dropped[d.reason] ?? 0) + 1;
    if (d.log) this.log(d.log);
  }

  // keepalived's vrrp_read_dispatcher: header, VRID, state, then vrrp_check_packet (check.ts)
  private onPacket(ifname: string, p: Buffer): void {
    if (this.stopped) return;
    const h = vrrpGetHeader(p);
    if (!h.ok) return this.drop(h);
    const w = this.wired.find((x) => x.family === 4 && x.socket.ifname === ifname && x.machine.settings.vrid === h.vrid);
    if (!w) return this.drop({ ok: false, reason: 'vrid', ...(this.logUnknownVrids ? { log: unknownVridLog(h.vrid, ifname) } : {}) });
    const src = bytesToIp(p, 12);
    if (this.wired.some((x) => x.machine.settings.primaryAddress === src)) return; // our own, looped back
    // keepalived ignores adverts (unchecked, uncounted) while an instance is in FAULT or INIT
    if (w.machine.state !== 'BACKUP' && w.machine.state !== 'MASTER') return;
    const r = vrrpCheckPacket(w.check, p);
    if (!r.ok) return this.drop(r);
    const { advert } = r.packet;
    w.machine.receive({ src, priority: advert.priority, advertInt: advert.advertInt });
  }

  // the same for an AF_INET6 socket (vrrp_scheduler.c vrrp_read_dispatcher): no IP header, the hop
  // limit and destination from ancillary data; a wrong-cast advert is dropped unlogged before the checks
  private onPacket6(ifname: string, v: Buffer, meta: Received6): void {
    if (this.stopped) return;
    const h = vrrpGetHeader6(v);
    if (!h.ok) return this.drop(h);
    const w = this.wired.find((x) => x.family === 6 && x.socket.ifname === ifname && x.machine.settings.vrid === h.vrid);
    if (!w) return this.drop({ ok: false, reason: 'vrid', ...(this.logUnknownVrids ? { log: unknownVridLog(h.vrid, ifname) } : {}) });
    if (this.wired.some((x) => x.machine.settings.primaryAddress === meta.src)) return; // our own
    if (w.machine.state !== 'BACKUP' && w.machine.state !== 'MASTER') return;
    if (castMismatch6(w.check, meta)) return this.drop({ ok: false, reason: 'cast' });
    const r = vrrpCheckPacket6(w.check, v, meta);
    if (!r.ok) return this.drop(r);
    const { advert } = r.packet;
    w.machine.receive({ src: meta.src, priority: advert.priority, advertInt: advert.advertInt });
  }

  private sendAdvert(w: Wired, priority: number, authPass: string | undefined): void {
    const s = w.machine.settings;
    const a: VrrpAdvert = {
      version: s.version,
      vrid: s.vrid,
      priority,
      addresses: w.vips.map((v) => v.address),
      advertInt: wireAdvertInt(s.version, s.advertInt),
    };
    if (s.version === 2) {
      a.authType = authPass !== undefined ? 1 : 0;
      if (authPass !== undefined) a.authData = passAuthData(authPass);
    }
    if (w.socket instanceof VrrpSocket6) {
      // the kernel writes the IPv6 header and (IPV6_CHECKSUM) the checksum; ours is the same value
      for (const dst of w.peers.length ? w.peers : [VRRP_GROUP6]) w.socket.send(encodeAdvert(a, { src: s.primaryAddress, dst }), s.primaryAddress, dst);
      return;
    }
    // one advertisement, one IP id, whichever peers it goes to (keepalived's vrrp_update_pkt)
    const id = w.ipId.next();
    const dsts = w.peers.length ? w.peers : [VRRP_GROUP];
    const sock = w.socket;
    for (const dst of dsts) sock.send(ip4Packet(encodeAdvert(a, { src: s.primaryAddress, dst }), { src: s.primaryAddress, dst, id }), dst);
  }

  private setVips(w: Wired, present: boolean): void {
    w.vipChain = w.vipChain.then(async () => {
      for (const v of w.vips) {
        try {
          if (present) await this.rtnl.addVip(v);
          else await this.rtnl.removeVip(v);
        } catch (e) {
          this.log(`(${w.cfg.name}) ${(e as Error).message}`);
        }
      }
    });
  }

  private sendGarps(w: Wired, count: number): void {
    const byDev = new Map<string, string[]>();
    for (const v of w.vips) byDev.set(v.dev, [...(byDev.get(v.dev) ?? []), v.address]);
    if (w.family === 6) {
      // keepalived's vrrp_send_link_update: garp_master_repeat rounds, each one NA per VIP
      for (const [dev, ips] of byDev) {
        let n = this.ndiscs.get(dev);
        if (!n) {
          n = new NdiscSender(dev);
          this.ndiscs.set(dev, n);
        }
        for (let i = 0; i < count; i++) n.send(ips);
      }
      return;
    }
    for (const [dev, ips] of byDev) {
      let g = this.garps.get(dev);
      if (!g) {
        g = new GarpSender(dev);
        this.garps.set(dev, g);
      }
      for (let i = 0; i < count; i++) g.send(ips);
    }
  }

  private recordTransition(w: Wired, t: Transition): void {
    const group = this.groups.find((g) => g.instances.includes(w.machine))?.name;
    const ev: VrrpTransitionEvent = { ...t, wall: Date.now(), ...(group ? { group } : {}) };
    this.transitions.push(ev);
    if (this.transitions.length > 1000) this.transitions.shift();
    this.log(`(${t.instance}) Entering ${t.to} STATE (${t.reason})`);
    this.emit('transition', ev);
    this.opts.onTransition?.(ev);
  }

  /** wait until queued VIP changes are applied */
  async settled(): Promise<void> {
    await Promise.all(this.wired.map((w) => w.vipChain));
  }

  status(): SpeakerStatus {
    return {
      instances: this.wired.map((w) => ({
        name: w.cfg.name,
        state: w.machine.state,
        interface: w.socket.ifname,
        vrid: w.machine.settings.vrid,
        version: w.machine.settings.version,
        priority: w.machine.settings.priority,
        effectivePriority: w.machine.effectivePriority,
        primaryAddress: w.machine.settings.primaryAddress,
        ...(w.machine.masterAddress ? { masterAddress: w.machine.masterAddress } : {}),
        vips: w.vips.map((v) => `${v.address}/${v.prefixLength}`),
        ...w.machine.stats,
      })),
      groups: this.groups.map((g) => ({ name: g.name, ...(g.state ? { state: g.state } : {}), members: g.instances.map((m) => m.name) })),
      dropped: { ...this.dropped },
      garpsSent: [...this.garps.values()].reduce((n, g) => n + g.sent, 0),
      nasSent: [...this.ndiscs.values()].reduce((n, g) => n + g.sent, 0),
      transitions: [...this.transitions],
    };
  }

  state(instance: string): VrrpState | undefined {
    return this.wired.find((w) => w.cfg.name === instance)?.machine.state;
  }

  /** graceful: masters resign with priority 0 and drop their VIPs; then the I/O closes */
  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const w of this.wired) w.machine.shutdown();
    this.stopped = true;
    await this.settled();
    this.closeIo();
  }

  private closeIo(): void {
    this.stopped = true;
    for (const s of this.sockets.values()) s.close();
    for (const s of this.sockets6.values()) s.close();
    for (const g of this.garps.values()) g.close();
    for (const n of this.ndiscs.values()) n.close();
    this.rtnl.close();
  }
}
