// A host's network state as a reboot leaves it: links down (its neighbours on the wire see the
// carrier go), then everything the running system had learned or been given gone — conntrack
// entries, neighbour entries, netfilter rules (IPv4 and IPv6), policy rules and extra routing tables
// of both families, addresses the lab did not give it (VIPs a VRRP speaker added) — and links back up
// with the lab's own addresses and routes (a link going down takes its IPv6 addresses with it, as the
// kernel does without keep_addr_on_down: they are given back as at build). Sysctls stay as the lab set them (a real boot applies the same ones again). What runs
// on the host (a load balancer) is the caller's: it is stopped while the links are down and started
// again after.
import { canonicalAddress } from './inet.js';
import { hostAddressLines, hostRouteLines, namespaceName } from './plan.js';
import { SWITCH_HOST, type TopologyHost } from './topology.js';
import type { Host } from './host.js';
import type { Lab } from './lab.js';

const KEEP_RULES = new Map([[0, 'local'], [32766, 'main'], [32767, 'default']]);
const KEEP_TABLES = new Set(['main', 'local', 'default', '254', '255', '253']);

interface IpRule {
  priority: number;
  table?: string;
}

/** "addr/len" with the address in canonical text (IPv6 as `ip` prints it); a bare address is a host route's length. */
function cidrKey(a: string): string {
  const [addr, len] = a.split('/');
  return `${canonicalAddress(addr) ?? addr}/${len ?? (addr.includes(':') ? 128 : 32)}`;
}

/** The addresses the lab gave each interface (lo included), as canonical "addr/len". */
function labAddresses(spec: TopologyHost): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>([['lo', new Set(['127.0.0.1/8', '::1/128', ...spec.loopback].map(cidrKey))]]);
  for (const i of spec.interfaces) out.set(i.name, new Set([...i.addresses, ...i.extraAddresses].map(cidrKey)));
  return out;
}

async function json<T>(host: Host, argv: string[]): Promise<T[]> {
  const r = await host.exec(argv, { check: false });
  if (r.exitCode !== 0) return [];
  return JSON.parse(r.stdout || '[]') as T[];
}

/** Clear what a reboot clears; returns what could not be cleared (a missing tool, say). */
async function clearState(host: Host): Promise<string[]> {
  const notes: string[] = [];
  const run = async (argv: string[]) => {
    const r = await host.exec(argv, { check: false });
    if (r.exitCode !== 0) notes.push(`${argv.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  };
  await run(['conntrack', '-F']);
  await run(['ip', 'neigh', 'flush', 'all']);
  await run(['nft', 'flush', 'ruleset']);
  for (const tool of ['iptables', 'ip6tables']) {
    for (const t of ['raw', 'mangle', 'nat', 'filter']) {
      await host.exec([tool, '-w', '5', '-t', t, '-F'], { check: false });
      await host.exec([tool, '-w', '5', '-t', t, '-X'], { check: false });
    }
  }
  for (const family of ['-4', '-6']) {
    // policy routing back to the kernel's three rules; the local rule first, so nothing local is lost
    const rules = await json<IpRule>(host, ['ip', family, '-j', 'rule', 'show']);
    if (!rules.some((r) => r.priority === 0 && r.table === 'local')) await run(['ip', family, 'rule', 'add', 'pref', '0', 'lookup', 'local']);
    for (const r of rules) {
      if (KEEP_RULES.get(r.priority) === r.table) continue;
      await run(['ip', family, 'rule', 'del', 'pref', String(r.priority)]);
    }
    const routes = await json<{ table?: string }>(host, ['ip', family, '-j', 'route', 'show', 'table', 'all']);
    for (const t of new Set(routes.map((r) => r.table).filter((t): t is string => !!t && !KEEP_TABLES.has(t)))) await run(['ip', family, 'route', 'flush', 'table', t]);
  }
  const want = labAddresses(host.spec);
  const addrs = await json<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number; scope?: string }> }>(host, ['ip', '-j', 'addr', 'show']);
  for (const a of addrs) {
    // an IPv6 link-local address the kernel made is part of the link, not something a system added
    for (const i of a.addr_info.filter((x) => x.family === 'inet' || (x.family === 'inet6' && x.scope !== 'link'))) {
      const cidr = `${i.local}/${i.prefixlen}`;
      if (!want.get(a.ifname)?.has(cidrKey(cidr))) await run(['ip', 'addr', 'del', cidr, 'dev', a.ifname]);
    }
  }
  return notes;
}

async function setLinks(lab: Lab, host: Host, up: boolean): Promise<void> {
  for (const i of host.spec.interfaces) {
    await host.exec(['ip', 'link', 'set', 'dev', i.name, up ? 'up' : 'down']);
    // the switch side too when coming back: a pulled cable (a link-down fault) is plugged in again
    if (up) await host.exec(['ip', '-n', namespaceName(lab.id, SWITCH_HOST), 'link', 'set', 'dev', i.peer, 'up']);
  }
}

/** A host dies: its links go down (a later `rebootNetwork` brings them back with fresh state). */
export async function hostLinksDown(lab: Lab, name: string): Promise<void> {
  await setLinks(lab, lab.host(name), false);
}

/**
 * Reboot a host's network: links down, `whileDown()` (stop what ran there), state cleared, links
 * and the lab's routes back. Returns notes on anything that could not be cleared.
 */
export async function rebootNetwork(lab: Lab, name: string, whileDown: () => Promise<void> = async () => undefined): Promise<string[]> {
  const host = lab.host(name);
  await setLinks(lab, host, false);
  await whileDown();
  const notes = await clearState(host);
  await setLinks(lab, host, true);
  const index = lab.topology.hosts.findIndex((h) => h.name === name);
  const lines = [...hostAddressLines(host.spec, index, 'replace'), ...hostRouteLines(host.spec, 'replace')];
  await host.exec(['ip', '-batch', '-'], { input: lines.join('\n') + '\n' });
  return notes;
}
