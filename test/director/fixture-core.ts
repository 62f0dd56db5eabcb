// A deliberately tiny stand-in for the IPVS core, used only by the data-plane tests so the transport,
// rewrite and rules layers are exercised on real packets independently of the real core: round robin
// per new connection, NAT (-m) or DR (-g), a connection table without timeouts, and just enough
// ipvsadm (-A, -a, -D, -C) to configure it.
import type { IpvsSnapshot, IpvsadmResult, PacketHeaders, Verdict, Forwarding } from '../../src/lb/ipvs/types.js';
import type { IpvsCore } from '../../src/lb/director/ipvs-core.js';
import { ipToNumber } from '../../src/lb/director/packet.js';

interface Svc { proto: 'tcp' | 'udp'; addr: string; port: number; dests: Array<{ addr: string; port: number; fwd: Forwarding }>; next: number }
interface Conn { svc: Svc; dest: { addr: string; port: number; fwd: Forwarding }; vaddr: number; vport: number }

export class FixtureCore implements IpvsCore {
  private services: Svc[] = [];
  private conns = new Map<string, Conn>();
  /** conns by real-server side (raddr:rport:caddr:cport) for replies */
  private replies = new Map<string, Conn>();
  inCount = 0;
  outCount = 0;

  inbound(h: PacketHeaders): Verdict {
    const proto = h.proto === 6 ? 'tcp' : 'udp';
    const svc = this.services.find((s) => s.proto === proto && ipToNumber(s.addr) === h.daddr && s.port === h.dport);
    if (!svc) return { action: 'accept' };
    this.inCount++;
    const key = `${proto}:${h.saddr}:${h.sport}:${h.daddr}:${h.dport}`;
    let c = this.conns.get(key);
    if (!c) {
      if (proto === 'tcp' && !(h.tcpFlags & 0x02)) return { action: 'drop', reason: 'no connection' };
      if (svc.dests.length === 0) return { action: 'reject', reason: 'no destination' };
      const dest = svc.dests[svc.next++ % svc.dests.length];
      c = { svc, dest, vaddr: h.daddr, vport: h.dport };
      this.conns.set(key, c);
      this.replies.set(`${proto}:${ipToNumber(dest.addr)}:${dest.port}:${h.saddr}:${h.sport}`, c);
    }
    if (c.dest.fwd === 'route') return { action: 'route', daddr: ipToNumber(c.dest.addr) };
    return { action: 'dnat', daddr: ipToNumber(c.dest.addr), dport: c.dest.port };
  }

  outbound(h: PacketHeaders): Verdict {
    const proto = h.proto === 6 ? 'tcp' : 'udp';
    const c = this.replies.get(`${proto}:${h.saddr}:${h.sport}:${h.daddr}:${h.dport}`);
    if (!c) return { action: 'accept' };
    this.outCount++;
    return { action: 'snat', saddr: c.vaddr, sport: c.vport };
  }

  ipvsadm(argv: string[]): IpvsadmResult {
    const ok = (stdout = ''): IpvsadmResult => ({ stdout, stderr: '', status: 0 });
    const val = (f: string) => argv[argv.indexOf(f) + 1];
    const svcArg = argv.includes('-t') ? ['tcp', val('-t')] : argv.includes('-u') ? ['udp', val('-u')] : null;
    const find = () => {
      if (!svcArg) return undefined;
      const [addr, port] = svcArg[1].split(':');
      return this.services.find((s) => s.proto === svcArg[0] && s.addr === addr && s.port === Number(port));
    };
    switch (argv[0]) {
      case '-A': {
        if (!svcArg) break;
        const [addr, port] = svcArg[1].split(':');
        this.services.push({ proto: svcArg[0] as 'tcp' | 'udp', addr, port: Number(port), dests: [], next: 0 });
        return ok();
      }
      case '-a': {
        const s = find();
        if (!s) break;
        const [addr, port] = val('-r').split(':');
        s.dests.unshift({ addr, port: Number(port), fwd: argv.includes('-g') ? 'route' : 'masq' });
        return ok();
      }
      case '-D': {
        const s = find();
        if (!s) break;
        this.services = this.services.filter((x) => x !== s);
        return ok();
      }
      case '-C':
        this.services = [];
        return ok();
      case '-Ln':
        return ok(JSON.stringify(this.services.map((s) => [s.proto, s.addr, s.port, s.dests])) + '\n');
    }
    return { stdout: '', stderr: `fixture core: unsupported ${argv.join(' ')}\n`, status: 2 };
  }

  snapshot(): IpvsSnapshot {
    const zero = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
    return {
      tableSize: 4096,
      services: this.services.map((s) => ({
        key: { kind: s.proto, addr: s.addr, port: s.port },
        options: { scheduler: 'rr', schedFlags: [], ops: false },
        dests: s.dests.map((d) => ({ addr: d.addr, port: d.port, options: { forwarding: d.fwd, weight: 1, uThreshold: 0, lThreshold: 0 }, activeConns: 0, inactConns: 0, persistConns: 0, stats: zero, rate: zero })),
        stats: zero,
        rate: zero,
      })),
      connections: [],
      timeouts: { tcp: 900, tcpfin: 120, udp: 300 },
      daemons: [],
      totals: { stats: zero, rate: zero },
    };
  }
}

export default function create(): IpvsCore {
  return new FixtureCore();
}
