// The packet path: lookup before scheduling and conn reuse, no-destination handling, NAT replies,
// persistence, port-zero and sloppy services, one-packet scheduling, connection events.
import { describe, expect, it } from 'vitest';
import { lab, picks, rrLab as rr } from '../../../test/ipvs/testkit.js';

const VIP = '192.168.1.112:80';

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
