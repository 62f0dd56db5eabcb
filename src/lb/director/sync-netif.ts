// What the sync daemons need to know about their multicast interface, read inside the current
// network namespace (the director daemon runs in its director's namespace).
import fs from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import type { SyncInterface } from '../ipvs/sync/io.js';

export type InterfaceLookup = (name: string) => Promise<SyncInterface | undefined>;

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  mtu: number;
  addr_info?: Array<{ family: string; local: string; scope: string; secondary?: boolean }>;
}

/** Pick the kernel's choice of source address from `ip -j addr` output for one device. */
export function interfaceFromIpJson(json: unknown): SyncInterface | undefined {
  if (!Array.isArray(json) || json.length === 0) return undefined;
  const d = json[0] as IpAddrJson;
  const primary = (d.addr_info ?? []).find((a) => a.family === 'inet' && a.scope === 'global' && !a.secondary);
  const out: SyncInterface = { name: d.ifname, ifindex: d.ifindex, mtu: d.mtu };
  if (primary) out.primaryIPv4 = primary.local;
  return out;
}

/** `ip -j addr show dev NAME` in this process's namespace; undefined when there is no such device. */
export const lookupInterface: InterfaceLookup = async (name) => {
  if (!/^[^\s/]{1,15}$/.test(name)) return undefined; // IFNAMSIZ, and no path characters
  const r = await execa('ip', ['-j', 'addr', 'show', 'dev', name], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return interfaceFromIpJson(JSON.parse(r.stdout || '[]'));
};

/**
 * The same, synchronously, for ipvsadm's --start-daemon inside the core's synchronous command path:
 * addresses from getifaddrs (os.networkInterfaces, always this process's namespace, primaries
 * listed first as the kernel keeps them), ifindex and MTU from /sys/class/net (the namespace's
 * own sysfs under `ip netns exec`; 1500 when unreadable).
 */
export function lookupInterfaceSync(name: string): SyncInterface | undefined {
  if (!/^[^\s/]{1,15}$/.test(name)) return undefined;
  const addrs = os.networkInterfaces()[name];
  const sys = (f: string): number | undefined => {
    try {
      const n = Number(fs.readFileSync(`/sys/class/net/${name}/${f}`, 'utf8').trim());
      return Number.isFinite(n) ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const mtu = sys('mtu');
  if (!addrs && mtu === undefined) return undefined;
  const out: SyncInterface = { name, ifindex: sys('ifindex') ?? 0, mtu: mtu ?? 1500 };
  // getifaddrs cannot tell secondaries or scopes apart; skip loopback and link-local, as
  // inet_select_addr's RT_SCOPE_UNIVERSE does.
  const primary = addrs?.find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'));
  if (primary) out.primaryIPv4 = primary.address;
  return out;
}
