// IPv6 in the core: address text as inet_pton/inet_ntop take and give it, the kernel's fold, IPv6
// services and conns on the packet path (NAT verdicts, replies, persistence prefixes, fwmark
// families), the mixed-family rules of ip_vs_ctl.c, and schedulers hashing the fold.
import { describe, expect, it } from 'vitest';
import { lab } from '../../../test/ipvs/testkit.js';
import { canonicalAddr, fold6, formatIPv6, parseIPv6, prefix6 } from './addr.js';
import { AF_INET6, IPPROTO_TCP } from './types.js';

const VIP6 = '[2001:db8::112]:80';

describe('IPv6 text (inet_pton / glibc inet_ntop)', () => {
  it.each([
    ['2001:db8::112', [0x20010db8, 0, 0, 0x112], '2001:db8::112'],
    ['::', [0, 0, 0, 0], '::'],
    ['::1', [0, 0, 0, 1], '::1'],
    ['FE80:0:0:0:0:0:0:0', [0xfe800000, 0, 0, 0], 'fe80::'],
    ['2001:db8:0:0:1:0:0:1', [0x20010db8, 0, 0x10000, 1], '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', [0x20010db8, 1, 0, 1], '2001:db8:0:1::1'],
    ['1:0:2:0:3:0:4:0', [0x10000, 0x20000, 0x30000, 0x40000], '1:0:2:0:3:0:4:0'],
    ['::ffff:10.0.0.1', [0, 0, 0xffff, 0x0a000001], '::ffff:10.0.0.1'],
    ['::10.0.0.1', [0, 0, 0, 0x0a000001], '::10.0.0.1'],
    ['0:0:0:0:0:0:1:2', [0, 0, 0, 0x10002], '::0.1.0.2'],
    ['1:2:3:4:5:6:7::', [0x10002, 0x30004, 0x50006, 0x70000], '1:2:3:4:5:6:7:0'],
  ])('%s', (text, words, printed) => {
    const a = parseIPv6(text);
    expect(Array.from(a)).toEqual(words);
    expect(formatIPv6(a)).toBe(printed);
    expect(canonicalAddr(text)).toBe(printed);
  });

  it.each(['1:2:3', '1::2::3', '12345::', '::1.2.3.04', ':1::', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8:9'])('%s is refused', (text) => {
    expect(() => parseIPv6(text)).toThrow(/is not an IPv6 address/);
  });

  it('fold6 is the XOR of the four words (addr_fold); prefix6 keeps the first plen bits', () => {
    const a = parseIPv6('2001:db8:1:2:3:4:5:6');
    expect(fold6(a)).toBe((0x20010db8 ^ 0x00010002 ^ 0x00030004 ^ 0x00050006) >>> 0);
    expect(formatIPv6(prefix6(a, 64, new Uint32Array(4)))).toBe('2001:db8:1:2::');
    expect(formatIPv6(prefix6(a, 56, new Uint32Array(4)))).toBe('2001:db8:1::');
    expect(formatIPv6(prefix6(a, 1, new Uint32Array(4)))).toBe('::');
    expect(formatIPv6(prefix6(a, 128, new Uint32Array(4)))).toBe('2001:db8:1:2:3:4:5:6');
  });
});

function rr6(extra = '', proto: 't' | 'u' = 't') {
  const l = lab();
  l.run(`-A -${proto} ${VIP6} -s rr ${extra}`.trim(), `-a -${proto} ${VIP6} -r [fd00::101]:80 -m`, `-a -${proto} ${VIP6} -r [fd00::102]:8080 -m`);
  return l;
}

describe('IPv6 NAT on the packet path', () => {
  it('schedules, rewrites to the real server and back, and counts', () => {
    const l = rr6();
    expect(l.conn('tcp', '[2001:db8::9]:40000', VIP6)).toBe('[fd00::102]:8080');
    expect(l.conn('tcp', '[2001:db8::9]:40001', VIP6)).toBe('[fd00::101]:80');
    // a further client packet: the dest's shared DNAT verdict, the address in daddr6
    const v = l.packet('tcp', '[2001:db8::9]:40000', VIP6, 'in', 'A');
    expect(v).toEqual({ action: 'dnat', daddr: 0, dport: 8080, daddr6: parseIPv6('fd00::102') });
    // the reply: SNAT back to the VIP
    const r = l.packet('tcp', '[2001:db8::9]:40000', VIP6, 'out', 'SA');
    expect(r).toEqual({ action: 'snat', saddr: 0, sport: 80, saddr6: parseIPv6('2001:db8::112') });
    expect(l.counts('[fd00::102]:8080')).toEqual({ active: 1, inact: 0, persist: 0 });
    // listings read the counters the 2 s estimator refreshes
    l.advance(3);
    const svc = l.ipvs.snapshot().services[0];
    expect(svc.stats).toMatchObject({ conns: 2, inPkts: 3, outPkts: 1 });
  });

  it('a reply to an address the conn does not have is not IPVS traffic', () => {
    const l = rr6();
    l.conn('tcp', '[2001:db8::9]:40000', VIP6);
    const v = l.ipvs.outbound({ proto: IPPROTO_TCP, saddr: 0, daddr: 0, sport: 8080, dport: 40000, tcpFlags: 0x12, length: 60, fwmark: 0, af: AF_INET6, saddr6: parseIPv6('fd00::102'), daddr6: parseIPv6('2001:db8::8') });
    expect(v).toEqual({ action: 'accept' });
  });

  it('IPv4 and IPv6 conns whose addresses fold alike never meet in the table', () => {
    const l = lab();
    l.run('-A -u 0.0.0.9:53 -s rr', '-a -u 0.0.0.9:53 -r 10.0.0.1:53 -m', '-A -u [::9]:53 -s rr', '-a -u [::9]:53 -r [fd00::1]:53 -m');
    // fold(::9) = 9 = 0.0.0.9: the same table key without the family bit
    expect(l.conn('udp', '[::9]:1000', '[::9]:53')).toBe('[fd00::1]:53');
    expect(l.conn('udp', '0.0.0.9:1000', '0.0.0.9:53')).toBe('10.0.0.1:53');
    expect(l.ipvs.snapshot().connections.map((c) => `${c.client.addr} ${c.dest.addr}`).sort()).toEqual(['0.0.0.9 10.0.0.1', '::9 fd00::1']);
  });

  it('the core copies the addresses it keeps: a caller may reuse its arrays', () => {
    const l = rr6('', 'u');
    const saddr6 = parseIPv6('2001:db8::9');
    const daddr6 = parseIPv6('2001:db8::112');
    const h = { proto: 17, saddr: 0, daddr: 0, sport: 5000, dport: 80, tcpFlags: 0, length: 40, fwmark: 0, af: AF_INET6, saddr6, daddr6 } as const;
    l.ipvs.inbound(h);
    saddr6.set(parseIPv6('2001:db8::7'));
    expect(l.ipvs.snapshot().connections[0].client.addr).toBe('2001:db8::9');
  });

  it('IPv6 headers without their addresses are a clear error', () => {
    const l = rr6();
    expect(() => l.ipvs.inbound({ proto: 6, saddr: 0, daddr: 0, sport: 1, dport: 80, tcpFlags: 2, length: 60, fwmark: 0, af: AF_INET6 })).toThrow(/saddr6 and daddr6/);
  });
});

describe('IPv6 persistence', () => {
  it('-M 64: clients of one /64 share a template keyed by the prefix; another /64 gets its own', () => {
    const l = rr6('-p 300 -M 64');
    expect(l.conn('tcp', '[2001:db8:1:2::10]:1000', VIP6)).toBe('[fd00::102]:8080');
    expect(l.conn('tcp', '[2001:db8:1:2::20]:1000', VIP6)).toBe('[fd00::102]:8080');
    expect(l.conn('tcp', '[2001:db8:1:3::10]:1000', VIP6)).toBe('[fd00::101]:80');
    const templates = l.ipvs.snapshot().connections.filter((c) => c.template);
    expect(templates.map((t) => `${t.client.addr} ${t.virtual.addr}:${t.virtual.port} ${t.dest.addr}:${t.dest.port}`).sort()).toEqual([
      '2001:db8:1:2:: 2001:db8::112:80 fd00::102:8080',
      '2001:db8:1:3:: 2001:db8::112:80 fd00::101:80',
    ]);
    expect(l.counts('[fd00::102]:8080')).toEqual({ active: 2, inact: 0, persist: 1 });
  });

  it('the default prefix is 128: every client address its own template', () => {
    const l = rr6('-p 300');
    expect(l.conn('tcp', '[2001:db8:1:2::10]:1000', VIP6)).toBe('[fd00::102]:8080');
    expect(l.conn('tcp', '[2001:db8:1:2::20]:1000', VIP6)).toBe('[fd00::101]:80');
    expect(l.conn('tcp', '[2001:db8:1:2::10]:1001', VIP6)).toBe('[fd00::102]:8080');
    expect(l.ipvs.snapshot().services[0].options.persistence).toEqual({ timeout: 300, netmask: '128' });
  });

  it('an IPv6 fwmark service keys its templates by the mark in the first word (protocol IP)', () => {
    const l = lab();
    l.run('-A -f 7 -6 -s rr -p 60', '-a -f 7 -6 -r [fd00::101]:0 -m', '-a -f 7 -6 -r [fd00::102]:0 -m');
    expect(l.conn('tcp', '[2001:db8::9]:1000', '[2001:db8::112]:443', { fwmark: 7 })).toBe('[fd00::102]:443');
    expect(l.conn('udp', '[2001:db8::9]:1000', '[2001:db8::113]:53', { fwmark: 7 })).toBe('[fd00::102]:53');
    const t = l.ipvs.snapshot().connections.find((c) => c.template)!;
    expect(t).toMatchObject({ fwmark: 7, virtual: { addr: '0:7::', port: 0 }, client: { addr: '2001:db8::9' } });
  });
});

describe('families of services and real servers (ip_vs_ctl.c)', () => {
  it('-f 1 and -f 1 -6 are two services; a packet finds the one of its family', () => {
    const l = lab();
    l.run('-A -f 1 -s rr', '-a -f 1 -r 10.0.0.1:0 -m', '-A -f 1 -6 -s rr', '-a -f 1 -6 -r [fd00::1]:0 -m');
    expect(l.ipvs.snapshot().services.map((s) => s.key)).toEqual([{ kind: 'fwmark', fwmark: 1 }, { kind: 'fwmark', fwmark: 1, af: AF_INET6 }]);
    expect(l.conn('tcp', '[2001:db8::9]:1000', VIP6, { fwmark: 1 })).toBe('[fd00::1]:80');
    expect(l.conn('tcp', '10.9.0.1:1000', '192.168.1.1:80', { fwmark: 1 })).toBe('10.0.0.1:80');
    expect(l.ipvsadm(['-A', '-f', '1', '-6']).stderr).toBe('Service already exists\n');
  });

  it('a real server of the other family only by tunnel, and never while a sync daemon runs', () => {
    const l = lab();
    l.run(`-A -t ${VIP6} -s rr`);
    const ctl = (forwarding: 'masq' | 'route' | 'tunnel') => l.ipvs.control({ op: 'add-dest', service: { kind: 'tcp', addr: '2001:db8::112', port: 80 }, dest: { addr: '10.0.0.1', port: 80 }, options: { forwarding } });
    expect(ctl('masq')).toEqual({ op: 'add-dest', errno: 'EINVAL' });
    expect(ctl('route')).toEqual({ op: 'add-dest', errno: 'EINVAL' });
    expect(ctl('tunnel')).toBeNull();
    // the sync protocol cannot describe such conns: no daemon while a mixed dest is there
    expect(l.ipvsadm(['--start-daemon', 'master']).stderr).toBe('Invalid operation.  Possibly wrong module version, address not unicast, ...\n');
    l.run(`-d -t ${VIP6} -r 10.0.0.1:80`);
    l.run('--start-daemon master');
    expect(ctl('tunnel')).toEqual({ op: 'add-dest', errno: 'EINVAL' });
  });

  it('an IPv6 service tunnels to its IPv4 real server: the verdict names the IPv4 address', () => {
    const l = lab();
    l.run(`-A -t ${VIP6} -s rr`, `-a -t ${VIP6} -r 10.0.0.1 -i`);
    const v = l.packet('tcp', '[2001:db8::9]:1000', VIP6, 'in', 'S');
    expect(v).toEqual({ action: 'tunnel', daddr: 0x0a000001 });
    expect(l.ipvs.snapshot().connections[0]).toMatchObject({ client: { addr: '2001:db8::9' }, dest: { addr: '10.0.0.1', port: 80 } });
  });

  it('an IPv6 real server must be unicast and not link-local (ip_vs_new_dest); the prefix 1..128', () => {
    const l = lab();
    l.run(`-A -t ${VIP6} -s rr`);
    for (const rs of ['fe80::1', 'ff02::1', '::']) {
      expect(l.ipvs.control({ op: 'add-dest', service: { kind: 'tcp', addr: '2001:db8::112', port: 80 }, dest: { addr: rs, port: 80 }, options: { forwarding: 'masq' } })).toEqual({ op: 'add-dest', errno: 'EINVAL' });
    }
    const svc = { kind: 'tcp', addr: '2001:db8::112', port: 81 } as const;
    expect(l.ipvs.control({ op: 'add-service', service: svc, options: { scheduler: 'rr', persistence: { timeout: 60, netmask: '0' } } })).toEqual({ op: 'add-service', errno: 'EINVAL' });
    expect(l.ipvs.control({ op: 'add-service', service: svc, options: { scheduler: 'rr', persistence: { timeout: 60, netmask: '129' } } })).toEqual({ op: 'add-service', errno: 'EINVAL' });
  });

  it('a deleted IPv6 dest with conns waits in the trash and comes back with its counters', () => {
    const l = rr6();
    l.conn('tcp', '[2001:db8::9]:40000', VIP6);
    l.run(`-d -t ${VIP6} -r [fd00::102]:8080`);
    l.run(`-a -t ${VIP6} -r [fd00::102]:8080 -m`);
    // the SYN_RECV conn counts as active (pinned kernel), and still does after the round trip
    expect(l.counts('[fd00::102]:8080')).toEqual({ active: 1, inact: 0, persist: 0 });
    expect(l.packet('tcp', '[2001:db8::9]:40000', VIP6, 'in', 'A')).toMatchObject({ action: 'dnat', dport: 8080 });
  });
});

describe('schedulers hash an IPv6 address by its fold, as the kernel does', () => {
  /** the dest two services of either family pick for clients whose addresses fold alike */
  function pair(sched: string, extra = '') {
    const l = lab();
    l.run(`-A -t 192.168.1.112:80 -s ${sched} ${extra}`.trim(), `-A -t ${VIP6} -s ${sched} ${extra}`.trim());
    for (let i = 1; i <= 5; i++) l.run(`-a -t 192.168.1.112:80 -r 10.0.0.${i}:80 -m -w ${i}`, `-a -t ${VIP6} -r [::a00:${i}]:80 -m -w ${i}`);
    return l;
  }
  it.each(['sh', 'mh'])('%s: the IPv6 client of fold F lands where the IPv4 client F does', (sched) => {
    const l = pair(sched);
    const got4: string[] = [];
    const got6: string[] = [];
    for (let i = 0; i < 24; i++) {
      // 2001:db8::X folds to 0x20010db8 ^ X; the IPv4 client is that number
      const x = 0x0a090000 + i * 7919;
      const v4 = (0x20010db8 ^ x) >>> 0;
      const c4 = `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
      got4.push(l.conn('tcp', `${c4}:1000`, '192.168.1.112:80').split(':')[0].split('.')[3]);
      // the dests' own folds (::a00:i, printed ::10.0.0.i) decide mh's table as 10.0.0.i does
      const r6 = l.conn('tcp', `[2001:db8::${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}]:1000`, VIP6);
      got6.push(r6.replace(/^\[::10\.0\.0\.(\d+)\]:80$/, '$1'));
    }
    expect(new Set(got4).size).toBeGreaterThan(2);
    expect(got6).toEqual(got4);
  });

  it('dh: by the fold of the destination address', () => {
    const l = pair('dh');
    const a = l.conn('tcp', '10.9.9.9:1', '192.168.1.112:80');
    // the IPv6 VIP folds to 0x20010db8 ^ 0x112; an IPv4 VIP of that value would hash the same
    const l4 = lab();
    const f = (0x20010db8 ^ 0x112) >>> 0;
    const vip4 = `${f >>> 24}.${(f >>> 16) & 255}.${(f >>> 8) & 255}.${f & 255}:80`;
    l4.run(`-A -t ${vip4} -s dh`);
    for (let i = 1; i <= 5; i++) l4.run(`-a -t ${vip4} -r 10.0.0.${i}:80 -m -w ${i}`);
    const b = l.conn('tcp', '[2001:db8::9]:1', VIP6);
    const c = l4.conn('tcp', '10.9.9.9:1', vip4);
    expect(a).toMatch(/^10\.0\.0\./);
    expect(b.replace('[::', '').replace(']', '')).toBe(c);
  });

  it('lblc: entries compare the whole address, so two destinations of one fold are two entries', () => {
    const l = lab();
    l.run('-A -f 3 -6 -s lblc', '-a -f 3 -6 -r [fd00::1]:0 -m', '-a -f 3 -6 -r [fd00::2]:0 -m');
    // 2001:db8::1:0:0 (words ..., 1, 0) folds like 2001:db8::1 (words ..., 0, 1)
    expect(fold6(parseIPv6('2001:db8::1:0:0'))).toBe(fold6(parseIPv6('2001:db8::1')));
    l.conn('tcp', '[2001:db8::9]:1', '[2001:db8::1:0:0]:80', { fwmark: 3 });
    l.conn('tcp', '[2001:db8::9]:2', '[2001:db8::1]:80', { fwmark: 3 });
    const sched = l.ipvs.services[0].scheduler as unknown as { table: { entries: number } };
    expect(sched.table.entries).toBe(2);
  });
});
