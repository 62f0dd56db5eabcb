// The shipped lab descriptions. `article` is the IP plan of the article lvslab started from (LVS-NAT,
// two directors, two real servers); `article-single` is its one-director variant with the VIP and DIP
// held statically; `dr` is an LVS-DR lab (director and real servers on one LAN); `article-scale` is
// `article-single` with as many real servers and clients as asked for (`rs`, `clients`).
// `article6` and `article6-single` are the same plan in IPv6 (the external LAN on the documentation
// prefix 2001:db8::/64, the internal one on the ULA fd00::/64, every host keeping its article number:
// 192.168.1.112 is 2001:db8::112, 10.0.0.101 is fd00::101); `article-dual` is `article` dual-stack.
import { LabDescriptionError } from './validate.js';
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

/** The parameters of `article-scale`. */
export interface ScaleParams {
  /** real servers rs1..rsN (default 8) */
  rs?: number;
  /** clients: `client`, then client2..clientM (default 1) */
  clients?: number;
}

/**
 * Bounds of the parameters, so a typo cannot ask for a machine's worth of namespaces: the largest
 * article-scale lab (460 real servers, 50 clients, ds1) stays within LAB_LIMITS.hosts (512).
 */
export const SCALE_LIMITS = { rs: 460, clients: 50 } as const;

/**
 * The real server rsN's address on the internal /16: 10.0.1.1 .. 10.0.1.250, then 10.0.2.1 ..
 * (250 a block, so none is a .0 or .255 and the directors' 10.0.0.x stay apart).
 */
export function scaleRealAddress(n: number): string {
  return `10.0.${1 + Math.floor((n - 1) / 250)}.${1 + ((n - 1) % 250)}`;
}

function wholeNumber(name: keyof ScaleParams, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const max = SCALE_LIMITS[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new LabDescriptionError([`article-scale: ${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(v)})`]);
  }
  return v;
}

/**
 * `article-single` at scale: one director (DS1, VIP and DIP held statically, eth0/eth1 as in the
 * article), `rs` real servers on an internal 10.0.0.0/16 routed through the DIP, and `clients`
 * clients on 192.168.1.0/24: `client` at .100 with the article's extra addresses .150-.157, then
 * client2.. at .200 and up.
 */
function articleScale(params: ScaleParams = {}): LabDescription {
  const rs = wholeNumber('rs', params.rs, 8);
  const clients = wholeNumber('clients', params.clients, 1);
  const hosts: Record<string, HostDescription> = { client };
  for (let k = 2; k <= clients; k++) {
    hosts[`client${k}`] = { role: 'client', interfaces: [{ name: 'eth0', segment: 'external', addresses: [`192.168.1.${198 + k}/24`] }] };
  }
  hosts.ds1 = {
    role: 'director',
    interfaces: [
      { name: 'eth0', segment: 'external', addresses: ['192.168.1.110/24', `${VIP}/24`] },
      { name: 'eth1', segment: 'internal', addresses: ['10.0.0.103/16', `${DIP}/16`] },
    ],
    sysctls: { 'net.ipv4.ip_forward': 1 },
  };
  for (let n = 1; n <= rs; n++) {
    hosts[`rs${n}`] = { role: 'real', interfaces: [{ name: 'eth0', segment: 'internal', addresses: [`${scaleRealAddress(n)}/16`] }], gateway: DIP };
  }
  return {
    name: 'article-scale',
    segments: { external: { subnet: '192.168.1.0/24' }, internal: { subnet: '10.0.0.0/16' } },
    hosts,
    vip: VIP,
    dip: DIP,
    services: SERVICES,
  };
}

// ---- IPv6 and dual stack ----

const VIP6 = '2001:db8::112';
const DIP6 = 'fd00::105';
const SEGMENTS6 = { external: { subnet: '2001:db8::/64' }, internal: { subnet: 'fd00::/64' } };
const SEGMENTS_DUAL = { external: { subnet: ['192.168.1.0/24', '2001:db8::/64'] }, internal: { subnet: ['10.0.0.0/24', 'fd00::/64'] } };
/** 2001:db8::150-157: the IPv6 twins of the article's extra client addresses. */
const CLIENT_EXTRAS6 = Array.from({ length: 8 }, (_, i) => `2001:db8::${150 + i}/64`);
/** A director forwards both families; IPv6 has no global switch, `all` is the one. */
const FORWARD6 = { 'net.ipv6.conf.all.forwarding': 1 };

/**
 * A director of the IPv6 plan: eth0 external, eth1 internal as in the article. `n` is its external
 * host number (110, 111) and `m` its internal one (103, 104); each interface also gets the
 * link-local fe80::N (VRRPv3 over IPv6 advertises from a link-local address, RFC 5798).
 */
function director6(n: number, m: number, dual: boolean, extra: { ext?: string[]; int?: string[] } = {}): HostDescription {
  const v4 = dual ? { ext: [`192.168.1.${n}/24`], int: [`10.0.0.${m}/24`] } : { ext: [], int: [] };
  return {
    role: 'director',
    interfaces: [
      { name: 'eth0', segment: 'external', addresses: [...v4.ext, `2001:db8::${n}/64`, `fe80::${n}/64`, ...(extra.ext ?? [])] },
      { name: 'eth1', segment: 'internal', addresses: [...v4.int, `fd00::${m}/64`, `fe80::${m}/64`, ...(extra.int ?? [])] },
    ],
    sysctls: dual ? { 'net.ipv4.ip_forward': 1, ...FORWARD6 } : { ...FORWARD6 },
  };
}

function natReal6(n: number, dual: boolean): HostDescription {
  return {
    role: 'real',
    interfaces: [{ name: 'eth0', segment: 'internal', addresses: [...(dual ? [`10.0.0.${n}/24`] : []), `fd00::${n}/64`] }],
    gateway: dual ? [DIP, DIP6] : DIP6,
  };
}

function client6(dual: boolean): HostDescription {
  return {
    role: 'client',
    interfaces: [{ name: 'eth0', segment: 'external', addresses: [...(dual ? ['192.168.1.100/24'] : []), '2001:db8::100/64'] }],
    extraAddresses: [...(dual ? CLIENT_EXTRAS : []), ...CLIENT_EXTRAS6],
  };
}

function article6(): LabDescription {
  return {
    name: 'article6',
    segments: SEGMENTS6,
    hosts: { client: client6(false), ds1: director6(110, 103, false), ds2: director6(111, 104, false), rs1: natReal6(101, false), rs2: natReal6(102, false) },
    vip: VIP6,
    dip: DIP6,
    services: SERVICES,
  };
}

function article6Single(): LabDescription {
  return {
    name: 'article6-single',
    segments: SEGMENTS6,
    hosts: {
      client: client6(false),
      ds1: director6(110, 103, false, { ext: [`${VIP6}/64`], int: [`${DIP6}/64`] }),
      rs1: natReal6(101, false),
      rs2: natReal6(102, false),
    },
    vip: VIP6,
    dip: DIP6,
    services: SERVICES,
  };
}

function articleDual(): LabDescription {
  return {
    name: 'article-dual',
    segments: SEGMENTS_DUAL,
    hosts: { client: client6(true), ds1: director6(110, 103, true), ds2: director6(111, 104, true), rs1: natReal6(101, true), rs2: natReal6(102, true) },
    vip: VIP,
    dip: DIP,
    vip6: VIP6,
    dip6: DIP6,
    services: SERVICES,
  };
}

export const PRESETS: Record<string, () => LabDescription> = {
  article,
  'article-single': articleSingle,
  dr,
  'article-scale': () => articleScale(),
  article6,
  'article6-single': article6Single,
  'article-dual': articleDual,
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A fresh copy of a preset's description (callers may modify it), or undefined for an unknown name. */
export function preset(name: string, params?: ScaleParams): LabDescription | undefined {
  if (params === undefined || !PRESETS[name]) return PRESETS[name]?.();
  if (name !== 'article-scale') throw new LabDescriptionError([`preset '${name}' takes no parameters (only article-scale does: rs, clients)`]);
  return articleScale(params);
}

/** A preset named with its parameters, as a description file or object may give it. */
export interface PresetReference extends ScaleParams {
  preset: string;
}

export function isPresetReference(x: unknown): x is PresetReference {
  return typeof x === 'object' && x !== null && 'preset' in x;
}

/** The description a preset reference stands for; `where` (a file) names it in errors. */
export function presetFromReference(ref: PresetReference, where?: string): LabDescription {
  const at = where ? `${where}: ` : '';
  const { preset: name, ...params } = ref;
  const unknown = Object.keys(params).filter((k) => k !== 'rs' && k !== 'clients');
  if (typeof name !== 'string' || !PRESETS[name]) {
    throw new LabDescriptionError([`${at}preset: '${String(name)}' is not a preset (${presetNames().join(', ')})`]);
  }
  if (unknown.length > 0) throw new LabDescriptionError([`${at}${unknown.map((k) => `${k}: unknown field next to 'preset' (allowed: rs, clients)`).join('; ')}`]);
  try {
    return preset(name, Object.keys(params).length > 0 ? params : undefined)!;
  } catch (err) {
    if (err instanceof LabDescriptionError && at) throw new LabDescriptionError(err.problems.map((p) => `${at}${p}`));
    throw err;
  }
}
