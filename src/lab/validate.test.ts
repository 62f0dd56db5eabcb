import { describe, expect, it } from 'vitest';
import { LAB_LIMITS, LabDescriptionError, validateDescription } from './validate.js';
import { parseDescriptionText } from './load.js';
import { preset, presetNames } from './presets.js';
import type { LabDescription } from './topology.js';

/** A small valid lab to break one field at a time. */
function base(): LabDescription {
  return {
    segments: { lan: { subnet: '10.0.0.0/24' }, wan: { subnet: '192.168.1.0/24' } },
    hosts: {
      client: { role: 'client', interfaces: [{ name: 'eth0', segment: 'wan', addresses: ['192.168.1.100/24'] }] },
      gw: {
        role: 'router',
        interfaces: [
          { name: 'eth0', segment: 'wan', addresses: ['192.168.1.1/24'] },
          { name: 'eth1', segment: 'lan', addresses: ['10.0.0.1/24'] },
        ],
      },
      rs1: { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.101/24'] }], gateway: '10.0.0.1' },
    },
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

describe('validateDescription', () => {
  it('accepts a valid lab and normalizes it', () => {
    const t = validateDescription(base());
    expect(t.hosts.map((h) => h.name)).toEqual(['client', 'gw', 'rs1']);
    expect(t.hosts[2].routes).toEqual([{ to: 'default', via: '10.0.0.1' }]);
    expect(t.hosts[2].identity).toBe('RS1');
    expect(t.segments).toEqual([
      { name: 'lan', subnet: '10.0.0.0/24', bridge: 'br-lan' },
      { name: 'wan', subnet: '192.168.1.0/24', bridge: 'br-wan' },
    ]);
  });

  it('names an unknown segment with its path', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].segment = 'lan3';
    expect(problems(d)).toEqual(["lab.hosts.rs1.interfaces[0].segment: unknown segment 'lan3' (known: lan, wan)"]);
  });

  it('rejects a duplicate host in list form', () => {
    const d = base();
    const list = Object.entries(hosts(d)).map(([name, h]) => ({ name, ...h }));
    list.push({ ...list[2] });
    list[3].interfaces = [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.102/24'] }];
    expect(problems({ ...d, hosts: list })).toEqual(["lab.hosts[3].name: duplicate host 'rs1' (also hosts[2])"]);
  });

  it('rejects a duplicate host in a YAML file', () => {
    const text = 'segments:\n  lan: {subnet: 10.0.0.0/24}\nhosts:\n  rs1: {role: real}\n  rs1: {role: real}\n';
    expect(() => parseDescriptionText(text, 'lab.yaml')).toThrow(/lab\.yaml:5: duplicate key 'rs1'/);
  });

  it('rejects a duplicate address, naming both places', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].addresses = ['10.0.0.1/24'];
    expect(problems(d)).toEqual(['lab.hosts.rs1.interfaces[0].addresses[0]: duplicate address 10.0.0.1 (already on lab.hosts.gw.interfaces[1].addresses[0])', "lab.hosts.rs1.gateway: 10.0.0.1 is an address of 'rs1' itself"]);
  });

  it('rejects an address outside its segment', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].addresses = ['10.0.1.101/24'];
    expect(problems(d)).toContain("lab.hosts.rs1.interfaces[0].addresses[0]: 10.0.1.101 is outside segment 'lan' (10.0.0.0/24)");
  });

  it('rejects network and broadcast addresses and a prefix unlike the segment', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].addresses = ['10.0.0.0', '10.0.0.255/24', '10.0.0.7/16'];
    expect(problems(d)).toEqual([
      "lab.hosts.rs1.interfaces[0].addresses[0]: 10.0.0.0 is the network address of segment 'lan' (10.0.0.0/24)",
      "lab.hosts.rs1.interfaces[0].addresses[1]: 10.0.0.255 is the broadcast address of segment 'lan' (10.0.0.255)",
      "lab.hosts.rs1.interfaces[0].addresses[2]: prefix /16 differs from segment 'lan' (10.0.0.0/24)",
    ]);
  });

  it('takes the segment prefix for a bare address', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].addresses = ['10.0.0.101'];
    expect(validateDescription(d).hosts[2].interfaces[0].addresses).toEqual(['10.0.0.101/24']);
  });

  it('rejects a gateway not reachable on any interface', () => {
    const d = base();
    hosts(d).rs1.gateway = '10.9.0.1';
    expect(problems(d)).toEqual(["lab.hosts.rs1.gateway: gateway 10.9.0.1 is not reachable on any interface of 'rs1' (eth0 10.0.0.0/24)"]);
  });

  it('rejects a route via an unreachable gateway, an unknown dev, and two default routes', () => {
    const d = base();
    hosts(d).rs1.routes = [
      { to: '172.16.0.0/12', via: '192.168.1.1' },
      { to: '172.16.0.0/12', dev: 'eth9' },
      { to: 'default', via: '10.0.0.2' },
      { to: '172.16.0.0/99', via: '10.0.0.2' },
    ];
    expect(problems(d)).toEqual([
      "lab.hosts.rs1.routes[0].via: gateway 192.168.1.1 is not reachable on any interface of 'rs1' (eth0 10.0.0.0/24)",
      "lab.hosts.rs1.routes[1].dev: unknown interface 'eth9' on host 'rs1' (known: eth0)",
      'lab.hosts.rs1.routes[2].to: a default route is already given by hosts.rs1.gateway',
      "lab.hosts.rs1.routes[3].to: '172.16.0.0/99' has an invalid prefix length '/99' (or 'default')",
    ]);
  });

  it('rejects interface names over 15 characters, duplicates, and lo', () => {
    const d = base();
    hosts(d).gw.interfaces![0].name = 'external-uplink0';
    hosts(d).gw.interfaces![1].name = 'lo';
    hosts(d).client.interfaces!.push({ name: 'eth0', segment: 'wan', addresses: ['192.168.1.101/24'] });
    expect(problems(d)).toEqual([
      "lab.hosts.client.interfaces[1].name: duplicate interface 'eth0' on host 'client'",
      "lab.hosts.gw.interfaces[0].name: interface name 'external-uplink0' is 16 characters; the kernel allows at most 15",
      "lab.hosts.gw.interfaces[1].name: 'lo' exists in every host; put loopback addresses in hosts.gw.loopback",
    ]);
  });

  it('reports shape errors with paths: unknown fields, wrong types, unknown roles', () => {
    expect(problems({ segments: {}, hosts: { a: { role: 'balancer', interfaces: 'eth0' } }, colour: 'red' })).toEqual([
      "lab: unknown field 'colour'",
      'lab.hosts.a.role: Invalid option: expected one of "client"|"director"|"real"|"router"',
      'lab.hosts.a.interfaces: Invalid input: expected array, received string',
    ]);
    expect(problems({ segments: {}, hosts: [{ role: 'real' }] })).toEqual(['lab.hosts[0].name: Invalid input: expected string, received undefined']);
    expect(problems({ segments: {}, hosts: 'rs1' })).toEqual(["lab.hosts: expected a map of host name -> host, or a list of hosts each with a 'name'"]);
    expect(problems({ ...base(), segments: { lan: { subnet: '10.0.0.0/24', vlan: 3 } } })[0]).toBe("lab.segments.lan: unknown field 'vlan'");
  });

  it('rejects bad names, bad subnets, reserved and empty', () => {
    expect(problems({ segments: { LAN: { subnet: '10.0.0.0' } }, hosts: { sw: { role: 'router' }, 'Bad Name': { role: 'client' } } })).toEqual([
      "lab.segments.LAN: segment name 'LAN' must be lower-case letters, digits and '-', starting with a letter",
      "lab.segments.LAN.subnet: '10.0.0.0' needs a prefix length (a.b.c.d/len)",
      "lab.hosts.sw: host name 'sw' is reserved for the lab's switch namespace",
      "lab.hosts.Bad Name: host name 'Bad Name' must be lower-case letters, digits and '-', starting with a letter",
    ]);
    expect(problems({ segments: {}, hosts: {} })).toEqual(['lab.segments: a lab needs at least one segment', 'lab.hosts: a lab needs at least one host']);
  });

  it('rejects sysctls outside net.*, bad values and unknown interfaces', () => {
    const d = base();
    hosts(d).gw.sysctls = { 'kernel.panic': 1, 'net.ipv4.ip_forward': '1; reboot', 'net.ipv4.conf.eth7.rp_filter': 0, 'net.ipv4.conf.all.rp_filter': 2 };
    expect(problems(d)).toEqual([
      "lab.hosts.gw.sysctls.kernel.panic: 'kernel.panic' is not a namespaced sysctl (only net.* keys; others would change the machine, not the lab)",
      "lab.hosts.gw.sysctls.net.ipv4.ip_forward: value '1; reboot' is not a plain sysctl value",
      "lab.hosts.gw.sysctls.net.ipv4.conf.eth7.rp_filter: unknown interface 'eth7' on host 'gw' (known: eth0, eth1)",
    ]);
  });

  it('places extra addresses on the interface of their segment, and rejects strays', () => {
    const d = base();
    hosts(d).client.extraAddresses = ['192.168.1.150', '192.168.1.151/24'];
    expect(validateDescription(d).hosts[0].interfaces[0].extraAddresses).toEqual(['192.168.1.150/24', '192.168.1.151/24']);
    hosts(d).client.extraAddresses = ['10.0.0.150', '192.168.1.100'];
    expect(problems(d)).toEqual([
      "lab.hosts.client.extraAddresses[0]: 10.0.0.150 is not inside the subnet of any interface of 'client' (eth0 192.168.1.0/24)",
      'lab.hosts.client.extraAddresses[1]: duplicate address 192.168.1.100 (already on lab.hosts.client.interfaces[0].addresses[0])',
    ]);
  });

  it('rejects bad loopback addresses, vip/dip, identities and duplicate services', () => {
    const d = { ...base(), vip: '192.168.1', dip: '10.0.0.300', services: [{ protocol: 'tcp' as const, port: 80 }, { protocol: 'tcp' as const, port: 80 }] };
    hosts(d).rs1.loopback = ['192.168.1.112/40'];
    hosts(d).rs1.identity = '<b>RS1</b>';
    expect(problems(d)).toEqual([
      "lab.hosts.rs1.loopback[0]: '192.168.1.112/40' has an invalid prefix length '/40'",
      "lab.hosts.rs1.identity: identity '<b>RS1</b>' must be 1-64 letters, digits, '_', '.', '-'",
      "lab.vip: '192.168.1' is not an IPv4 address",
      "lab.dip: '10.0.0.300' is not an IPv4 address",
      'lab.services[1]: duplicate service tcp/80',
    ]);
  });

  it('rejects leading-zero octets rather than guessing octal', () => {
    const d = base();
    hosts(d).rs1.interfaces![0].addresses = ['10.0.0.010/24'];
    expect(problems(d)).toEqual(["lab.hosts.rs1.interfaces[0].addresses[0]: '10.0.0.010/24' is not an IPv4 address"]);
  });
});

describe('validateDescription: what the kernel would refuse at build, found before', () => {
  it('reports a bad subnet once, without a spurious "needs a prefix length" on its addresses', () => {
    const d = base();
    d.segments.lan.subnet = '10.0.0.0/33';
    hosts(d).rs1.interfaces![0].addresses = ['10.0.0.101'];
    expect(problems(d)).toEqual(["lab.segments.lan.subnet: '10.0.0.0/33' has an invalid prefix length '/33'"]);
  });

  it('gives every switch-side veth end its own name, however host and interface names combine', () => {
    // host 'p1' interface '0' reads "p1-0", the positional name of the next host's first interface
    const t = validateDescription({
      segments: { lan: { subnet: '10.0.0.0/24' } },
      hosts: {
        p1: { role: 'client', interfaces: [{ name: '0', segment: 'lan', addresses: ['10.0.0.1'] }] },
        averyveryverylonghostname: { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.2'] }] },
        a: { role: 'real', interfaces: [{ name: 'b-eth0', segment: 'lan', addresses: ['10.0.0.3'] }] },
        'a-b': { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.4'] }] },
      },
    });
    const peers = t.hosts.flatMap((h) => h.interfaces.map((i) => i.peer));
    expect(new Set(peers).size).toBe(peers.length);
    expect(peers.every((p) => p.length <= 15)).toBe(true);
  });

  it('refuses a second route to one destination, a route to a connected subnet, a loopback address twice — naming both', () => {
    const d = base();
    hosts(d).rs1.routes = [
      { to: '172.16.0.0/12', via: '10.0.0.1' },
      { to: '172.16.0.0/12', via: '10.0.0.2' },
      { to: '10.0.0.0/24', via: '10.0.0.1' },
    ];
    hosts(d).rs1.loopback = ['192.168.1.112', '192.168.1.112/32'];
    expect(problems(d)).toEqual([
      'lab.hosts.rs1.loopback[1]: duplicate loopback address 192.168.1.112 (also hosts.rs1.loopback[0])',
      'lab.hosts.rs1.routes[1].to: a second route to 172.16.0.0/12 (also hosts.rs1.routes[0]); the kernel takes one per destination',
      "lab.hosts.rs1.routes[2].to: 10.0.0.0/24 is the subnet of eth0 (segment 'lan'): 'rs1' has that route already",
    ]);
  });
});

describe('limits', () => {
  const many = (n: number) => ({
    segments: { lan: { subnet: '10.0.0.0/16' } },
    hosts: Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: [`10.0.${(i + 1) >> 8}.${(i + 1) & 255}`] }] }])),
  });

  it('accepts the largest lab within limits', () => {
    expect(validateDescription(many(LAB_LIMITS.hosts)).hosts).toHaveLength(LAB_LIMITS.hosts);
  });

  it('refuses more hosts, segments, addresses or services than the limits, saying which', () => {
    expect(problems(many(5000))).toEqual(["lab.hosts: 5000 hosts; at most 512 (lvslab's limit, see docs/lab.md)"]);
    const d = base();
    hosts(d).client.extraAddresses = Array.from({ length: 1025 }, (_, i) => `192.168.${1 + (i >> 8)}.${i & 255}`);
    expect(problems(d)).toEqual(["lab.hosts.client.extraAddresses: at most 1024 extra addresses per host (lvslab's limit, see docs/lab.md)"]);
    const e = base();
    hosts(e).rs1.interfaces![0].addresses = Array.from({ length: 100_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(problems(e)).toEqual(["lab.hosts: 100003 interface addresses in the lab; at most 16384 (lvslab's limit, see docs/lab.md)"]);
    const f = { ...base(), services: Array.from({ length: 65 }, (_, i) => ({ protocol: 'tcp' as const, port: 1000 + i })) };
    expect(problems(f)).toEqual(["lab.services: at most 64 services (lvslab's limit, see docs/lab.md)"]);
    const g = { ...base(), segments: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`s${i}`, { subnet: `10.${i >> 8}.${i & 255}.0/24` }])) };
    expect(problems(g)).toEqual(["lab.segments: 300 segments; at most 256 (lvslab's limit, see docs/lab.md)"]);
  });
});

describe('presets', () => {
  it('all validate', () => {
    for (const name of presetNames()) expect(() => validateDescription(preset(name))).not.toThrow();
  });

  it('article has the article IP plan, with VIP/DIP only as metadata', () => {
    const t = validateDescription(preset('article'));
    const addrs = Object.fromEntries(t.hosts.map((h) => [h.name, h.interfaces.map((i) => `${i.name}=${i.addresses.join(',')}`)]));
    expect(addrs).toEqual({
      client: ['eth0=192.168.1.100/24'],
      ds1: ['eth0=192.168.1.110/24', 'eth1=10.0.0.103/24'],
      ds2: ['eth0=192.168.1.111/24', 'eth1=10.0.0.104/24'],
      rs1: ['eth0=10.0.0.101/24'],
      rs2: ['eth0=10.0.0.102/24'],
    });
    expect([t.vip, t.dip]).toEqual(['192.168.1.112', '10.0.0.105']);
    expect(t.services).toEqual([{ protocol: 'tcp', port: 80 }, { protocol: 'udp', port: 9999 }]);
    expect(t.hosts.find((h) => h.name === 'rs1')!.routes).toEqual([{ to: 'default', via: '10.0.0.105' }]);
    expect(t.hosts.find((h) => h.name === 'ds2')!.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(t.hosts[0].interfaces[0].extraAddresses).toHaveLength(8);
  });

  it('article-single holds VIP and DIP statically on ds1 and has no ds2', () => {
    const t = validateDescription(preset('article-single'));
    expect(t.hosts.map((h) => h.name)).toEqual(['client', 'ds1', 'rs1', 'rs2']);
    expect(t.hosts[1].interfaces.map((i) => i.addresses)).toEqual([
      ['192.168.1.110/24', '192.168.1.112/24'],
      ['10.0.0.103/24', '10.0.0.105/24'],
    ]);
  });

  it('dr puts the VIP on the real servers lo with arp_ignore/arp_announce', () => {
    const t = validateDescription(preset('dr'));
    const rs1 = t.hosts.find((h) => h.name === 'rs1')!;
    expect(rs1.loopback).toEqual(['192.168.1.112/32']);
    expect(rs1.sysctls['net.ipv4.conf.all.arp_ignore']).toBe('1');
    expect(rs1.sysctls['net.ipv4.conf.all.arp_announce']).toBe('2');
    expect(new Set(t.hosts.flatMap((h) => h.interfaces.map((i) => i.segment)))).toEqual(new Set(['lan']));
  });
});
