// What keepalived does when a keyword is left out (keepalived 2.2.7: vrrp.h, check_data.c, the
// keepalived.conf(5) man page), and the derived settings both backends need.
import type { KeepalivedConfig, LvsSyncDaemon, VrrpInstance } from './types.js';

/** IPVS schedulers keepalived accepts for lvs_sched / lb_algo */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];
export const SCHED_FLAGS = ['sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'flag-1', 'flag-2', 'flag-3'];

/** the address owner's priority (vrrp.h VRRP_PRIO_OWNER) */
export const VRRP_PRIO_OWNER = 255;

export const KEEPALIVED_DEFAULTS = {
  priority: 100,
  advertInt: 1,
  vrrpVersion: 2 as 2 | 3,
  downTimerAdverts: 3,
  garpMasterDelay: 5,
  garpMasterRepeat: 5,
  garpMasterRefresh: 0,
  garpMasterRefreshRepeat: 1,
  lvsSched: 'wlc',
  lvsMethod: 'NAT' as const,
  // check_validate_config: "If the protocol is 0, the kernel defaults to UDP, so set it explicitly"
  protocol: 'UDP' as const,
  weight: 1,
  persistenceTimeout: 360,
  delayLoop: 60,
  connectTimeout: 5,
  quorum: 1,
  syncPort: 8848,
  syncGroup: '224.0.0.81',
};

/** A vrrp_instance with keepalived's defaults filled in. */
export interface EffectiveVrrpInstance {
  name: string;
  initialState: 'MASTER' | 'BACKUP';
  interface: string;
  vrid: number;
  priority: number;
  /** seconds */
  advertInt: number;
  version: 2 | 3;
  preempt: boolean;
  /** seconds */
  preemptDelay: number;
  authPass?: string;
  downTimerAdverts: number;
  garpMasterDelay: number;
  garpMasterRepeat: number;
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  unicastSrcIp?: string;
  unicastPeers: string[];
  /** 6: VRRPv3 over IPv6 (IPv6 addresses, or native_ipv6) */
  family: 4 | 6;
}

/** VRRPv3 over IPv6: `native_ipv6`, or IPv6 addresses (the first one sets the family, as in keepalived) */
export function isIpv6Instance(inst: VrrpInstance): boolean {
  return Boolean(inst.nativeIpv6 || inst.virtualIpaddress[0]?.address.includes(':'));
}

export function effectiveInstance(config: KeepalivedConfig, inst: VrrpInstance): EffectiveVrrpInstance {
  const g = config.globalDefs;
  const family = isIpv6Instance(inst) ? 6 : 4;
  // an IPv6 instance without `version` is version 3 whatever vrrp_version says (vrrp_complete_instance)
  const version = inst.version ?? (family === 6 ? 3 : (g.vrrpVersion ?? KEEPALIVED_DEFAULTS.vrrpVersion));
  // keepalived (vrrp.c vrrp_complete_instance): no priority and `state MASTER` make the address
  // owner; no state is derived from the priority
  const priority = inst.priority ?? (inst.state === 'MASTER' ? VRRP_PRIO_OWNER : KEEPALIVED_DEFAULTS.priority);
  const e: EffectiveVrrpInstance = {
    name: inst.name,
    initialState: inst.state ?? (priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP'),
    interface: inst.interface ?? '',
    vrid: inst.virtualRouterId,
    priority,
    advertInt: inst.advertInt ?? KEEPALIVED_DEFAULTS.advertInt,
    version,
    preempt: !inst.nopreempt,
    preemptDelay: inst.preemptDelay ?? 0,
    downTimerAdverts: inst.downTimerAdverts ?? KEEPALIVED_DEFAULTS.downTimerAdverts,
    garpMasterDelay: inst.garpMasterDelay ?? g.vrrpGarpMasterDelay ?? KEEPALIVED_DEFAULTS.garpMasterDelay,
    garpMasterRepeat: inst.garpMasterRepeat ?? g.vrrpGarpMasterRepeat ?? KEEPALIVED_DEFAULTS.garpMasterRepeat,
    garpMasterRefresh: inst.garpMasterRefresh ?? g.vrrpGarpMasterRefresh ?? KEEPALIVED_DEFAULTS.garpMasterRefresh,
    garpMasterRefreshRepeat: inst.garpMasterRefreshRepeat ?? KEEPALIVED_DEFAULTS.garpMasterRefreshRepeat,
    unicastPeers: [...inst.unicastPeer],
    family,
  };
  // VRRPv3 carries no authentication (RFC 5798 removed it)
  if (version === 2 && inst.authentication?.authType === 'PASS') e.authPass = inst.authentication.authPass.slice(0, 8);
  if (inst.unicastSrcIp) e.unicastSrcIp = inst.unicastSrcIp;
  return e;
}

/** The connection sync daemon keepalived runs, if any, with its instance and sync id resolved. */
export interface EffectiveSyncDaemon {
  interface: string;
  /** the vrrp_instance whose MASTER/BACKUP state selects the master or backup daemon */
  instance?: string;
  syncId: number;
  maxlen?: number;
  port: number;
  ttl?: number;
  group: string;
}

export function effectiveSyncDaemon(config: KeepalivedConfig): EffectiveSyncDaemon | undefined {
  let d: LvsSyncDaemon | undefined = config.globalDefs.lvsSyncDaemon;
  if (!d) {
    // the deprecated per-instance form: the first instance naming it wins, later ones are ignored
    const inst = config.vrrpInstances.find((i) => i.lvsSyncDaemonInterface);
    if (inst?.lvsSyncDaemonInterface) d = { interface: inst.lvsSyncDaemonInterface, instance: inst.name };
  }
  if (!d) return undefined;
  const inst = config.vrrpInstances.find((i) => i.name === d.instance);
  const out: EffectiveSyncDaemon = {
    interface: d.interface,
    syncId: d.syncId ?? inst?.virtualRouterId ?? 0,
    port: d.port ?? KEEPALIVED_DEFAULTS.syncPort,
    group: d.group ?? KEEPALIVED_DEFAULTS.syncGroup,
  };
  if (d.instance) out.instance = d.instance;
  if (d.maxlen !== undefined) out.maxlen = d.maxlen;
  if (d.ttl !== undefined) out.ttl = d.ttl;
  return out;
}
