// The IPv6 side of the failover harness: the article lab's director interfaces have no IPv6 address
// (the lab sets addrgenmode none), so a suite gives each one a link-local address (nodad: usable at
// once), which is all VRRPv3 over IPv6 needs; who holds the IPv6 VIPs, judged with `ip -6 addr`.
import type { Lab } from '../../../src/lab/index.js';
import { LINK_LOCAL6, VIPS6 } from './confs.js';
import { waitFor } from './directors.js';

const IFNAME: Record<string, string> = { VI_1: 'eth0', VI_GATEWAY: 'eth1' };

/** the routable VIPs the holder checks look for (the link-local ones move with them) */
export const VIP6 = VIPS6.VI_1[1];
export const DIP6 = VIPS6.VI_GATEWAY[1];

/** the client's own IPv6 address on the external segment, from which it resolves the VIP */
export const CLIENT6 = '2001:db8:1::100';

export async function addLinkLocals(lab: Lab): Promise<void> {
  for (const d of ['ds1', 'ds2'] as const) {
    for (const [inst, addr] of Object.entries(LINK_LOCAL6[d])) {
      await lab.host(d).exec(['ip', '-6', 'addr', 'replace', `${addr}/64`, 'dev', IFNAME[inst], 'nodad']);
    }
  }
  await lab.client.exec(['ip', '-6', 'addr', 'replace', 'fe80::100/64', 'dev', 'eth0', 'nodad']);
  await lab.client.exec(['ip', '-6', 'addr', 'replace', `${CLIENT6}/64`, 'dev', 'eth0', 'nodad']);
}

/** the client's neighbour entry for the IPv6 VIP (lladdr), if any */
export async function clientNeighbour6(lab: Lab): Promise<string | undefined> {
  const r = await lab.client.exec(['ip', '-6', 'neigh', 'show', VIP6], { check: false });
  return /lladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
}

/** make the client resolve the IPv6 VIP (one echo request, bounded) */
export async function clientResolve6(lab: Lab): Promise<void> {
  await lab.client.exec(['ping', '-6', '-c', '1', '-W', '1', VIP6], { check: false, timeoutMs: 5000 });
}

/** the IPv6 addresses a director holds right now */
export async function heldAddresses6(lab: Lab, director: string): Promise<Set<string>> {
  const r = await lab.host(director).exec(['ip', '-6', '-o', 'addr', 'show'], { timeoutMs: 5000 });
  return new Set([...r.stdout.matchAll(/inet6 ([0-9a-f:]+)\//g)].map((m) => m[1]));
}

/** the directors holding the IPv6 VIP and DIP (each instance's addresses, link-local included) */
export async function holders6(lab: Lab): Promise<{ vip: string[]; dip: string[] }> {
  const out = { vip: [] as string[], dip: [] as string[] };
  for (const d of ['ds1', 'ds2']) {
    const a = await heldAddresses6(lab, d);
    if (VIPS6.VI_1.every((x) => a.has(x))) out.vip.push(d);
    if (VIPS6.VI_GATEWAY.every((x) => a.has(x))) out.dip.push(d);
  }
  return out;
}

export async function waitHolder6(lab: Lab, director: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`${director} to hold exactly the IPv6 VIPs and DIPs`, async () => {
    const h = await holders6(lab);
    return h.vip.length === 1 && h.vip[0] === director && h.dip.length === 1 && h.dip[0] === director;
  }, timeoutMs);
  return Date.now() - t0;
}

/** drop whatever IPv6 VIP a killed VRRP left behind */
export async function releaseVips6(lab: Lab): Promise<void> {
  for (const d of ['ds1', 'ds2']) {
    for (const [inst, addrs] of Object.entries(VIPS6)) {
      for (const a of addrs) await lab.host(d).exec(['ip', '-6', 'addr', 'del', `${a}/64`, 'dev', IFNAME[inst]], { check: false });
    }
  }
}
