// Validation of a lab description: the shape (zod) first, then what the shape cannot say (segments
// exist, addresses fit their subnets and are unique, gateways are on-link). Every problem is reported
// with the path to the offending field, all at once, so a user fixes a file in one pass.
import { z } from 'zod';
import { cidrText, inSubnet, ipToNumber, isIpv4, networkOf, numberToIp, parseCidr, type Cidr } from './ipv4.js';
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
  gateway: str.optional(),
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
  segments: z.record(str, z.strictObject({ subnet: str })),
  // Checked below by its own schema (map or list), so errors point into the form actually used.
  hosts: z.unknown(),
  vip: str.optional(),
  dip: str.optional(),
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

  // Segments and their bridges (all bridges share the one switch namespace).
  const segments = new Map<string, { subnet: Cidr; seg: TopologySegment }>();
  Object.entries(d.segments).forEach(([name, s], i) => {
    if (!NAME.test(name)) bad(`segments.${name}`, `segment name '${name}' must be lower-case letters, digits and '-', starting with a letter`);
    const c = parseCidr(s.subnet);
    if (typeof c === 'string') return bad(`segments.${name}.subnet`, c);
    if (c.prefix > 30) return bad(`segments.${name}.subnet`, `'${s.subnet}' leaves no room for hosts (prefix must be /30 or shorter)`);
    const bridge = `br-${name}`.length < IFNAMSIZ ? `br-${name}` : `br${i}`;
    const canonical = `${networkOf(c)}/${c.prefix}`;
    segments.set(name, { subnet: c, seg: { name, subnet: canonical, bridge } });
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
        // address: its missing prefix would have come from that subnet.
        const c = parseCidr(a, seg?.subnet.prefix ?? 32);
        if (typeof c === 'string') return bad(ap, c);
        if (seg) checkInSegment(c, seg.subnet, itf.segment, ap, bad);
        claim(c.address, ap, name);
        addresses.push(cidrText(c));
      });
      const peer = uniquePeerName(name, itf.name, hostIndex, j, peerNames);
      const iface: TopologyInterface = { name: itf.name, segment: itf.segment, addresses, extraAddresses: [], peer };
      ifaces.push(iface);
      if (seg) ifSubnets.push({ iface, subnet: seg.subnet });
    });

    (h.extraAddresses ?? []).forEach((a, k) => {
      const ap = `${hp}.extraAddresses[${k}]`;
      const bare = a.split('/')[0];
      const home = ifSubnets.find((s) => inSubnet(bare, s.subnet));
      if (!home && isIpv4(bare)) {
        if (!unresolved) bad(ap, `${bare} is not inside the subnet of any interface of '${name}'${subnetsText(ifSubnets)}`);
        return;
      }
      const c = parseCidr(a, home?.subnet.prefix);
      if (typeof c === 'string') return bad(ap, c);
      if (!home) return;
      checkInSegment(c, home.subnet, home.iface.segment, ap, bad);
      claim(c.address, ap, name);
      home.iface.extraAddresses.push(cidrText(c));
    });

    const loopback: string[] = [];
    (h.loopback ?? []).forEach((a, k) => {
      const c = parseCidr(a, 32);
      if (typeof c === 'string') return bad(`${hp}.loopback[${k}]`, c);
      // Unique per host only: DR puts the same VIP on every real server's lo, by design.
      const twin = loopback.findIndex((x) => x.split('/')[0] === c.address);
      if (twin >= 0) return bad(`${hp}.loopback[${k}]`, `duplicate loopback address ${c.address} (also ${hp}.loopback[${twin}])`);
      loopback.push(cidrText(c));
    });

    const ownAddresses = new Set(ifaces.flatMap((i) => [...i.addresses, ...i.extraAddresses].map((x) => x.split('/')[0])));
    const onLink = (via: string, path: string, dev?: string): void => {
      if (!isIpv4(via)) return void bad(path, `'${via}' is not an IPv4 address`);
      if (ownAddresses.has(via)) return void bad(path, `${via} is an address of '${name}' itself`);
      const candidates = dev ? ifSubnets.filter((s) => s.iface.name === dev) : ifSubnets;
      if (unresolved) return;
      if (!candidates.some((s) => inSubnet(via, s.subnet))) {
        bad(path, `gateway ${via} is not reachable on any interface of '${name}'${subnetsText(candidates)}`);
      }
    };

    const routes: TopologyRoute[] = [];
    const routePaths: string[] = [];
    // Prefixes the kernel routes by itself (an interface's subnet, a loopback prefix shorter than /32):
    // another route to one of them is refused at build ("RTNETLINK answers: File exists").
    const connected = new Map<string, string>();
    for (const { iface, subnet } of ifSubnets) connected.set(`${networkOf(subnet)}/${subnet.prefix}`, `the subnet of ${iface.name} (segment '${iface.segment}')`);
    for (const a of loopback) {
      const c = parseCidr(a) as Cidr;
      if (c.prefix < 32) connected.set(`${networkOf(c)}/${c.prefix}`, `the prefix of loopback address ${a}`);
    }
    if (h.gateway !== undefined) {
      onLink(h.gateway, `${hp}.gateway`);
      routePaths.push(`${hp}.gateway`);
      routes.push({ to: 'default', via: h.gateway });
    }
    (h.routes ?? []).forEach((r, k) => {
      const rp = `${hp}.routes[${k}]`;
      let to = r.to;
      if (to !== 'default') {
        const c = parseCidr(to);
        if (typeof c === 'string') return bad(`${rp}.to`, `${c} (or 'default')`);
        to = `${networkOf(c)}/${c.prefix}`;
      }
      if (to === 'default' && routes.some((x) => x.to === 'default')) {
        return bad(`${rp}.to`, h.gateway !== undefined ? `a default route is already given by ${hp}.gateway` : 'duplicate default route');
      }
      if (r.via === undefined && r.dev === undefined) return bad(rp, "a route needs 'via' or 'dev'");
      if (r.dev !== undefined && !ifaces.some((i) => i.name === r.dev)) {
        return bad(`${rp}.dev`, `unknown interface '${r.dev}' on host '${name}'${known(ifaces.map((i) => i.name))}`);
      }
      if (r.via !== undefined) onLink(r.via, `${rp}.via`, r.dev);
      const twin = routes.findIndex((x) => x.to === to);
      if (twin >= 0 && to !== 'default') return bad(`${rp}.to`, `a second route to ${to} (also ${routePaths[twin]}); the kernel takes one per destination`);
      const own = connected.get(to);
      if (own) return bad(`${rp}.to`, `${to} is ${own}: '${name}' has that route already`);
      routePaths.push(`${hp}.routes[${k}]`);
      routes.push({ to, ...(r.via !== undefined ? { via: r.via } : {}), ...(r.dev !== undefined ? { dev: r.dev } : {}) });
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

  for (const key of ['vip', 'dip'] as const) {
    const v = d[key];
    if (v !== undefined && !isIpv4(v)) bad(key, `'${v}' is not an IPv4 address`);
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
    ...(d.vip !== undefined ? { vip: d.vip } : {}),
    ...(d.dip !== undefined ? { dip: d.dip } : {}),
    services: services.map((s) => ({ protocol: s.protocol, port: s.port })),
    ...(d.keepAliveTimeout !== undefined ? { keepAliveTimeout: d.keepAliveTimeout } : {}),
  };
}

function checkInSegment(c: Cidr, subnet: Cidr, segName: string, path: string, bad: (p: string, m: string) => void): void {
  const net = `${networkOf(subnet)}/${subnet.prefix}`;
  if (!inSubnet(c.address, subnet)) return bad(path, `${c.address} is outside segment '${segName}' (${net})`);
  const n = ipToNumber(c.address)!;
  const base = ipToNumber(networkOf(subnet))!;
  const broadcast = base + 2 ** (32 - subnet.prefix) - 1;
  if (n === base) bad(path, `${c.address} is the network address of segment '${segName}' (${net})`);
  else if (n === broadcast) bad(path, `${c.address} is the broadcast address of segment '${segName}' (${numberToIp(broadcast)})`);
  else if (c.prefix !== subnet.prefix) bad(path, `prefix /${c.prefix} differs from segment '${segName}' (${net})`);
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
