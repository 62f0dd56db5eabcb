// Network faults, made on the lab's wires rather than in the hosts: a link goes down at its switch
// port (the host keeps its addresses and routes, as when a cable is pulled), and a partition drops
// frames between two groups of hosts on the bridges (nft bridge family, inside the switch
// namespace). Nothing here touches the root namespace.
import { execa } from 'execa';
import { namespaceName, SWITCH_HOST, type Topology } from '../lab/index.js';

export class FaultError extends Error {
  override name = 'FaultError';
}

const PARTITION_TABLE = 'lvslab_partition';

function switchNs(labId: string): string {
  return namespaceName(labId, SWITCH_HOST);
}

/** The switch-side ports of a host's interfaces (one named interface, or all of them). */
export function switchPorts(t: Topology, host: string, iface?: string): string[] {
  const h = t.hosts.find((x) => x.name === host);
  if (!h) throw new FaultError(`no host '${host}' in the lab (hosts: ${t.hosts.map((x) => x.name).join(', ')})`);
  const list = iface === undefined ? h.interfaces : h.interfaces.filter((i) => i.name === iface);
  if (list.length === 0) {
    throw new FaultError(iface === undefined ? `host '${host}' has no interfaces` : `host '${host}' has no interface '${iface}' (it has ${h.interfaces.map((i) => i.name).join(', ')})`);
  }
  return list.map((i) => i.peer);
}

async function ip(labId: string, args: string[]): Promise<void> {
  const r = await execa('ip', ['-n', switchNs(labId), ...args], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) throw new FaultError(`ip ${args.join(' ')} in the switch namespace: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
}

export async function setLink(labId: string, t: Topology, host: string, iface: string | undefined, up: boolean): Promise<void> {
  for (const port of switchPorts(t, host, iface)) await ip(labId, ['link', 'set', 'dev', port, up ? 'up' : 'down']);
}

/** Drop every frame between the ports of group a and those of group b, both ways. */
export async function partition(labId: string, t: Topology, a: readonly string[], b: readonly string[]): Promise<void> {
  const overlap = a.filter((h) => b.includes(h));
  if (overlap.length) throw new FaultError(`partition: ${overlap.join(', ')} cannot be on both sides`);
  const pa = a.flatMap((h) => switchPorts(t, h));
  const pb = b.flatMap((h) => switchPorts(t, h));
  const set = (ports: string[]) => `{ ${ports.map((p) => `"${p}"`).join(', ')} }`;
  const rules = [
    `table bridge ${PARTITION_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    `    iifname ${set(pa)} oifname ${set(pb)} drop`,
    `    iifname ${set(pb)} oifname ${set(pa)} drop`,
    '  }',
    '}',
  ].join('\n');
  await heal(labId);
  const r = await execa('ip', ['netns', 'exec', switchNs(labId), 'nft', '-f', '-'], { input: rules, reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) throw new FaultError(`partition: nft in the switch namespace: ${String(r.stderr).trim()}`);
}

/** Remove any partition (a no-op without one). */
export async function heal(labId: string): Promise<void> {
  await execa('ip', ['netns', 'exec', switchNs(labId), 'nft', 'delete', 'table', 'bridge', PARTITION_TABLE], { reject: false, timeout: 10_000 });
}
