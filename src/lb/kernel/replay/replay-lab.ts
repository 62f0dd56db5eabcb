// The small lab a kernel trace replay runs in: a client namespace holding every client address of the
// trace, a director namespace holding the VIPs (kernel IPVS lives there), and one namespace per real
// server. Point-to-point veths and /32 routes, so any addresses a trace names work without planning
// subnets. Everything is created inside namespaces named lvs-<id>-<host>; nothing touches the
// namespace this process runs in.
import { randomBytes } from 'node:crypto';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { killPid, run, start, type RunResult } from '../proc.js';
import { NamespaceShell } from '../ns-shell.js';
import { readConnTable } from './conn-table.js';
import type { TraceAddresses } from './trace.js';

/** the director's address towards the real servers (their default gateway, reached on-link) */
const DIP = '10.255.255.254';
/** IPv6: the director's link-local address on each real server's link, their default gateway
 * (neighbour discovery answers only for addresses of the link asked on, so not one on lo) */
const DIP6_LL = 'fe80::1';

const isV6 = (a: string): boolean => a.includes(':');
/** a host route to one address of either family */
const hostRoute = (a: string): string => (isV6(a) ? `${a}/128` : `${a}/32`);
/** an address added without duplicate address detection (an IPv6 one would stay tentative a while) */
const addAddr = (a: string, dev: string): string => (isV6(a) ? `addr add ${a}/128 dev ${dev} nodad` : `addr add ${a}/32 dev ${dev}`);

export interface ReplayLab {
  id: string;
  clientNs: string;
  directorNs: string;
  /** real server address -> namespace */
  realNs: Map<string, string>;
  /** run a command in a namespace; never throws for a non-zero status */
  exec(ns: string, file: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string; status: number }>;
  /** start a long-lived process in a namespace; the lab kills it (by its pid) on teardown */
  spawn(ns: string, file: string, args: string[]): ChildProcessWithoutNullStreams;
  /** run ipvsadm in the director namespace (through a shell kept there) */
  ipvsadm(args: string[]): Promise<RunResult>;
  /** the director's connection table as `ipvsadm -Lnc` rows, read from /proc without running ipvsadm (conn-table.ts) */
  connTable(): Promise<string>;
  /** a fresh director namespace (empty IPVS state), relinked to the same client and real servers */
  resetDirector(): Promise<void>;
  teardown(): Promise<void>;
}

export function newLabId(prefix = 'k'): string {
  return prefix + randomBytes(3).toString('hex');
}

async function ipBatch(ns: string | undefined, lines: string[]): Promise<void> {
  const args = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-'];
  const r = await run('ip', args, { input: lines.join('\n') + '\n', timeoutMs: 60_000 });
  if (r.status !== 0) throw new Error(`replay lab: ip ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}\n${lines.join('\n')}`);
}

export async function buildReplayLab(addrs: TraceAddresses, id = newLabId()): Promise<ReplayLab> {
  if (addrs.reals.length === 0) throw new Error('replay lab: the trace names no real server (-r ADDR:PORT)');
  if (addrs.reals.length > 32) throw new Error(`replay lab: ${addrs.reals.length} real servers, at most 32 supported`);
  const clientNs = `lvs-${id}-client`;
  const realNs = new Map(addrs.reals.map((addr, i) => [addr, `lvs-${id}-rs${i + 1}`]));
  const hosts = [clientNs, ...realNs.values()];
  const children: Array<{ pid?: number }> = [];
  /** director namespaces that exist (the current one, the next one being prepared, one being deleted) */
  const directors = new Set<string>();
  let generation = 0;
  const directorName = () => `lvs-${id}-ds${generation++ === 0 ? '' : generation - 1}`;
  let directorNs = directorName();
  let shell: NamespaceShell | undefined;

  const sysctls = async (ns: string, settings: string[]) => {
    const r = await lab.exec(ns, 'sysctl', ['-qw', ...settings]);
    if (r.status !== 0) throw new Error(`replay lab: sysctl in ${ns}: ${r.stderr.trim()}`);
  };

  /** the director side of every link, brought up and addressed (the links themselves exist) */
  const directorConfig = () => {
    const lines = ['link set lo up', 'link set dc up', `addr add ${DIP}/32 dev lo`, ...addrs.vips.map((v) => addAddr(v, 'dc'))];
    lines.push(...addrs.clients.map((a) => `route add ${hostRoute(a)} dev dc`));
    let i = 0;
    for (const real of realNs.keys()) {
      lines.push(`link set r${++i} up`, `route add ${hostRoute(real)} dev r${i}`);
      if (isV6(real)) lines.push(`addr add ${DIP6_LL}/64 dev r${i} nodad`);
    }
    return lines;
  };

  /**
   * A director namespace made ready ahead of its trace — created, forwarding on (IPv4 and IPv6),
   * rp_filter off (before any link arrives, so the links take those defaults: writing `all` sets
   * `default` too), a shell kept in it — while the
   * previous trace still runs. `rootLines` ride along in the same root `ip -batch` (deleting the
   * namespace before it): each process start costs a second or so under emulation.
   */
  interface Prepared {
    ns: string;
    shell?: NamespaceShell;
    ready: Promise<void>;
  }
  const prepare = (ns: string, rootLines: string[] = []): Prepared => {
    const p: Prepared = { ns, ready: Promise.resolve() };
    p.ready = (async () => {
      await ipBatch(undefined, [...rootLines, `netns add ${ns}`]);
      directors.add(ns);
      p.shell = new NamespaceShell(ns);
      const r = await p.shell.run('sysctl', ['-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
      if (r.status !== 0) throw new Error(`replay lab: sysctl in ${ns}: ${r.stderr.trim()}`);
    })();
    // awaited by the next resetDirector (or teardown), which sees its failure
    p.ready.catch(() => undefined);
    return p;
  };
  let spare: Prepared | undefined;
  const moveLines = (to: string) => ['link set dc netns ' + to, ...[...realNs.keys()].map((_, k) => `link set r${k + 1} netns ${to}`)];

  const lab: ReplayLab = {
    id,
    clientNs,
    get directorNs() {
      return directorNs;
    },
    realNs,
    async exec(ns, file, args, input) {
      return run('ip', ['netns', 'exec', ns, file, ...args], { input, timeoutMs: 120_000 });
    },
    spawn(ns, file, args) {
      const p = start('ip', ['netns', 'exec', ns, file, ...args]);
      children.push(p);
      return p;
    },
    ipvsadm(args) {
      shell ??= new NamespaceShell(directorNs);
      return shell.run('ipvsadm', args);
    },
    async connTable() {
      shell ??= new NamespaceShell(directorNs);
      return readConnTable(await shell.insidePid());
    },
    async resetDirector() {
      // IPVS state is per namespace: a new director namespace starts with empty tables, no
      // lingering connections and no trashed destinations from the previous trace. The links move
      // over to it (the client's and real servers' ends keep their addresses, routes and peers'
      // MAC addresses), so only the director side is configured again.
      const next = spare ?? prepare(directorName());
      spare = undefined;
      await next.ready;
      const old = directorNs;
      shell?.close();
      shell = next.shell;
      await ipBatch(old, moveLines(next.ns));
      directorNs = next.ns;
      // the old namespace (empty now) goes in the batch that prepares the next trace's, in the background
      spare = prepare(directorName(), [`netns delete ${old}`]);
      void spare.ready.then(() => directors.delete(old), () => undefined);
      await ipBatch(directorNs, directorConfig());
    },
    async teardown() {
      await spare?.ready.catch(() => undefined);
      spare?.shell?.close();
      shell?.close();
      for (const c of children) killPid(c.pid);
      for (const ns of [...directors, ...hosts]) await ipBatch(undefined, [`netns delete ${ns}`]).catch(() => undefined);
    },
  };

  try {
    const first = prepare(directorNs);
    spare = first;
    await ipBatch(undefined, hosts.map((ns) => `netns add ${ns}`));
    await Promise.all(hosts.map((ns) => ipBatch(ns, ['link set lo up'])));
    await Promise.all(hosts.map((ns) => sysctls(ns, ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'])));
    await first.ready;
    spare = undefined;
    shell = first.shell;
    const root = [`link add c0 netns ${clientNs} type veth peer name dc netns ${directorNs}`];
    let i = 0;
    for (const ns of realNs.values()) root.push(`link add e0 netns ${ns} type veth peer name r${++i} netns ${directorNs}`);
    await ipBatch(undefined, root);
    await Promise.all([
      ipBatch(directorNs, directorConfig()),
      // the client reaches every VIP on-link: the director answers ARP for its local addresses
      ipBatch(clientNs, [
        'link set c0 up',
        ...addrs.clients.map((a) => addAddr(a, 'c0')),
        'route add default dev c0',
        ...(addrs.clients.some(isV6) ? ['route add ::/0 dev c0'] : []),
      ]),
      ...[...realNs].map(([real, ns]) =>
        ipBatch(
          ns,
          isV6(real)
            ? ['link set e0 up', addAddr(real, 'e0'), `route add ::/0 via ${DIP6_LL} dev e0`]
            : ['link set e0 up', `addr add ${real}/32 dev e0`, `route add ${DIP}/32 dev e0`, `route add default via ${DIP} dev e0`],
        ),
      ),
    ]);
    spare = prepare(directorName());
  } catch (err) {
    await lab.teardown();
    throw err;
  }
  return lab;
}
