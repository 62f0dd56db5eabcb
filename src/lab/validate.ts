// Validation of a lab description: the shape (zod) first, then what the shape cannot say (segments
// exist, addresses fit their subnets and are unique, gateways are on-link). Every problem is reported
// with the path to the offending field, all at once, so a user fixes a file in one pass.
import { z } from 'zod';
import { ipToNumber, numberToIp } from './ipv4.js';
import { ipv6ToBigInt } from './ipv6.js';
import { cidrText, familyOf, inSubnet, isAddress, maxPrefix, networkOf, parseCidr, type Cidr, type Family } from './inet.js';
import {
  ROLES,
  SWITCH_HOST,
  type HostDescription,
  type LabDescription,
  type Topology,
  type TopologyHost,
  type TopologyInterface,
  type TopologyRoute,
  type TopologySegment,
} from './topology.js';

/** A description that cannot be built. `problems` are "path: problem" lines. */
export class LabDescriptionError extends Error {
  override name = 'LabDescriptionError';
  constructor(readonly problems: string[]) {
    super(`invalid lab description:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * How big a lab may be: generous for real use, small enough that every accepted lab builds within the
 * builder's timeouts (512 hosts build in about 4 s). docs/lab.md lists them.
 */
export const LAB_LIMITS = {
  hosts: 512,
  segments: 256,
  interfacesPerHost: 32,
  /** on one interface: its addresses plus the host's extra addresses placed on it */
  addressesPerInterface: 1024,
  /** every interface address of every host */
  addresses: 16_384,
  loopbackPerHost: 256,
  routesPerHost: 256,
  sysctlsPerHost: 256,
  services: 64,
} as const;

const IFNAMSIZ = 16; // the kernel's limit includes the terminating NUL
const NAME = /^[a-z][a-z0-9-]*$/;
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// Only namespaced sysctls: anything outside net.* would change the machine, not the lab.
const SYSCTL_KEY = /^net(\.[A-Za-z0-9_-]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9_.:\/-]+$/;
const IDENTITY = /^[A-Za-z0-9_.-]{1,64}$/;

const str = z.string();
/** A list of at most `max` items, whose error names the limit. */
const list = <T extends z.ZodType>(item: T, max: number, what: string) => z.array(item).max(max, { error: `at most ${max} ${what} (lvslab's limit, see docs/lab.md)` });
const interfaceSchema = z.strictObject({
  name: str,
  segment: str,
  addresses: list(str, LAB_LIMITS.addressesPerInterface, 'addresses on an interface').optional(),
});
const routeSchema = z.strictObject({ to: str, via: str.optional(), dev: str.optional() });
const hostFields = {
  role: z.enum(ROLES as [string, ...string[]]),
  interfaces: list(interfaceSchema, LAB_LIMITS.interfacesPerHost, 'interfaces per host').optional(),
  // one default gateway, or one of each family (dual stack)
  gateway: z.union([str, z.array(str).min(1).max(2, { error: 'at most 2 gateways (one IPv4, one IPv6)' })]).optional(),
  routes: list(routeSchema, LAB_LIMITS.routesPerHost, 'routes per host').optional(),
  sysctls: z.record(str, z.union([str, z.number(), z.boolean()])).optional(),
  loopback: list(str, LAB_LIMITS.loopbackPerHost, 'loopback addresses per host').optional(),
  extraAddresses: list(str, LAB_LIMITS.addressesPerInterface, 'extra addresses per host').optional(),
  identity: str.optional(),
};
const hostSchema = z.strictObject(hostFields);
const namedHostSchema = z.strictObject({ name: str, ...hostFields });
const descriptionSchema = z.strictObject({
  name: str.optional(),
  // one subnet, or one of each family (a dual-stack segment)
  segments: z.record(str, z.strictObject({ subnet: z.union([str, z.array(str).min(1).max(2, { error: 'at most 2 subnets (one IPv4, one IPv6)' })]) })),
  // Checked below by its own schema (map or list), so errors point into the form actually used.
  hosts: z.unknown(),
  vip: str.optional(),
  dip: str.optional(),
  vip6: str.optional(),
  dip6: str.optional(),
  services: list(z.strictObject({ protocol: z.enum(['tcp', 'udp']), port: z.number().int().min(1).max(65535) }), LAB_LIMITS.services, 'services').optional(),
  keepAliveTimeout: z.number().min(0.1).max(3600).optional(),
});

/** "lab.hosts.rs1.interfaces[0].segment" for objects and presets; "file.yaml: hosts.rs1..." for files. */
function label(root: string, path: string): string {
  if (!/[/.]/.test(root)) return path ? `${root}${path.startsWith('[') ? '' : '.'}${path}` : root;
  return path ? `${root}: ${path}` : root;
}

/** The line of a field in the file a description came from ("hosts.rs1.interfaces[0].name"). */
export type Locate = (path: string) => number | undefined;

/** Formats "ROOT PATH: message (line N)". */
function problemText(root: string, path: string, message: string, locate?: Locate): string {
  const line = locate?.(path);
  return `${label(root, path)}: ${message}${line !== undefined ? ` (line ${line})` : ''}`;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function zodProblems(root: string, error: z.ZodError, prefix: PropertyKey[] = [], locate?: Locate): string[] {
  return error.issues.map((issue) => {
    const path = pathText([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      return problemText(root, path, `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`, (p) => locate?.(`${p}${p ? '.' : ''}${String(issue.keys[0])}`) ?? locate?.(p));
    }
    return problemText(root, path, issue.message, locate);
  });
}

/** Counts the shape cannot bound (maps of hosts and segments, totals), checked before anything else
 *  so a 100k-entry file costs no more than reading it. */
function limitProblems(input: unknown, root: string): string[] {
  const d = (typeof input === 'object' && input !== null ? input : {}) as { hosts?: unknown; segments?: unknown };
  const count = (x: unknown) => (Array.isArray(x) ? x.length : typeof x === 'object' && x !== null ? Object.keys(x).length : 0);
  const out: string[] = [];
  const over = (path: string, n: number, max: number, what: string) => {
    if (n > max) out.push(`${label(root, path)}: ${n} ${what}; at most ${max} (lvslab's limit, see docs/lab.md)`);
  };
  over('hosts', count(d.hosts), LAB_LIMITS.hosts, 'hosts');
  over('segments', count(d.segments), LAB_LIMITS.segments, 'segments');
  if (out.length > 0) return out;
  const hosts = Array.isArray(d.hosts) ? d.hosts : typeof d.hosts === 'object' && d.hosts !== null ? Object.values(d.hosts) : [];
  let addresses = 0;
  for (const h of hosts as Array<{ interfaces?: unknown; extraAddresses?: unknown; sysctls?: unknown } | null>) {
    if (typeof h !== 'object' || h === null) continue;
    if (Array.isArray(h.interfaces)) for (const i of h.interfaces as Array<{ addresses?: unknown } | null>) addresses += count(i?.addresses);
    addresses += count(h.extraAddresses);
  }
  over('hosts', addresses, LAB_LIMITS.addresses, 'interface addresses in the lab');
  return out;
}

/**
 * Validate and normalize a description. Throws LabDescriptionError listing every problem.
 * `root` prefixes the paths in messages ("lab" by default; a file loader passes the file name), and
 * `locate` (from a file loader) adds the line of each.
 */
export function validateDescription(input: unknown, root = 'lab', locate?: Locate): Topology {
  const tooBig = limitProblems(input, root);
  if (tooBig.length > 0) throw new LabDescriptionError(tooBig);
  const parsed = descriptionSchema.safeParse(input);
  const problems = parsed.success ? [] : zodProblems(root, parsed.error, [], locate);
  const rawHosts = (input as { hosts?: unknown } | null)?.hosts;
  if (rawHosts === undefined) {
    if (parsed.success) problems.push(`${label(root, 'hosts')}: missing`);
  } else if (Array.isArray(rawHosts)) {
    const h = z.array(namedHostSchema).safeParse(rawHosts);
    if (!h.success) problems.push(...zodProblems(root, h.error, ['hosts'], locate));
  } else if (typeof rawHosts === 'object' && rawHosts !== null) {
    const h = z.record(str, hostSchema).safeParse(rawHosts);
    if (!h.success) problems.push(...zodProblems(root, h.error, ['hosts'], locate));
  } else {
    problems.push(`${label(root, 'hosts')}: expected a map of host name -> host, or a list of hosts each with a 'name'`);
  }
  if (problems.length > 0) throw new LabDescriptionError(problems);
  return checkSemantics(parsed.data as LabDescription, root, locate);
}

interface AddressOwner {
  path: string;
  host: string;
}

function checkSemantics(d: LabDescription, root: string, locate?: Locate): Topology {
  const problems: string[] = [];
  const bad = (path: string, msg: string) => problems.push(problemText(root, path, msg, locate));

  // Segments and their bridges (all bridges share the one switch namespace). A dual-stack segment
  // has one subnet of each family.
  const segments = new Map<string, { subnets: Cidr[]; seg: TopologySegment }>();
  Object.entries(d.segments).forEach(([name, s], i) => {
    if (!NAME.test(name)) bad(`segments.${name}`, `segment name '${name}' must be lower-case letters, digits and '-', starting with a letter`);
    const texts = typeof s.subnet === 'string' ? [s.subnet] : s.subnet;
    const subnets: Cidr[] = [];
    texts.forEach((text, k) => {
      const sp = typeof s.subnet === 'string' ? `segments.${name}.subnet` : `segments.${name}.subnet[${k}]`;
      const c = parseCidr(text);
      if (typeof c === 'string') return bad(sp, c);
      const most = c.family === 4 ? 30 : 126;
      if (c.prefix > most) return bad(sp, `'${text}' leaves no room for hosts (prefix must be /${most} or shorter)`);
      if (subnets.some((o) => o.family === c.family)) return bad(sp, `a second IPv${c.family} subnet; a segment has at most one of each family`);
      subnets.push(c);
    });
    if (subnets.length !== texts.length) return;
    const bridge = `br-${name}`.length < IFNAMSIZ ? `br-${name}` : `br${i}`;
    const [first, ...more] = subnets.map((c) => `${networkOf(c)}/${c.prefix}`);
    segments.set(name, { subnets, seg: { name, subnet: first, ...(more.length > 0 ? { subnets: [first, ...more] } : {}), bridge } });
  });
  if (segments.size === 0 && Object.keys(d.segments).length === 0) bad('segments', 'a lab needs at least one segment');

  // Hosts: a map or a list with names; duplicates only possible in the list form (and YAML maps,
  // which the file loader reports).
  const hostEntries: Array<[string, HostDescription, string]> = [];
  if (Array.isArray(d.hosts)) {
    const seen = new Map<string, number>();
    d.hosts.forEach((h, i) => {
      const { name, ...rest } = h;
      if (seen.has(name)) bad(`hosts[${i}].name`, `duplicate host '${name}' (also hosts[${seen.get(name)}])`);
      else seen.set(name, i);
      hostEntries.push([name, rest, `hosts[${i}]`]);
    });
  } else {
    for (const [name, h] of Object.entries(d.hosts)) hostEntries.push([name, h, `hosts.${name}`]);
  }
  if (hostEntries.length === 0) bad('hosts', 'a lab needs at least one host');

  const addressOwners = new Map<string, AddressOwner>();
  const claim = (addr: string, path: string, host: string) => {
    const prev = addressOwners.get(addr);
    if (prev) bad(path, `duplicate address ${addr} (already on ${prev.path})`);
    else addressOwners.set(addr, { path: label(root, path), host });
  };

  const hosts: TopologyHost[] = [];
  const peerNames = new Set<string>();
  hostEntries.forEach(([name, h, hp], hostIndex) => {
    if (!NAME.test(name)) bad(hp, `host name '${name}' must be lower-case letters, digits and '-', starting with a letter`);
    else if (name === SWITCH_HOST) bad(hp, `host name '${SWITCH_HOST}' is reserved for the lab's switch namespace`);
    else if (name.length > 32) bad(hp, `host name '${name}' is longer than 32 characters`);

    const ifaces: TopologyInterface[] = [];
    // An interface on an unknown segment is already reported; on-link checks would only add noise.
    let unresolved = false;
    const ifSubnets: Array<{ iface: TopologyInterface; subnet: Cidr }> = [];
    (h.interfaces ?? []).forEach((itf, j) => {
      const ip = `${hp}.interfaces[${j}]`;
      if (itf.name.length >= IFNAMSIZ) bad(`${ip}.name`, `interface name '${itf.name}' is ${itf.name.length} characters; the kernel allows at most ${IFNAMSIZ - 1}`);
      else if (!IFNAME.test(itf.name)) bad(`${ip}.name`, `interface name '${itf.name}' may only hold letters, digits, '_', '.', '-'`);
      else if (itf.name === 'lo') bad(`${ip}.name`, `'lo' exists in every host; put loopback addresses in ${hp}.loopback`);
      if (ifaces.some((o) => o.name === itf.name)) bad(`${ip}.name`, `duplicate interface '${itf.name}' on host '${name}'`);
      const seg = segments.get(itf.segment);
      if (!seg) {
        unresolved = true;
        if (!(itf.segment in d.segments)) bad(`${ip}.segment`, `unknown segment '${itf.segment}'${known(Object.keys(d.segments))}`);
      }
      const addresses: string[] = [];
      (itf.addresses ?? []).forEach((a, k) => {
        const ap = `${ip}.addresses[${k}]`;
        // With the segment's subnet unusable (already reported), a bare address is only checked as an
        // address: its missing prefix would have come from that subnet. A link-local address
        // (fe80::/10, for VRRPv3 and neighbour discovery) belongs to no segment subnet: /64.
        const c = parseCidr(a, (f) => (isLinkLocal6(a.split('/')[0]) ? 64 : (seg?.subnets.find((x) => x.family === f)?.prefix ?? maxPrefix(f))));
        if (typeof c === 'string') return bad(ap, c);
        if (seg && !isLinkLocal6(c.address)) checkInSegment(c, seg.subnets, itf.segment, ap, bad);
        claim(c.address, ap, name);
        addresses.push(cidrText(c));
      });
      const peer = uniquePeerName(name, itf.name, hostIndex, j, peerNames);
      const iface: TopologyInterface = { name: itf.name, segment: itf.segment, addresses, extraAddresses: [], peer };
      ifaces.push(iface);
      if (seg) for (const subnet of seg.subnets) ifSubnets.push({ iface, subnet });
    });

    (h.extraAddresses ?? []).forEach((a, k) => {
      const ap = `${hp}.extraAddresses[${k}]`;
      const bare = a.split('/')[0];
      const home = ifSubnets.find((s) => inSubnet(bare, s.subnet));
      if (!home && isAddress(bare)) {
        if (!unresolved) bad(ap, `${bare} is not inside the subnet of any interface of '${name}'${subnetsText(ifSubnets)}`);
        return;
      }
      const c = parseCidr(a, home?.subnet.prefix);
      if (typeof c === 'string') return bad(ap, c);
      if (!home) return;
      checkInSegment(c, [home.subnet], home.iface.segment, ap, bad);
      claim(c.address, ap, name);
      home.iface.extraAddresses.push(cidrText(c));
    });

    const loopback: string[] = [];
    (h.loopback ?? []).forEach((a, k) => {
      const c = parseCidr(a, maxPrefix);
      if (typeof c === 'string') return bad(`${hp}.loopback[${k}]`, c);
      // Unique per host only: DR puts the same VIP on every real server's lo, by design.
      const twin = loopback.findIndex((x) => x.split('/')[0] === c.address);
      if (twin >= 0) return bad(`${hp}.loopback[${k}]`, `duplicate loopback address ${c.address} (also ${hp}.loopback[${twin}])`);
      loopback.push(cidrText(c));
    });

    const ownAddresses = new Set(ifaces.flatMap((i) => [...i.addresses, ...i.extraAddresses].map((x) => x.split('/')[0])));
    /** Checks a gateway; returns its canonical spelling and family, or undefined when it is bad. */
    const onLink = (via: string, path: string, dev?: string, family?: Family): { via: string; family: Family } | undefined => {
      const c = parseCidr(via, maxPrefix);
      if (typeof c === 'string' || via.includes('/')) return void bad(path, `'${via}' is not an ${via.includes(':') ? 'IPv6' : 'IPv4'} address`);
      if (family !== undefined && c.family !== family) return void bad(path, `gateway ${c.address} is IPv${c.family}, the route's destination IPv${family}`);
      const found = { via: c.address, family: c.family };
      if (ownAddresses.has(c.address)) return void bad(path, `${c.address} is an address of '${name}' itself`);
      // a link-local gateway is on-link on the interface the route names
      if (isLinkLocal6(c.address)) return dev ? found : void bad(path, `link-local gateway ${c.address} needs the route's 'dev'`);
      const candidates = (dev ? ifSubnets.filter((s) => s.iface.name === dev) : ifSubnets).filter((s) => s.subnet.family === c.family);
      if (unresolved) return found;
      if (!candidates.some((s) => inSubnet(c.address, s.subnet))) {
        bad(path, `gateway ${c.address} is not reachable on any interface of '${name}'${subnetsText(candidates)}`);
        return undefined;
      }
      return found;
    };

    const routes: TopologyRoute[] = [];
    const routePaths: string[] = [];
    const defaults = new Map<Family, string>();
    // Prefixes the kernel routes by itself (an interface's subnet, a loopback prefix shorter than the
    // whole address): another route to one of them is refused at build ("RTNETLINK answers: File exists").
    const connected = new Map<string, string>();
    for (const { iface, subnet } of ifSubnets) connected.set(`${networkOf(subnet)}/${subnet.prefix}`, `the subnet of ${iface.name} (segment '${iface.segment}')`);
    for (const a of loopback) {
      const c = parseCidr(a) as Cidr;
      if (c.prefix < maxPrefix(c.family)) connected.set(`${networkOf(c)}/${c.prefix}`, `the prefix of loopback address ${a}`);
    }
    const gateways = h.gateway === undefined ? [] : typeof h.gateway === 'string' ? [h.gateway] : h.gateway;
    gateways.forEach((g, k) => {
      const gp = typeof h.gateway === 'string' ? `${hp}.gateway` : `${hp}.gateway[${k}]`;
      const ok = onLink(g, gp);
      if (!ok) return;
      if (defaults.has(ok.family)) return void bad(gp, `a second IPv${ok.family} default gateway (also ${defaults.get(ok.family)})`);
      defaults.set(ok.family, gp);
      routePaths.push(gp);
      routes.push({ to: 'default', via: ok.via });
    });
    (h.routes ?? []).forEach((r, k) => {
      const rp = `${hp}.routes[${k}]`;
      let to = r.to;
      let family: Family | undefined;
      if (to === '::/0') to = 'default';
      if (to !== 'default') {
        const c = parseCidr(to);
        if (typeof c === 'string') return bad(`${rp}.to`, `${c} (or 'default')`);
        to = `${networkOf(c)}/${c.prefix}`;
        family = c.family;
      } else if (r.to === '::/0') family = 6;
      else if (r.via !== undefined) family = familyOf(r.via);
      if (to === 'default') {
        const f = family ?? 4;
        if (defaults.has(f)) {
          const by = defaults.get(f)!;
          return bad(`${rp}.to`, by.startsWith(`${hp}.gateway`) ? `a default route is already given by ${by}` : 'duplicate default route');
        }
      }
      if (r.via === undefined && r.dev === undefined) return bad(rp, "a route needs 'via' or 'dev'");
      if (r.dev !== undefined && !ifaces.some((i) => i.name === r.dev)) {
        return bad(`${rp}.dev`, `unknown interface '${r.dev}' on host '${name}'${known(ifaces.map((i) => i.name))}`);
      }
      let via: string | undefined;
      if (r.via !== undefined) {
        const ok = onLink(r.via, `${rp}.via`, r.dev, to === 'default' ? undefined : family);
        if (ok) via = ok.via;
      }
      const twin = routes.findIndex((x) => x.to === to);
      if (twin >= 0 && to !== 'default') return bad(`${rp}.to`, `a second route to ${to} (also ${routePaths[twin]}); the kernel takes one per destination`);
      const own = connected.get(to);
      if (own) return bad(`${rp}.to`, `${to} is ${own}: '${name}' has that route already`);
      if (to === 'default') defaults.set(family ?? 4, rp);
      routePaths.push(`${hp}.routes[${k}]`);
      routes.push({
        to,
        ...(via !== undefined ? { via } : {}),
        ...(r.dev !== undefined ? { dev: r.dev } : {}),
        // a default route through a device only, in IPv6: the family cannot come from an address
        ...(to === 'default' && family === 6 && via === undefined ? { family: 6 as const } : {}),
      });
    });

    const sysctls: Record<string, string> = {};
    let sysctlEntries = Object.entries(h.sysctls ?? {});
    if (sysctlEntries.length > LAB_LIMITS.sysctlsPerHost) {
      bad(`${hp}.sysctls`, `${sysctlEntries.length} sysctls; at most ${LAB_LIMITS.sysctlsPerHost} per host (lvslab's limit, see docs/lab.md)`);
      sysctlEntries = [];
    }
    for (const [key, value] of sysctlEntries) {
      const sp = `${hp}.sysctls.${key}`;
      if (!SYSCTL_KEY.test(key)) { bad(sp, `'${key}' is not a namespaced sysctl (only net.* keys; others would change the machine, not the lab)`); continue; }
      const v = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
      if (!SYSCTL_VALUE.test(v)) { bad(sp, `value '${v}' is not a plain sysctl value`); continue; }
      // net.ipv4.conf.IF.x names an interface of this host (or all/default/lo).
      const m = /^net\.ipv[46]\.conf\.([^.]+)\./.exec(key);
      if (m && !['all', 'default', 'lo'].includes(m[1]) && !ifaces.some((i) => i.name === m[1])) {
        bad(sp, `unknown interface '${m[1]}' on host '${name}'${known(ifaces.map((i) => i.name))}`);
        continue;
      }
      sysctls[key] = v;
    }

    const identity = h.identity ?? name.toUpperCase();
    if ((h.identity !== undefined || NAME.test(name)) && !IDENTITY.test(identity)) bad(`${hp}.identity`, `identity '${identity}' must be 1-64 letters, digits, '_', '.', '-'`);

    hosts.push({ name, role: h.role, identity, interfaces: ifaces, routes, sysctls, loopback });
  });

  const meta: Partial<Record<'vip' | 'dip' | 'vip6' | 'dip6', string>> = {};
  for (const key of ['vip', 'dip', 'vip6', 'dip6'] as const) {
    const v = d[key];
    if (v === undefined) continue;
    const f = familyOf(v);
    if (f === undefined) bad(key, `'${v}' is not an ${key.endsWith('6') || v.includes(':') ? 'IPv6' : 'IPv4'} address`);
    else if (key.endsWith('6') && f !== 6) bad(key, `'${v}' is not an IPv6 address (${key} is the IPv6 one of a dual-stack lab; ${key.slice(0, 3)} takes either family)`);
    else meta[key] = (parseCidr(v, maxPrefix) as Cidr).address;
  }
  const services = d.services ?? [];
  services.forEach((s, i) => {
    if (services.findIndex((o) => o.protocol === s.protocol && o.port === s.port) < i) bad(`services[${i}]`, `duplicate service ${s.protocol}/${s.port}`);
  });

  if (problems.length > 0) throw new LabDescriptionError(problems);
  return {
    name: d.name ?? 'lab',
    segments: [...segments.values()].map((s) => s.seg),
    hosts,
    ...meta,
    services: services.map((s) => ({ protocol: s.protocol, port: s.port })),
    ...(d.keepAliveTimeout !== undefined ? { keepAliveTimeout: d.keepAliveTimeout } : {}),
  };
}

function checkInSegment(c: Cidr, subnets: Cidr[], segName: string, path: string, bad: (p: string, m: string) => void): void {
  const subnet = subnets.find((s) => s.family === c.family);
  if (!subnet) {
    const have = subnets.map((s) => `${networkOf(s)}/${s.prefix}`).join(', ');
    return bad(path, `${c.address} is IPv${c.family} but segment '${segName}' has no IPv${c.family} subnet (${have})`);
  }
  const net = `${networkOf(subnet)}/${subnet.prefix}`;
  if (!inSubnet(c.address, subnet)) return bad(path, `${c.address} is outside segment '${segName}' (${net})`);
  if (c.family === 6) {
    // no broadcast in IPv6; the all-zero host part is the subnet-router anycast address (RFC 4291)
    if (c.address === networkOf(subnet)) bad(path, `${c.address} is the subnet-router anycast address of segment '${segName}' (${net})`);
    else if (c.prefix !== subnet.prefix) bad(path, `prefix /${c.prefix} differs from segment '${segName}' (${net})`);
    return;
  }
  const n = ipToNumber(c.address)!;
  const base = ipToNumber(networkOf(subnet))!;
  const broadcast = base + 2 ** (32 - subnet.prefix) - 1;
  if (n === base) bad(path, `${c.address} is the network address of segment '${segName}' (${net})`);
  else if (n === broadcast) bad(path, `${c.address} is the broadcast address of segment '${segName}' (${numberToIp(broadcast)})`);
  else if (c.prefix !== subnet.prefix) bad(path, `prefix /${c.prefix} differs from segment '${segName}' (${net})`);
}

/** fe80::/10: link-local, on-link on its own interface whatever the segment's subnets. */
function isLinkLocal6(addr: string): boolean {
  const n = ipv6ToBigInt(addr);
  return n !== undefined && n >> 118n === 0x3fan;
}

// The switch namespace holds one veth end per host interface, so those names must be unique there
// and short enough; readable "<host>-<if>" when it fits, positional "p<host>-<if>" otherwise — and a
// positional name another interface already has readably (host 'p1', interface '0') gets a suffix.
function uniquePeerName(host: string, ifname: string, h: number, i: number, taken: Set<string>): string {
  let peer = `${host}-${ifname}`;
  if (peer.length >= IFNAMSIZ || taken.has(peer) || peer.startsWith('br')) peer = `p${h}-${i}`;
  for (let n = 1; taken.has(peer); n++) peer = `p${h}-${i}-${n}`;
  taken.add(peer);
  return peer;
}

function known(names: string[]): string {
  return names.length > 0 ? ` (known: ${names.join(', ')})` : '';
}

function subnetsText(s: Array<{ iface: TopologyInterface; subnet: Cidr }>): string {
  if (s.length === 0) return ' (it has no interface on a known segment)';
  return ` (${s.map((x) => `${x.iface.name} ${networkOf(x.subnet)}/${x.subnet.prefix}`).join(', ')})`;
}
