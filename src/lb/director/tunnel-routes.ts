// Tunnel endpoints of TUN destinations, looked up once per destination when the service table
// changes (the kernel caches the same per dest in dest->dest_dst): the source address routing picks
// toward the real server (do_output_route4's fl4.saddr) and that route's MTU.
//
// A tunnel packet built at PREROUTING carries one of the director's own addresses as its source, so
// the kernel would drop it as a martian on input unless net.ipv4.conf.*.accept_local is 1; the
// reverse-path filter would drop it too, so rp_filter goes to 0. Both are set in the daemon's own
// namespace (the director's) the first time a TUN destination appears, and left so (the namespace
// goes with the lab).
import type { TunnelTable } from './dataplane.js';
import { ipToNumber } from './packet.js';
import type { Runner } from './command.js';
import type { TunnelEndpoint } from './tunnel.js';

interface RouteGet {
  dev?: string;
  prefsrc?: string;
  metrics?: Array<{ mtu?: number }>;
}

export class TunnelRoutes implements TunnelTable {
  private byAddr = new Map<number, TunnelEndpoint>();
  private sysctlsDone = false;

  constructor(private readonly run: Runner) {}

  endpointFor(daddr: number): TunnelEndpoint | undefined {
    return this.byAddr.get(daddr);
  }

  /** Known endpoints, for status. */
  describe(): Array<{ dest: string; saddr: string; mtu: number }> {
    const ip = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    return [...this.byAddr].map(([d, e]) => ({ dest: ip(d), saddr: ip(e.saddr), mtu: e.mtu }));
  }

  /**
   * Keep endpoints for exactly these real servers: new ones are looked up, gone ones forgotten.
   * Returns the problems (a real server without a route stays without an endpoint; its packets are
   * dropped and counted as unsupported until the next change).
   */
  async refresh(addrs: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    const want = new Map(addrs.map((a) => [ipToNumber(a), a]));
    for (const n of [...this.byAddr.keys()]) if (!want.has(n)) this.byAddr.delete(n);
    if (want.size > 0 && !this.sysctlsDone) problems.push(...(await this.sysctls()));
    for (const [n, addr] of want) {
      if (this.byAddr.has(n)) continue;
      try {
        this.byAddr.set(n, await this.lookup(addr));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return problems;
  }

  private async lookup(addr: string): Promise<TunnelEndpoint> {
    const r = await this.run('ip', ['-j', 'route', 'get', addr]);
    const route = r.exitCode === 0 ? ((JSON.parse(r.stdout || '[]') as RouteGet[])[0] ?? {}) : {};
    if (!route.dev || !route.prefsrc) throw new Error(`tunnel to real server ${addr}: no route with a source address from the director (${r.stderr.trim() || 'ip route get gave none'})`);
    let mtu = route.metrics?.find((m) => m.mtu !== undefined)?.mtu;
    if (mtu === undefined) {
      const l = await this.run('ip', ['-j', 'link', 'show', 'dev', route.dev]);
      mtu = l.exitCode === 0 ? (JSON.parse(l.stdout || '[]') as Array<{ mtu?: number }>)[0]?.mtu : undefined;
      if (mtu === undefined) throw new Error(`tunnel to real server ${addr}: no MTU for device ${route.dev} (${l.stderr.trim()})`);
    }
    return { saddr: ipToNumber(route.prefsrc), mtu };
  }

  private async sysctls(): Promise<string[]> {
    const l = await this.run('ip', ['-j', 'link', 'show']);
    const devs = l.exitCode === 0 ? (JSON.parse(l.stdout || '[]') as Array<{ ifname?: string }>).map((d) => d.ifname).filter((d): d is string => !!d && !d.includes('@')) : [];
    const settings = ['net.ipv4.conf.all.accept_local=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'];
    // rp_filter is the larger of `all` and the device's own value
    for (const d of devs) settings.push(`net.ipv4.conf.${d.replace(/\./g, '/')}.rp_filter=0`);
    const r = await this.run('sysctl', ['-qw', ...settings]);
    this.sysctlsDone = r.exitCode === 0;
    return r.exitCode === 0 ? [] : [`sysctl for tunnel forwarding: ${r.stderr.trim()}`];
  }
}
