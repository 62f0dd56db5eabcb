// What the sync daemons need to know about their multicast interface, read inside the current
// network namespace (the director daemon runs in its director's namespace).
import { execa } from 'execa';

export interface SyncInterface {
  name: string;
  ifindex: number;
  mtu: number;
  /**
   * The address the kernel binds the master's socket to (inet_select_addr(dev, 0,
   * RT_SCOPE_UNIVERSE)): the first primary, global-scope IPv4. Undefined when the device has none.
   */
  primaryIPv4?: string;
}

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
