// What the control plane's get commands return (ip_vs_ctl.c: ip_vs_copy_service, ip_vs_genl_fill_service,
// ip_vs_genl_fill_dest): a service and its dests as ipvsadm receives them, before ipvsadm sorts and
// prints them (src/lb/ipvsadm/).
import { formatIPv4 } from './addr.js';
import type { Dest, Service } from './ip_vs.js';
import { IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT } from './flags.js';
import { AF_INET6, type DestOptions, type DestSnapshot, type ServiceSnapshot } from './types.js';

export function serviceSnapshot(svc: Service): ServiceSnapshot {
  return {
    key: { ...svc.key },
    options: {
      scheduler: svc.scheduler.name,
      schedFlags: [...svc.schedFlagNames],
      ...(svc.flags & IP_VS_SVC_F_PERSISTENT
        ? { persistence: { timeout: svc.timeout, netmask: svc.af === AF_INET6 ? String(svc.netmask) : formatIPv4(svc.netmask) } }
        : {}),
      ops: (svc.flags & IP_VS_SVC_F_ONEPACKET) !== 0,
      ...(svc.pe ? { pe: svc.pe } : {}),
    },
    dests: svc.dests.map(destSnapshot),
    stats: svc.stats.counters(),
    rate: svc.stats.rate(),
  };
}

export function destSnapshot(d: Dest): DestSnapshot {
  const options: DestOptions = { forwarding: d.forwarding, weight: d.weight, uThreshold: d.uThreshold, lThreshold: d.lThreshold };
  if (d.tunnel) options.tunnel = { ...d.tunnel };
  return {
    addr: d.addrStr,
    port: d.port,
    options,
    activeConns: d.activeConns,
    inactConns: d.inactConns,
    persistConns: d.persistConns,
    stats: d.stats.counters(),
    rate: d.stats.rate(),
  };
}
