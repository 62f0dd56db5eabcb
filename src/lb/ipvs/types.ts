// The contract between the embedded IPVS and what drives it: ipvsadm (userland, src/lb/ipvsadm) turns
// command lines into `IpvsCommand`s, hands the state-changing ones to the core's control API
// (`IpvsControl`, the kernel's setsockopt/netlink) and formats `IpvsSnapshot`s; the director daemon
// feeds packet headers in and applies `Verdict`s.
// Addresses carry their family as the kernel's do (svc->af, dest->af, cp->af/daf with union
// nf_inet_addr). IPv4: unsigned 32-bit numbers in host order (a.b.c.d = a<<24|b<<16|c<<8|d) on the
// per-packet path, dotted strings everywhere else. IPv6: `In6Addr` (four 32-bit words) on the
// per-packet path, inet_ntop's text (no brackets: `2001:db8::112`) everywhere else; a text's family
// is whether it has a colon (addr.ts). IPv4 packets and verdicts look exactly as before.

import type { CtlError } from './errno.js';

export type Protocol = 'tcp' | 'udp';
/** protocol 0: what fwmark persistence templates carry (the mark sits in their virtual address) */
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const AF_INET = 2;
export const AF_INET6 = 10;
export type AddressFamily = typeof AF_INET | typeof AF_INET6;

/**
 * An IPv6 address on the per-packet path: union nf_inet_addr's ip6[4] as four unsigned 32-bit words
 * in host order, word i being bytes 4i..4i+3 of the address read big-endian (so 2001:db8::1 is
 * [0x20010db8, 0, 0, 1]). `parseIPv6`/`formatIPv6` (addr.ts) convert from and to text.
 */
export type In6Addr = Uint32Array;

/**
 * A virtual service's identity, as `-t/-u ADDR:PORT` or `-f FWMARK [-6]` names it. `addr` is dotted
 * IPv4 or IPv6 text (the family follows from it); a fwmark service's family is `af`, absent meaning
 * AF_INET (ipvsadm's `-6` sets AF_INET6): `-f 1` and `-f 1 -6` are two services, as in the kernel.
 */
export type ServiceKey =
  | { kind: 'tcp' | 'udp'; addr: string; port: number }
  | { kind: 'fwmark'; fwmark: number; af?: AddressFamily };

export type Forwarding = 'masq' | 'route' | 'tunnel' | 'local';

export interface Persistence {
  /** seconds; ipvsadm's default for a bare -p is 360 */
  timeout: number;
  /** IPv4 service: dotted netmask, default 255.255.255.255. IPv6 service: the prefix length in
   * decimal, 1..128, default "128" (the kernel keeps a prefix length in svc->netmask for AF_INET6,
   * and ipvsadm's -M takes and prints it as a number). */
  netmask: string;
}

export interface ServiceOptions {
  scheduler: string;
  /** sh-fallback, sh-port, mh-fallback, mh-port, flag-1..3 */
  schedFlags: string[];
  persistence?: Persistence;
  /** one-packet scheduling (UDP) */
  ops: boolean;
  pe?: string;
}

export interface DestOptions {
  forwarding: Forwarding;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  /** tunnel encapsulation of a 'tunnel' dest (ipvsadm --tun-type ...); absent means plain ipip */
  tunnel?: TunnelOptions;
}

/** ipvsadm 1.31's --tun-type/--tun-port/--tun-{no,,rem}csum (kernel >= 5.2). */
export interface TunnelOptions {
  type: 'ipip' | 'gue' | 'gre';
  /** gue only: the UDP port of the encapsulation */
  port?: number;
  csum: 'nocsum' | 'csum' | 'remcsum';
}

export interface ListOptions {
  numeric: boolean;
  connections: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  exact: boolean;
  sort: boolean;
  timeout: boolean;
  daemon: boolean;
  tunInfo: boolean;
}

export interface SyncDaemonOptions {
  state: 'master' | 'backup';
  mcastInterface: string;
  syncId: number;
  syncMaxLen?: number;
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

/** One parsed ipvsadm invocation. Fields left out mean "not given" (edit keeps the old value). */
export type IpvsCommand =
  | {
      op: 'add-service' | 'edit-service';
      service: ServiceKey;
      options: Partial<ServiceOptions>;
      /** Set by the ipvsadm parser: `options` is the whole service as ipvsadm sends it (absent
       * persistence/pe mean none). The kernel's edit replaces every field, so `-E` without `-p`
       * makes a service non-persistent and without `-s` sets wlc. */
      complete?: boolean;
    }
  | { op: 'delete-service'; service: ServiceKey }
  | { op: 'clear' }
  | { op: 'add-dest' | 'edit-dest'; service: ServiceKey; dest: { addr: string; port: number }; options: Partial<DestOptions> }
  | { op: 'delete-dest'; service: ServiceKey; dest: { addr: string; port: number } }
  | { op: 'zero'; service?: ServiceKey }
  | { op: 'set-timeout'; tcp: number; tcpfin: number; udp: number }
  | { op: 'list'; service?: ServiceKey; options: ListOptions }
  | { op: 'save'; service?: ServiceKey; numeric: boolean }
  | { op: 'restore' }
  | { op: 'start-daemon'; options: SyncDaemonOptions }
  | { op: 'stop-daemon'; state?: 'master' | 'backup' }
  | { op: 'version' }
  | { op: 'help' };

/** The commands that change the core's state; listings are ipvsadm's own work on a snapshot. */
export type CtlCommand = Exclude<IpvsCommand, { op: 'list' | 'save' | 'restore' | 'version' | 'help' }>;

/** The control API ipvsadm talks to, as it talks to the kernel through netlink. */
export interface IpvsControl {
  /** Apply one command with the kernel's semantics: null, or the op and errno of a refusal. */
  control(cmd: CtlCommand): CtlError | null;
  /** The current state, for listings. */
  snapshot(): IpvsSnapshot;
}

/**
 * Who runs the sync daemons `ipvsadm --start-daemon` asks for (start_sync_thread /
 * stop_sync_thread). Refusals are thrown as errors with an `errno` field (EEXIST, ESRCH, ENODEV,
 * EINVAL), which the control API returns.
 */
export interface DaemonControl {
  start(opts: SyncDaemonOptions): void;
  stop(state: 'master' | 'backup' | undefined): void;
  /** the running daemons with their resolved settings, master first */
  list(): SyncDaemonOptions[];
}

/** net.ipv4.vs.* sysctls the core honours, with the kernel's defaults. */
export interface IpvsSysctl {
  /** conn_reuse_mode: 1 = a SYN hitting a TIME_WAIT/CLOSE entry is rescheduled (bit 2: also DR/TUN FIN_WAIT) */
  connReuseMode: number;
  /** expire_nodest_conn: expire (instead of drop) packets of conns whose dest is gone or quiesced */
  expireNodestConn: number;
  /** expire_quiescent_template: templates to weight-0 dests are invalid */
  expireQuiescentTemplate: number;
  /** seconds */
  lblcExpiration: number;
  /** seconds */
  lblcrExpiration: number;
  /** sloppy_tcp: schedule TCP on any segment, not only SYN */
  sloppyTcp: number;
}

export const DEFAULT_SYSCTL: IpvsSysctl = {
  connReuseMode: 1,
  expireNodestConn: 0,
  expireQuiescentTemplate: 0,
  lblcExpiration: 24 * 60 * 60,
  lblcrExpiration: 24 * 60 * 60,
  sloppyTcp: 0,
};

export interface Counters {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export interface DestSnapshot {
  addr: string;
  port: number;
  options: DestOptions;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats: Counters;
  /** the rate estimator's exported values: conns/s, pkts/s, bytes/s */
  rate: Counters;
}

export interface ServiceSnapshot {
  key: ServiceKey;
  options: ServiceOptions;
  /** in the kernel's list order (newest added first) — formatters sort for display themselves */
  dests: DestSnapshot[];
  stats: Counters;
  rate: Counters;
}

export interface ConnSnapshot {
  protocol: Protocol;
  /** true for persistence templates */
  template: boolean;
  client: { addr: string; port: number };
  virtual: { addr: string; port: number };
  dest: { addr: string; port: number };
  /** NONE, ESTABLISHED, SYN_RECV, ... or UDP */
  state: string;
  /** seconds left before expiry, as /proc/net/ip_vs_conn prints it */
  expiresIn: number;
  fwmark?: number;
}

export interface IpvsSnapshot {
  /** the connection hash table size shown as "(size=4096)" */
  tableSize: number;
  services: ServiceSnapshot[];
  connections: ConnSnapshot[];
  timeouts: { tcp: number; tcpfin: number; udp: number };
  daemons: SyncDaemonOptions[];
  totals: { stats: Counters; rate: Counters };
}

/**
 * The headers the data plane needs from one packet. IPv4: `saddr`/`daddr` (and no `af`). IPv6: `af`
 * AF_INET6 and the addresses in `saddr6`/`daddr6` (`saddr`/`daddr` are not read; give 0); the
 * core copies what it keeps, so a caller may reuse the arrays for the next packet.
 */
export interface PacketHeaders {
  /** IPPROTO_TCP or IPPROTO_UDP (IPv6: the upper-layer protocol after any extension headers) */
  proto: number;
  saddr: number;
  daddr: number;
  /** AF_INET6 for an IPv6 packet; absent or AF_INET for IPv4 */
  af?: AddressFamily;
  saddr6?: In6Addr;
  daddr6?: In6Addr;
  sport: number;
  dport: number;
  /** the TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10); 0 for UDP */
  tcpFlags: number;
  /** IP total length, for the byte counters (IPv6: 40 + payload length, the skb's length) */
  length: number;
  /** the skb mark the packet carried when queued (fwmark services) */
  fwmark: number;
}

/**
 * What the data plane does with a packet. An address is IPv4 in `daddr`/`saddr` unless the `…6`
 * field is there: then it is IPv6 (and the number is 0). NAT and DR keep the packet's family (the
 * kernel refuses mixed-family NAT/DR dests); a tunnel's outer family is the real server's, which may
 * differ from the packet's (an IPv6 service with an IPv4 TUN dest: IPv6 in IPv4).
 */
export type Verdict =
  | { action: 'accept' } // not IPVS traffic (or nothing to change): let it through untouched
  | { action: 'drop'; reason: string }
  | { action: 'reject'; reason: string } // new conn with no destination: ICMP(v6) port unreachable, no entry
  | { action: 'dnat'; daddr: number; dport: number; daddr6?: In6Addr } // NAT, client -> real server
  | { action: 'snat'; saddr: number; sport: number; saddr6?: In6Addr } // NAT, real server reply -> client
  | { action: 'route'; daddr: number; daddr6?: In6Addr } // DR: forward unchanged to this real server
  | { action: 'tunnel'; daddr: number; daddr6?: In6Addr }; // TUN: encapsulate to this real server

export interface IpvsadmResult {
  stdout: string;
  stderr: string;
  /** ipvsadm's exit status */
  status: number;
}

/** Time as the core sees it: injectable so tests advance it instead of sleeping. */
export interface Clock {
  /** milliseconds, monotonic */
  now(): number;
}
