// The shipped lab descriptions. `article` is the IP plan of the article lvslab started from (LVS-NAT,
// two directors, two real servers); `article-single` is its one-director variant with the VIP and DIP
// held statically; `dr` is an LVS-DR lab (director and real servers on one LAN).
import type { HostDescription, LabDescription } from './topology.js';

const VIP = '192.168.1.112';
const DIP = '10.0.0.105';
const SERVICES = [
  { protocol: 'tcp' as const, port: 80 },
  { protocol: 'udp' as const, port: 9999 },
];
/** 192.168.1.150-157: extra client addresses for per-client (source address) stickiness tests. */
const CLIENT_EXTRAS = Array.from({ length: 8 }, (_, i) => `192.168.1.${150 + i}/24`);

const client: HostDescription = {
  role: 'client',
  interfaces: [{ name: 'eth0', segment: 'external', addresses: ['192.168.1.100/24'] }],
  extraAddresses: CLIENT_EXTRAS,
};

// Directors' interfaces are eth0 (external) and eth1 (internal) so the article's keepalived.conf,
// which names them, runs verbatim.
function director(ext: string, int: string, extra: { ext?: string[]; int?: string[] } = {}): HostDescription {
  return {
    role: 'director',
    interfaces: [
      { name: 'eth0', segment: 'external', addresses: [`${ext}/24`, ...(extra.ext ?? [])] },
      { name: 'eth1', segment: 'internal', addresses: [`${int}/24`, ...(extra.int ?? [])] },
    ],
    sysctls: { 'net.ipv4.ip_forward': 1 },
  };
}

function natReal(addr: string): HostDescription {
  return {
    role: 'real',
    interfaces: [{ name: 'eth0', segment: 'internal', addresses: [`${addr}/24`] }],
    // Replies go back through the director holding the DIP: that is what makes LVS-NAT work.
    gateway: DIP,
  };
}

const SEGMENTS = { external: { subnet: '192.168.1.0/24' }, internal: { subnet: '10.0.0.0/24' } };

function article(): LabDescription {
  return {
    name: 'article',
    segments: SEGMENTS,
    hosts: {
      client,
      ds1: director('192.168.1.110', '10.0.0.103'),
      ds2: director('192.168.1.111', '10.0.0.104'),
      rs1: natReal('10.0.0.101'),
      rs2: natReal('10.0.0.102'),
    },
    vip: VIP,
    dip: DIP,
    services: SERVICES,
  };
}

function articleSingle(): LabDescription {
  return {
    name: 'article-single',
    segments: SEGMENTS,
    hosts: {
      client,
      ds1: director('192.168.1.110', '10.0.0.103', { ext: [`${VIP}/24`], int: [`${DIP}/24`] }),
      rs1: natReal('10.0.0.101'),
      rs2: natReal('10.0.0.102'),
    },
    vip: VIP,
    dip: DIP,
    services: SERVICES,
  };
}

function drReal(addr: string): HostDescription {
  return {
    role: 'real',
    interfaces: [{ name: 'eth0', segment: 'lan', addresses: [`${addr}/24`] }],
    loopback: [`${VIP}/32`],
    // The VIP on lo must stay silent on the LAN: answer ARP only for addresses of the asking
    // interface (arp_ignore=1) and never source ARP from the VIP (arp_announce=2).
    sysctls: {
      'net.ipv4.conf.all.arp_ignore': 1,
      'net.ipv4.conf.all.arp_announce': 2,
      'net.ipv4.conf.eth0.arp_ignore': 1,
      'net.ipv4.conf.eth0.arp_announce': 2,
    },
    // Replies leave from the VIP straight to the client over the LAN, not back through the director.
  };
}

function dr(): LabDescription {
  return {
    name: 'dr',
    segments: { lan: { subnet: '192.168.1.0/24' } },
    hosts: {
      client: { ...client, interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['192.168.1.100/24'] }] },
      ds1: {
        role: 'director',
        interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['192.168.1.110/24', `${VIP}/24`] }],
        sysctls: { 'net.ipv4.ip_forward': 1 },
      },
      rs1: drReal('192.168.1.101'),
      rs2: drReal('192.168.1.102'),
    },
    vip: VIP,
    services: SERVICES,
  };
}

export const PRESETS: Record<string, () => LabDescription> = {
  article,
  'article-single': articleSingle,
  dr,
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A fresh copy of a preset's description (callers may modify it), or undefined for an unknown name. */
export function preset(name: string): LabDescription | undefined {
  return PRESETS[name]?.();
}
