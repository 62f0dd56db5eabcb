// The core's behaviour around scheduling: conn reuse, persistence, thresholds, the dest trash,
// no-destination handling, one-packet scheduling, counters, the estimator, control-plane errors.
import { describe, expect, it } from 'vitest';
import { lab, picks } from '../../../test/ipvs/testkit.js';

const VIP = '192.168.1.112:80';

function rr(proto: 't' | 'u' = 't', extra = '', sysctl = {}) {
  const l = lab({ sysctl });
  l.run(`-A -${proto} ${VIP} -s rr ${extra}`.trim(), `-a -${proto} ${VIP} -r 10.0.0.101:80 -m`, `-a -${proto} ${VIP} -r 10.0.0.102:80 -m`);
  return l;
}

describe('lookup before scheduling', () => {
  it('a client reusing its UDP source port lands on the same server', () => {
    const l = rr('u');
    expect(l.conn('udp', '10.9.0.1:5000', VIP)).toBe('10.0.0.102:80');
    expect(l.conn('udp', '10.9.0.1:5000', VIP)).toBe('10.0.0.102:80');
    expect(l.conn('udp', '10.9.0.1:5001', VIP)).toBe('10.0.0.101:80');
    expect(l.conn('udp', '10.9.0.1:5000', VIP)).toBe('10.0.0.102:80');
  });

  it('a SYN on an ESTABLISHED entry reuses it; on TIME_WAIT it is rescheduled (conn_reuse_mode 1)', () => {
    const l = rr();
    const c = '10.9.0.1:5000';
    expect(l.conn('tcp', c, VIP)).toBe('10.0.0.102:80');
    l.packet('tcp', c, VIP, 'in', 'A');
    expect(l.conn('tcp', c, VIP)).toBe('10.0.0.102:80');
    l.packet('tcp', c, VIP, 'in', 'FA');
    l.packet('tcp', c, VIP, 'out', 'FA'); // CLOSE_WAIT -> TIME_WAIT
    expect(l.counts('10.0.0.102:80')).toEqual({ active: 0, inact: 1, persist: 0 });
    expect(l.conn('tcp', c, VIP)).toBe('10.0.0.101:80');
    // the old entry is gone and uncounted, the new one counted
    expect(l.counts('10.0.0.102:80')).toEqual({ active: 0, inact: 0, persist: 0 });
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    expect(l.ipvs.snapshot().connections).toHaveLength(1);
  });

  it('with conn_reuse_mode 0 a SYN on TIME_WAIT keeps the old entry', () => {
    const l = rr('t', '', { connReuseMode: 0 });
    const c = '10.9.0.1:5000';
    l.conn('tcp', c, VIP);
    l.packet('tcp', c, VIP, 'in', 'FA');
    l.packet('tcp', c, VIP, 'out', 'FA');
    expect(l.conn('tcp', c, VIP)).toBe('10.0.0.102:80');
  });

  it('weight 0 keeps existing conns flowing but gets no new ones', () => {
    const l = rr();
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A')).toEqual({ action: 'dnat', daddr: 0x0a000066, dport: 80 });
    expect(picks(l, 'tcp', VIP, 3, 2)).toEqual(['101', '101', '101']);
  });

  it('expire_nodest_conn=1: a SYN on an entry whose dest has weight 0 is rescheduled', () => {
    const l = rr('u', '', { expireNodestConn: 1 });
    l.run(`-E -u ${VIP} -s rr`);
    expect(l.conn('udp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.run(`-e -u ${VIP} -r 10.0.0.102:80 -m -w 0`);
    // UDP has no SYN: the entry keeps its dest
    expect(l.conn('udp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    const t = rr('t', '', { expireNodestConn: 1 });
    expect(t.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    t.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(t.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.101:80');
  });
});

describe('no destination', () => {
  it('a TCP SYN with no available dest is rejected and leaves no entry', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`);
    const v = l.ipvs.inbound({ proto: 6, saddr: 0x0a090001, sport: 1, daddr: 0xc0a80170, dport: 80, tcpFlags: 2, length: 60, fwmark: 0 });
    expect(v.action).toBe('reject');
    expect(l.ipvs.snapshot().connections).toHaveLength(0);
  });

  it('UDP is rejected the same way (ip_vs_leave sends port unreachable for TCP and UDP)', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s rr`);
    const v = l.ipvs.inbound({ proto: 17, saddr: 0x0a090001, sport: 1, daddr: 0xc0a80170, dport: 80, tcpFlags: 0, length: 60, fwmark: 0 });
    expect(v.action).toBe('reject');
  });

  it('a non-SYN segment without an entry, and traffic for no service, pass untouched', () => {
    const l = rr();
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A')).toEqual({ action: 'accept' });
    expect(l.conn('tcp', '10.9.0.1:2', '192.168.1.113:80')).toBe('none');
    expect(l.ipvs.snapshot().connections).toHaveLength(0);
  });
});

describe('NAT replies', () => {
  it('a reply is SNATed back to the VIP, counted and moves the state; unknown replies pass', () => {
    const l = rr();
    l.conn('tcp', '10.9.0.1:1', VIP);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'out', 'SA', 60)).toEqual({ action: 'snat', saddr: 0xc0a80170, sport: 80 });
    const v = l.ipvs.outbound({ proto: 6, saddr: 0x0a000066, sport: 80, daddr: 0x0a090009, dport: 9, tcpFlags: 0x10, length: 40, fwmark: 0 });
    expect(v).toEqual({ action: 'accept' });
    // ipvsadm's counters are the estimator's copy: they show up within 2 s, as the kernel's do
    expect(l.ipvs.snapshot().services[0].stats.conns).toBe(0);
    l.advance(2);
    const s = l.ipvs.snapshot();
    expect(s.services[0].stats).toEqual({ conns: 1, inPkts: 1, outPkts: 1, inBytes: 60, outBytes: 60 });
    expect(s.totals.stats).toEqual({ conns: 1, inPkts: 1, outPkts: 1, inBytes: 60, outBytes: 60 });
  });
});

describe('persistence', () => {
  it('pins a client to its dest with a template (NONE, cport 0, PersistConn) for the timeout', () => {
    const l = rr('t', '-p 300');
    const a = l.conn('tcp', '10.9.0.1:1', VIP);
    for (let p = 2; p < 6; p++) expect(l.conn('tcp', `10.9.0.1:${p}`, VIP)).toBe(a);
    expect(l.conn('tcp', '10.9.0.2:1', VIP)).not.toBe(a);
    expect(l.counts(a)).toEqual({ active: 5, inact: 0, persist: 1 });
    const t = l.ipvs.snapshot().connections.filter((c) => c.template);
    expect(t.map((c) => [c.client.addr, c.client.port, c.virtual.port, c.state, c.expiresIn])).toEqual([
      ['10.9.0.1', 0, 80, 'NONE', 300],
      ['10.9.0.2', 0, 80, 'NONE', 300],
    ]);
    expect(l.run('-Lnc').split('\n').filter((x) => x.includes('10.9.0.1:0'))).toEqual([`TCP 05:00  NONE        10.9.0.1:0         ${VIP}   ${a}`]);
  });

  it('a template becomes ASSURED when one of its conns is established', () => {
    const l = rr('t', '-p 300');
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A');
    expect(l.ipvs.snapshot().connections.find((c) => c.template)!.state).toBe('ASSURED');
  });

  it('the template outlives its conns by its own timeout, then the client is scheduled afresh', () => {
    const l = rr('t', '-p 100');
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.advance(99);
    expect(l.conn('tcp', '10.9.0.1:2', VIP)).toBe('10.0.0.102:80'); // template timer restarts here
    l.advance(99);
    expect(l.conn('tcp', '10.9.0.1:3', VIP)).toBe('10.0.0.102:80');
    l.advance(101);
    // template expired (its conns were SYN_RECV, 60 s): rr continues with the next dest
    expect(l.ipvs.snapshot().connections).toHaveLength(0);
    expect(l.conn('tcp', '10.9.0.1:4', VIP)).toBe('10.0.0.101:80');
  });

  it('a template still controlling conns retries every 60 s instead of expiring', () => {
    const l = rr('t', '-p 100');
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A'); // ESTABLISHED, 900 s
    l.advance(101);
    const t = l.ipvs.snapshot().connections.find((c) => c.template)!;
    expect(t.expiresIn).toBe(59);
  });

  it('the netmask groups clients: -M 255.255.255.0 sends a /24 to one dest', () => {
    const l = rr('t', '-p 300 -M 255.255.255.0');
    const a = l.conn('tcp', '10.9.0.1:1', VIP);
    expect(l.conn('tcp', '10.9.0.77:1', VIP)).toBe(a);
    expect(l.conn('tcp', '10.9.1.1:1', VIP)).not.toBe(a);
    expect(l.ipvs.snapshot().connections.filter((c) => c.template).map((c) => c.client.addr)).toEqual(['10.9.0.0', '10.9.1.0']);
  });

  it('a weight-0 dest keeps its template clients; expire_quiescent_template=1 reschedules them', () => {
    for (const [sysctl, want] of [
      [{}, '10.0.0.102:80'],
      [{ expireQuiescentTemplate: 1 }, '10.0.0.101:80'],
    ] as const) {
      const l = rr('t', '-p 300', sysctl);
      expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
      l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
      expect(l.conn('tcp', '10.9.0.1:2', VIP)).toBe(want);
    }
  });

  it("a deleted dest's clients are rescheduled; the dead template lingers under port 65535", () => {
    const l = rr('t', '-p 300');
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(l.conn('tcp', '10.9.0.1:2', VIP)).toBe('10.0.0.101:80');
    const t = l.ipvs.snapshot().connections.filter((c) => c.template);
    expect(t.map((c) => `${c.virtual.port}/${c.dest.addr}:${c.dest.port}`).sort()).toEqual(['65535/10.0.0.102:65535', '80/10.0.0.101:80']);
  });

  it('fwmark persistence uses an IPPROTO_IP template keyed by the mark', () => {
    const l = lab();
    l.run('-A -f 7 -s rr -p 60', '-a -f 7 -r 10.0.0.101:0 -m', '-a -f 7 -r 10.0.0.102:0 -m');
    const a = l.conn('tcp', '10.9.0.1:1', VIP, { fwmark: 7 });
    expect(a).toBe('10.0.0.102:80'); // dest port 0: the packet's port
    expect(l.conn('udp', '10.9.0.1:1', '192.168.1.112:53', { fwmark: 7 })).toBe('10.0.0.102:53');
    const lines = l.run('-Lnc').split('\n');
    expect(lines.some((x) => x.startsWith('IP  01:00  NONE        10.9.0.1:0         0.0.0.7:0'))).toBe(true);
  });
});

describe('port-zero and sloppy services', () => {
  it('a persistent port-zero service takes every port of the VIP, one template per client', () => {
    const l = lab();
    l.run('-A -t 192.168.1.112:0 -s rr -p 60', '-a -t 192.168.1.112:0 -r 10.0.0.101:0 -m', '-a -t 192.168.1.112:0 -r 10.0.0.102:0 -m');
    expect(l.conn('tcp', '10.9.0.1:1', '192.168.1.112:443')).toBe('10.0.0.102:443');
    expect(l.conn('tcp', '10.9.0.1:2', '192.168.1.112:22')).toBe('10.0.0.102:22');
    expect(l.conn('tcp', '10.9.0.2:1', '192.168.1.112:22')).toBe('10.0.0.101:22');
    const t = l.ipvs.snapshot().connections.filter((c) => c.template);
    expect(t.map((c) => `${c.client.addr}:${c.client.port} ${c.virtual.addr}:${c.virtual.port} ${c.dest.port}`)).toEqual([
      '10.9.0.1:0 192.168.1.112:0 0',
      '10.9.0.2:0 192.168.1.112:0 0',
    ]);
  });

  it('sloppy_tcp=1 schedules a connection on a segment without SYN', () => {
    const strict = rr();
    expect(strict.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A')).toEqual({ action: 'accept' });
    const sloppy = rr('t', '', { sloppyTcp: 1 });
    expect(sloppy.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A')).toEqual({ action: 'dnat', daddr: 0x0a000066, dport: 80 });
    expect(sloppy.ipvs.snapshot().connections[0].state).toBe('ESTABLISHED');
    // RST never schedules
    expect(sloppy.packet('tcp', '10.9.0.1:2', VIP, 'in', 'R')).toEqual({ action: 'accept' });
  });

  it('never schedules a connection from source port 20 (active FTP data)', () => {
    const l = rr();
    expect(l.conn('tcp', '10.9.0.1:20', VIP)).toBe('none');
    expect(l.packet('tcp', '10.9.0.1:20', VIP, 'in', 'S')).toEqual({ action: 'accept' });
  });
});

describe('thresholds', () => {
  it('-x marks a dest overloaded at u_threshold and clears it below 3/4 of it', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s rr`, `-a -u ${VIP} -r 10.0.0.101:80 -m -x 4`, `-a -u ${VIP} -r 10.0.0.102:80 -m`);
    // rr alternates until .101 holds 4 conns, then skips it
    expect(picks(l, 'udp', VIP, 10)).toEqual(['102', '101', '102', '101', '102', '101', '102', '101', '102', '102']);
    const d = l.ipvs.services[0].dests.find((x) => x.addrStr === '10.0.0.101')!;
    expect(d.overload).toBe(true);
    // conns expire one by one: 3*4 = 12 < 16 clears it when the 2nd one goes, not the 1st
    l.advance(300 - 0.001);
    expect(d.overload).toBe(true);
  });

  it('hysteresis: cleared at total*4 < u*3, or below l_threshold when set', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m -x 4`);
    const d = l.ipvs.services[0].dests[0];
    for (let i = 0; i < 4; i++) {
      l.conn('tcp', `10.9.0.1:${i + 1}`, VIP);
      l.advance(1);
    }
    expect(d.overload).toBe(true);
    expect(l.conn('tcp', '10.9.0.1:99', VIP)).toBe('none');
    l.advance(56.5); // now t=60.5: the first conn (t=0) expired at 60 s
    expect(d.totalConns()).toBe(3);
    expect(d.overload).toBe(true); // 12 < 12 is false
    l.advance(1);
    expect(d.totalConns()).toBe(2);
    expect(d.overload).toBe(false); // 8 < 12
    const m = lab();
    m.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m -x 2 -y 1`);
    const e = m.ipvs.services[0].dests[0];
    m.conn('tcp', '10.9.0.1:1', VIP);
    m.advance(1);
    m.conn('tcp', '10.9.0.1:2', VIP);
    expect(e.overload).toBe(true);
    m.advance(59.5);
    expect(e.totalConns()).toBe(1);
    expect(e.overload).toBe(true); // 1 < 1 is false
    m.advance(1);
    expect(e.overload).toBe(false);
  });

  it('rejects a lower threshold above the upper one, as the kernel does (ERANGE)', () => {
    const l = lab();
    l.run(`-A -t ${VIP}`);
    const r = l.ipvsadm(['-a', '-t', VIP, '-r', '10.0.0.101', '-x', '2', '-y', '3']);
    expect(r).toEqual({ stdout: '', stderr: 'Numerical result out of range\n', status: 255 });
  });
});

describe('the dest trash', () => {
  it('a deleted dest keeps its conns (dropped packets) and comes back with its counters', () => {
    const l = rr();
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A');
    l.advance(2);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('drop');
    l.run(`-a -t ${VIP} -r 10.0.0.102:80 -m`);
    expect(l.counts('10.0.0.102:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(1);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('dnat');
  });

  it('an idle deleted dest is purged after the trash period; re-adding then starts from zero', () => {
    const l = rr();
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.advance(2); // the estimator picks up the conn count
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(1);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(l.ipvs.trash).toHaveLength(1);
    l.advance(60); // t=62: the SYN_RECV conn expired at 60; the first trash check marks it idle
    l.advance(60); // t=122: idle for 60 s only
    expect(l.ipvs.trash).toHaveLength(1);
    l.advance(60); // t=182: idle for 120 s, freed
    expect(l.ipvs.trash).toHaveLength(0);
    l.run(`-a -t ${VIP} -r 10.0.0.102:80 -m`);
    l.advance(2);
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(0);
  });

  it('an lblc cache entry keeps a deleted dest in the trash; -E to another scheduler lets it go', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s lblc`, `-a -u ${VIP} -r 10.0.0.101:80 -m`, `-a -u ${VIP} -r 10.0.0.102:80 -m`);
    expect(l.conn('udp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.run(`-d -u ${VIP} -r 10.0.0.102:80`);
    l.advance(600); // the UDP conn is long gone, the cache entry (24 h) still points at the dest
    expect(l.ipvs.trash.map((d) => d.addrStr)).toEqual(['10.0.0.102']);
    l.run(`-E -u ${VIP} -s rr`); // unbinding lblc flushes its table
    l.advance(180);
    expect(l.ipvs.trash).toHaveLength(0);
  });

  it('expire_nodest_conn=1 flushes the conns (and their templates) of a deleted dest', () => {
    const l = rr('t', '-p 300', { expireNodestConn: 1 });
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.conn('tcp', '10.9.0.2:1', VIP);
    expect(l.ipvs.snapshot().connections).toHaveLength(4);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    // only the other dest's conn and template remain; the deleted dest is free of conns
    expect(l.ipvs.snapshot().connections.map((c) => c.dest.addr)).toEqual(['10.0.0.101', '10.0.0.101']);
    expect(l.ipvs.trash[0].totalConns()).toBe(0);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('accept');
  });
});

describe('one-packet scheduling', () => {
  it('--ops schedules every UDP datagram and keeps no entry', () => {
    const l = rr('u', '--ops');
    expect(picks(l, 'udp', VIP, 4, 5000).length).toBe(4);
    // the same source port is scheduled again: rr goes on alternating
    expect([l.conn('udp', '10.9.0.1:7', VIP), l.conn('udp', '10.9.0.1:7', VIP)]).toEqual(['10.0.0.102:80', '10.0.0.101:80']);
    expect(l.ipvs.snapshot().connections).toHaveLength(0);
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 0, persist: 0 });
    l.advance(2);
    expect(l.ipvs.snapshot().services[0].stats.conns).toBe(6);
  });
});

describe('rate estimator', () => {
  it('follows the kernel EWMA: 10 conns and 1000 bytes per 2 s converge to 5 cps and 500 B/s', () => {
    const l = rr('u');
    const cps: number[] = [];
    const bps: number[] = [];
    let port = 1;
    for (let tick = 0; tick < 40; tick++) {
      for (let i = 0; i < 10; i++) l.conn('udp', `10.9.0.1:${port++}`, VIP, { length: 100 });
      l.advance(2);
      const r = l.ipvs.snapshot().services[0].rate;
      cps.push(r.conns);
      bps.push(r.inBytes);
    }
    // est(n) = est(n-1) + (5120 - est(n-1)) >> 2 ; shown (est + 511) >> 10
    expect(cps.slice(0, 5)).toEqual([1, 2, 3, 3, 4]);
    expect(cps[39]).toBe(5);
    expect(bps[0]).toBe(125); // (16000 >> 2 + 15) >> 5
    expect(bps[39]).toBe(500);
    // once traffic stops it decays by 3/4 per period to 0
    l.advance(120);
    expect(l.ipvs.snapshot().services[0].rate.conns).toBe(0);
  });

  it('-Z zeroes counters and rates', () => {
    const l = rr('u');
    l.conn('udp', '10.9.0.1:1', VIP);
    l.advance(2);
    l.run('-Z');
    const s = l.ipvs.snapshot();
    expect(s.services[0].stats.conns).toBe(0);
    expect(s.services[0].rate.inBytes).toBe(0);
    expect(s.totals.stats.conns).toBe(0);
  });
});

describe('control plane', () => {
  it("gives ipvsadm's messages and status 255 for kernel refusals", () => {
    const l = lab();
    const r = (line: string) => l.ipvsadm(line.split(' '));
    expect(r(`-A -t ${VIP} -s rr`).status).toBe(0);
    expect(r(`-A -t ${VIP} -s rr`)).toEqual({ stdout: '', stderr: 'Service already exists\n', status: 255 });
    expect(r(`-A -t 10.0.0.1:80 -s nosuch`)).toEqual({ stdout: '', stderr: 'Scheduler or persistence engine not found\n', status: 255 });
    expect(r(`-E -t 10.0.0.9:80 -s rr`).stderr).toBe('No such service\n');
    expect(r(`-D -t 10.0.0.9:80`).stderr).toBe('No such service\n');
    expect(r(`-a -t 10.0.0.9:80 -r 10.0.0.101`).stderr).toBe('Service not defined\n');
    expect(r(`-a -t ${VIP} -r 10.0.0.101`).status).toBe(0);
    expect(r(`-a -t ${VIP} -r 10.0.0.101`).stderr).toBe('Destination already exists\n');
    expect(r(`-e -t ${VIP} -r 10.0.0.102`).stderr).toBe('No such destination\n');
    expect(r(`-d -t ${VIP} -r 10.0.0.102`).stderr).toBe('No such destination\n');
    expect(r(`--stop-daemon master`).stderr).toBe('No daemon is running\n');
  });

  it('-E replaces the whole service as ipvsadm sends it (no -p: not persistent; no -s: wlc)', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr -p 60`);
    l.run(`-E -t ${VIP}`);
    const o = l.ipvs.snapshot().services[0].options;
    expect(o.scheduler).toBe('wlc');
    expect(o.persistence).toBeUndefined();
  });

  it('lists with the kernel list order newest first in the snapshot; ipvsadm sorts for display', () => {
    const l = rr();
    expect(l.ipvs.snapshot().services[0].dests.map((d) => d.addr)).toEqual(['10.0.0.102', '10.0.0.101']);
    expect(l.run('-Ln')).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n' +
        'Prot LocalAddress:Port Scheduler Flags\n' +
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
        `TCP  ${VIP} rr\n` +
        `  -> ${'10.0.0.101:80'.padEnd(28)} Masq    1      0          0         \n` +
        `  -> ${'10.0.0.102:80'.padEnd(28)} Masq    1      0          0         \n`,
    );
  });

  it('-S output restores into an identical table with -R', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s wrr -p 120`, `-a -t ${VIP} -r 10.0.0.101:80 -m -w 3`, `-A -u ${VIP} -s sh -b sh-port`, `-a -u ${VIP} -r 10.0.0.102:80 -g`);
    const saved = l.run('-S -n');
    const m = lab();
    expect(m.ipvsadm(['-R'], saved).status).toBe(0);
    expect(m.run('-S -n')).toBe(saved);
    expect(m.run('-Ln')).toBe(l.run('-Ln'));
  });

  it('--start-daemon is recorded and listed when no sync engine is plugged in', () => {
    const l = lab();
    l.run('--start-daemon master --mcast-interface eth1 --syncid 5');
    expect(l.run('-L --daemon')).toContain('master sync daemon (mcast=eth1, syncid=5');
    expect(l.ipvsadm(['--start-daemon', 'master']).stderr).toBe('Daemon has already run\n');
  });
});

describe('connection events', () => {
  it('the observer sees creation, state changes, packets and expiry', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    const ev: string[] = [];
    const off = l.ipvs.observe({
      created: (c) => ev.push(`created ${c.state}`),
      stateChanged: (c, old) => ev.push(`state ${old}->${c.state}`),
      inbound: () => ev.push('in'),
      expired: () => ev.push('expired'),
    });
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'R'); // RST in SYN_RECV stays SYN_RECV (60 s again)
    l.advance(60);
    off();
    l.conn('tcp', '10.9.0.1:2', VIP);
    expect(ev).toEqual(['created 0', 'state 0->3', 'in', 'in', 'expired']);
  });
});
