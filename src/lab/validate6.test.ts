// IPv6 and dual-stack lab descriptions: addresses, subnets, routes and VIPs of either family, and
// the same kind of errors (path, problem, line) as IPv4 input gets.
import { describe, expect, it } from 'vitest';
import { LabDescriptionError, validateDescription } from './validate.js';
import { topologyFromText } from './load.js';
import { planBuild } from './plan.js';
import { preset } from './presets.js';
import { bigIntToIpv6, canonicalIpv6, ipv6ToBigInt } from './ipv6.js';
import { endpointText, parseCidr, urlHost } from './inet.js';
import type { LabDescription } from './topology.js';

function base6(): LabDescription {
  return {
    segments: { wan: { subnet: '2001:db8::/64' }, lan: { subnet: ['10.0.0.0/24', 'fd00::/64'] } },
    hosts: {
      client: { role: 'client', interfaces: [{ name: 'eth0', segment: 'wan', addresses: ['2001:db8::100'] }] },
      gw: {
        role: 'router',
        interfaces: [
          { name: 'eth0', segment: 'wan', addresses: ['2001:db8::1/64'] },
          { name: 'eth1', segment: 'lan', addresses: ['10.0.0.1/24', 'fd00::1/64'] },
        ],
        sysctls: { 'net.ipv6.conf.all.forwarding': 1 },
      },
      rs1: { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.101', 'FD00:0:0::0101'] }], gateway: ['10.0.0.1', 'fd00::1'] },
    },
    vip: '2001:db8::112',
  };
}

function problems(d: unknown): string[] {
  try {
    validateDescription(d);
  } catch (err) {
    expect(err).toBeInstanceOf(LabDescriptionError);
    return (err as LabDescriptionError).problems;
  }
  throw new Error('description was accepted');
}

type Hosts = Record<string, NonNullable<LabDescription['hosts']> extends infer H ? (H extends Record<string, infer V> ? V : never) : never>;
const hosts = (d: LabDescription) => d.hosts as Hosts;

describe('IPv6 text', () => {
  it('parses every RFC 4291 form and prints RFC 5952', () => {
    expect(['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '::', '::1', 'fd00:0:0:1::', '::ffff:10.0.0.1', '2001:db8:0:0:1:0:0:1'].map(canonicalIpv6)).toEqual(['2001:db8::1', '2001:db8::1', '::', '::1', 'fd00:0:0:1::', '::ffff:a00:1', '2001:db8::1:0:0:1']);
    for (const bad of ['2001:db8::1::2', '2001:db8:1', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', ':1::', 'g::1', '::1.2.3']) expect(ipv6ToBigInt(bad), bad).toBeUndefined();
    expect(bigIntToIpv6((1n << 128n) - 1n)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(parseCidr('2001:db8::1/129')).toBe("'2001:db8::1/129' has an invalid prefix length '/129'");
    expect([endpointText('fd00::101', 80), endpointText('10.0.0.1', 80), urlHost('2001:db8::112')]).toEqual(['[fd00::101]:80', '10.0.0.1:80', '[2001:db8::112]']);
  });
});

describe('validateDescription with IPv6 and dual stack', () => {
  it('accepts an IPv6 and dual-stack lab, canonical addresses and prefixes from the segment', () => {
    const t = validateDescription(base6());
    expect(t.segments).toEqual([
      { name: 'wan', subnet: '2001:db8::/64', bridge: 'br-wan' },
      { name: 'lan', subnet: '10.0.0.0/24', subnets: ['10.0.0.0/24', 'fd00::/64'], bridge: 'br-lan' },
    ]);
    expect(t.hosts[0].interfaces[0].addresses).toEqual(['2001:db8::100/64']);
    expect(t.hosts[2].interfaces[0].addresses).toEqual(['10.0.0.101/24', 'fd00::101/64']);
    expect(t.hosts[2].routes).toEqual([{ to: 'default', via: '10.0.0.1' }, { to: 'default', via: 'fd00::1' }]);
    expect(t.vip).toBe('2001:db8::112');
  });

  it('builds IPv6 addresses with nodad and routes by their gateway', () => {
    const plan = planBuild(validateDescription(base6()), 'x');
    const rs1 = plan.stages[2].find((s) => s.kind === 'ip-batch' && s.netns === 'lvs-x-rs1')!;
    expect(rs1.kind === 'ip-batch' && rs1.lines).toEqual([
      'link set lo up', 'link set eth0 addrgenmode none', 'addr add 10.0.0.101/24 dev eth0', 'addr add fd00::101/64 dev eth0 nodad',
      // a link-local address of its own (none was given): neighbour discovery needs one
      'addr add fe80::1ab:3:1/64 dev eth0 nodad', 'link set eth0 up',
      'route add default via 10.0.0.1', 'route add default via fd00::1',
    ]);
    // later IPv6 addresses are secondaries: deprecated, so the first one stays the source
    const client = validateDescription({ ...base6(), hosts: { ...hosts(base6()), client: { role: 'client', interfaces: [{ name: 'eth0', segment: 'wan', addresses: ['2001:db8::100', 'fe80::100'] }], extraAddresses: ['2001:db8::150'] } } });
    const c = planBuild(client, 'x').stages[2].find((s) => s.kind === 'ip-batch' && s.netns === 'lvs-x-client')!;
    expect(c.kind === 'ip-batch' && c.lines.filter((l) => l.startsWith('addr'))).toEqual([
      'addr add 2001:db8::100/64 dev eth0 nodad', 'addr add fe80::100/64 dev eth0 nodad', 'addr add 2001:db8::150/64 dev eth0 nodad preferred_lft 0',
    ]);
  });

  it('names bad IPv6 input like IPv4 input: path and problem', () => {
    const d = base6();
    hosts(d).client.interfaces![0].addresses = ['2001:db8::/64', '2001:db8:1::5', 'fd00::7', '2001:db8::zz', '2001:db8::9/48'];
    hosts(d).rs1.gateway = ['fd00::1', 'fd00::2'];
    hosts(d).rs1.loopback = ['2001:db8::112', '2001:db8::112/128'];
    hosts(d).gw.routes = [{ to: '2001:db8:5::/48', via: '10.0.0.9' }, { to: 'fd00::/64', via: 'fd00::101' }, { to: 'default', via: 'fe80::1' }];
    expect(problems({ ...d, vip: '2001:db8::1::2', dip6: '10.0.0.105' })).toEqual([
      "lab.hosts.client.interfaces[0].addresses[0]: 2001:db8:: is the subnet-router anycast address of segment 'wan' (2001:db8::/64)",
      "lab.hosts.client.interfaces[0].addresses[1]: 2001:db8:1::5 is outside segment 'wan' (2001:db8::/64)",
      "lab.hosts.client.interfaces[0].addresses[2]: fd00::7 is outside segment 'wan' (2001:db8::/64)",
      "lab.hosts.client.interfaces[0].addresses[3]: '2001:db8::zz' is not an IPv6 address",
      "lab.hosts.client.interfaces[0].addresses[4]: prefix /48 differs from segment 'wan' (2001:db8::/64)",
      'lab.hosts.gw.routes[0].via: gateway 10.0.0.9 is IPv4, the route\'s destination IPv6',
      "lab.hosts.gw.routes[1].to: fd00::/64 is the subnet of eth1 (segment 'lan'): 'gw' has that route already",
      "lab.hosts.gw.routes[2].via: link-local gateway fe80::1 needs the route's 'dev'",
      'lab.hosts.rs1.loopback[1]: duplicate loopback address 2001:db8::112 (also hosts.rs1.loopback[0])',
      'lab.hosts.rs1.gateway[1]: a second IPv6 default gateway (also hosts.rs1.gateway[0])',
      "lab.vip: '2001:db8::1::2' is not an IPv6 address",
      "lab.dip6: '10.0.0.105' is not an IPv6 address (dip6 is the IPv6 one of a dual-stack lab; dip takes either family)",
    ]);
  });

  it('refuses an IPv6 address on an IPv4-only segment and a second subnet of one family', () => {
    expect(problems({ segments: { lan: { subnet: ['10.0.0.0/24', '10.1.0.0/24'] } }, hosts: { a: { role: 'real' } } })).toEqual(["lab.segments.lan.subnet[1]: a second IPv4 subnet; a segment has at most one of each family"]);
    expect(problems({ segments: { lan: { subnet: '10.0.0.0/24' } }, hosts: { a: { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['fd00::1/64'] }] } } })).toEqual(["lab.hosts.a.interfaces[0].addresses[0]: fd00::1 is IPv6 but segment 'lan' has no IPv6 subnet (10.0.0.0/24)"]);
    expect(problems({ segments: { lan: { subnet: 'fd00::/127' } }, hosts: { a: { role: 'real' } } })).toEqual(["lab.segments.lan.subnet: 'fd00::/127' leaves no room for hosts (prefix must be /126 or shorter)"]);
  });

  it('says which line of a file holds a bad IPv6 address', () => {
    const text = 'segments:\n  lan: { subnet: "fd00::/64" }\nhosts:\n  rs1:\n    role: real\n    interfaces:\n      - { name: eth0, segment: lan, addresses: ["fd00::1::1"] }\n';
    expect(() => topologyFromText(text, 'lab6.yaml')).toThrow("lab6.yaml: hosts.rs1.interfaces[0].addresses[0]: 'fd00::1::1' is not an IPv6 address (line 7)");
  });
});

describe('IPv6 presets', () => {
  it('article6 is the article plan in IPv6: 2001:db8::/64 outside, fd00::/64 inside, the same host numbers', () => {
    const t = validateDescription(preset('article6'));
    const addrs = Object.fromEntries(t.hosts.map((h) => [h.name, h.interfaces.map((i) => `${i.name}=${i.addresses.join(',')}`)]));
    expect(addrs).toEqual({
      client: ['eth0=2001:db8::100/64'],
      ds1: ['eth0=2001:db8::110/64,fe80::110/64', 'eth1=fd00::103/64,fe80::103/64'],
      ds2: ['eth0=2001:db8::111/64,fe80::111/64', 'eth1=fd00::104/64,fe80::104/64'],
      rs1: ['eth0=fd00::101/64'],
      rs2: ['eth0=fd00::102/64'],
    });
    expect([t.vip, t.dip]).toEqual(['2001:db8::112', 'fd00::105']);
    expect(t.hosts.find((h) => h.name === 'rs1')!.routes).toEqual([{ to: 'default', via: 'fd00::105' }]);
    expect(t.hosts.find((h) => h.name === 'ds1')!.sysctls).toEqual({ 'net.ipv6.conf.all.forwarding': '1' });
    expect(t.hosts[0].interfaces[0].extraAddresses).toEqual(Array.from({ length: 8 }, (_, i) => `2001:db8::${150 + i}/64`));
  });

  it('article6-single holds the IPv6 VIP and DIP on ds1; article-dual has both families everywhere', () => {
    const s = validateDescription(preset('article6-single'));
    expect(s.hosts.map((h) => h.name)).toEqual(['client', 'ds1', 'rs1', 'rs2']);
    expect(s.hosts[1].interfaces.map((i) => i.addresses.at(-1))).toEqual(['2001:db8::112/64', 'fd00::105/64']);
    const d = validateDescription(preset('article-dual'));
    expect([d.vip, d.dip, d.vip6, d.dip6]).toEqual(['192.168.1.112', '10.0.0.105', '2001:db8::112', 'fd00::105']);
    expect(d.hosts.find((h) => h.name === 'rs2')!.routes).toEqual([{ to: 'default', via: '10.0.0.105' }, { to: 'default', via: 'fd00::105' }]);
    expect(d.hosts.find((h) => h.name === 'ds2')!.sysctls).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
  });
});
