// The lab description: what a user writes (LabDescription, a TS object or a YAML/JSON file) and the
// validated, normalized form the builder and everyone else reads (Topology). Topology is plain JSON
// so it can be stored in the run directory and read back by other processes (`lvslab exec`, gc).

export type Role = 'client' | 'director' | 'real' | 'router';
export const ROLES: readonly Role[] = ['client', 'director', 'real', 'router'];

export interface InterfaceDescription {
  /** name inside the host, at most 15 characters (the kernel's IFNAMSIZ - 1) */
  name: string;
  /** the segment (L2 network) this interface is plugged into */
  segment: string;
  /**
   * "a.b.c.d/len", "x:x::x/len", or a bare address (takes the prefix of the segment's subnet of its
   * family); a link-local fe80:: address may go on any segment (/64)
   */
  addresses?: string[];
}

export interface RouteDescription {
  /** "default" (its family that of `via`; "::/0" for an IPv6 default through a device) or a prefix "a.b.c.d/len", "x:x::/len" */
  to: string;
  via?: string;
  dev?: string;
}

export interface HostDescription {
  role: Role;
  interfaces?: InterfaceDescription[];
  /** shorthand for a default route via this address; a dual-stack host gives one of each family */
  gateway?: string | string[];
  routes?: RouteDescription[];
  /** namespaced sysctls only (keys start with "net."), applied with `sysctl -w` inside the host */
  sysctls?: Record<string, string | number | boolean>;
  /** addresses on lo, e.g. the VIP of an LVS-DR real server ("a.b.c.d" means /32, "x:x::x" /128) */
  loopback?: string[];
  /** extra addresses to emulate many clients; each goes on the interface whose segment holds it */
  extraAddresses?: string[];
  /** what the real server's HTTP page and UDP echo say; default: the host name upper-cased */
  identity?: string;
}

export interface SegmentDescription {
  /** "a.b.c.d/len" or "x:x::/len"; a dual-stack segment lists one of each family */
  subnet: string | string[];
}

export interface ServiceDescription {
  protocol: 'tcp' | 'udp';
  port: number;
}

export interface LabDescription {
  name?: string;
  segments: Record<string, SegmentDescription>;
  /** keyed by host name, or a list of hosts each with a `name` */
  hosts: Record<string, HostDescription> | Array<HostDescription & { name: string }>;
  /** the virtual service address (metadata: VRRP or a static address puts it on a director) */
  vip?: string;
  /** the directors' internal address the real servers route through (metadata, like vip) */
  dip?: string;
  /** a dual-stack lab's IPv6 VIP and DIP (vip and dip then being the IPv4 ones) */
  vip6?: string;
  dip6?: string;
  /** the load-balanced services; real servers' agents serve them (tcp: HTTP, udp: datagram sink) */
  services?: ServiceDescription[];
  /**
   * seconds the real servers' HTTP keeps an idle keep-alive connection open (default 75, as
   * common web servers do: longer than any failover, so a stalled connection is never closed by
   * the server while the directors fail over)
   */
  keepAliveTimeout?: number;
}

// ---- normalized form ----

export interface TopologyInterface {
  name: string;
  segment: string;
  /** "a.b.c.d/len" or "x:x::x/len" (RFC 5952), primary first */
  addresses: string[];
  /** extra client addresses on this interface ("a.b.c.d/len", "x:x::x/len"), after the primary ones */
  extraAddresses: string[];
  /** the veth peer's name inside the switch namespace */
  peer: string;
}

export interface TopologyRoute {
  to: string;
  via?: string;
  dev?: string;
  /** 6 for an IPv6 default route without a gateway (otherwise the family shows in `to` or `via`) */
  family?: 6;
}

export interface TopologyHost {
  name: string;
  role: Role;
  identity: string;
  interfaces: TopologyInterface[];
  routes: TopologyRoute[];
  sysctls: Record<string, string>;
  loopback: string[];
}

export interface TopologySegment {
  name: string;
  /** canonical "network/len" (IPv6 in RFC 5952 text); a dual-stack segment's first subnet */
  subnet: string;
  /** a dual-stack segment's subnets, both families (absent for a single-subnet segment) */
  subnets?: string[];
  /** the bridge's name inside the switch namespace */
  bridge: string;
}

export interface Topology {
  name: string;
  segments: TopologySegment[];
  hosts: TopologyHost[];
  vip?: string;
  dip?: string;
  /** a dual-stack lab's IPv6 VIP and DIP */
  vip6?: string;
  dip6?: string;
  services: ServiceDescription[];
  /** the real servers' HTTP keep-alive idle timeout, seconds (unset: the agents' default, 75) */
  keepAliveTimeout?: number;
}

/** The name of the namespace that holds every segment's bridge. Reserved as a host name. */
export const SWITCH_HOST = 'sw';

export function hostsWithRole(t: Topology, role: Role): TopologyHost[] {
  return t.hosts.filter((h) => h.role === role);
}

/** Every address a host holds on its interfaces (without prefix), primary ones first. */
export function hostAddresses(h: TopologyHost): string[] {
  return h.interfaces.flatMap((i) => [...i.addresses, ...i.extraAddresses]).map((a) => a.split('/')[0]);
}
