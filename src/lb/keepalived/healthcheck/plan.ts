// What keepalived's checker process does for each virtual_server, read from its block: every checker
// of every real server (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK — a server is alive while all of them
// pass), their timing (delay_loop, retry, delay_before_retry, warmup, connect_timeout, misc_timeout),
// and the virtual server's pool rules (quorum, hysteresis, sorry_server, alpha/omega, notify scripts).
// Defaults are keepalived 2.2's (check_tcp.c, check_http.c, check_misc.c, check_data.c).
import { parseKeepalivedConf } from '../parse.js';
import type { HealthCheck, RealServer, VirtualServer } from '../types.js';
import { KEEPALIVED_DEFAULTS } from '../defaults.js';
import { aliveAtStart, ipvsadmEndpoint, quorumOf, rsMethodFlag, serviceArgvOf, sorryMethodFlag } from '../ipvsadm-commands.js';

export interface ResolvedTcpProbe {
  kind: 'tcp';
  host: string;
  port: number;
  timeoutMs: number;
}
export interface ResolvedUrl {
  path: string;
  status: (code: number) => boolean;
  /** lower-case hex MD5 of the body */
  digest?: string;
}
export interface ResolvedHttpProbe {
  kind: 'http';
  /** SSL_GET: the same request over TLS */
  tls: boolean;
  host: string;
  port: number;
  timeoutMs: number;
  /** each url must answer with an allowed status (and digest); keepalived checks them in turn */
  urls: ResolvedUrl[];
  virtualhost?: string;
}
export interface ResolvedMiscProbe {
  kind: 'misc';
  script: string;
  timeoutMs: number;
  /** misc_dynamic: the exit code sets the weight (misc.ts) */
  dynamic: boolean;
}
export type ResolvedProbe = ResolvedTcpProbe | ResolvedHttpProbe | ResolvedMiscProbe;

/** One checker of one real server. */
export interface CheckPlan {
  /** TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK */
  type: HealthCheck['type'];
  /** `[10.0.0.102]:tcp:80`, as keepalived logs the real server */
  rsLabel: string;
  /** the address the checker talks to, as keepalived logs it (connect_ip/connect_port) */
  checkLabel: string;
  /** `[192.168.1.112]:tcp:80` */
  vsLabel: string;
  /** `10.0.0.102:80` */
  dest: string;
  delayLoopMs: number;
  retries: number;
  delayBeforeRetryMs: number;
  /** the first check comes a random time up to this after start */
  warmupMs: number;
  probe: ResolvedProbe;
}

export interface RealServerPlan {
  rsLabel: string;
  dest: string;
  /** -m / -g / -i: its lvs_method, else the virtual server's */
  methodFlag: string;
  weight: number;
  inhibitOnFailure: boolean;
  notifyUp?: string;
  notifyDown?: string;
  aliveAtStart: boolean;
  checkers: CheckPlan[];
}

export interface VirtualServerPlan {
  vsLabel: string;
  /** ipvsadm service args: ['-t', '192.168.1.112:80'] */
  serviceArgs: string[];
  quorum: number;
  hysteresis: number;
  quorumUp?: string;
  quorumDown?: string;
  sorry?: { rsLabel: string; dest: string; methodFlag: string; inhibit: boolean };
  omega: boolean;
  realServers: RealServerPlan[];
}

/** Parse keepalived's status_code: `200`, `200-299`, or a comma list of either. */
export function parseStatusCodes(spec: string | undefined): (code: number) => boolean {
  if (spec === undefined) return (c) => c >= 200 && c <= 299;
  const ranges = spec.split(',').map((part) => {
    const m = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
    if (!m) throw new Error(`status_code: '${part}' is not a status code or a range like 200-299`);
    return [Number(m[1]), Number(m[2] ?? m[1])] as const;
  });
  return (c) => ranges.some(([lo, hi]) => c >= lo && c <= hi);
}

/** A url's digest: 32 hex digits (keepalived compares MD5s case-insensitively). */
export function parseDigest(spec: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(spec)) throw new Error(`digest '${spec}' character length should be 32 hex digits (an MD5)`);
  return spec.toLowerCase();
}

const label = (ip: string, proto: string, port: number) => `[${ip}]:${proto}:${port}`;

/** The checker plan of a virtual_server: its real servers with their checkers, and its pool rules. */
export function plansFor(vs: VirtualServer): VirtualServerPlan {
  const proto = (vs.protocol ?? KEEPALIVED_DEFAULTS.protocol).toLowerCase();
  const vsLabel = vs.target.kind === 'fwmark' ? `FWM ${vs.target.fwmark}` : label(vs.target.ip, proto, vs.target.port);
  const realServers = vs.realServers.map((rs) => ({
    rsLabel: label(rs.ip, proto, rs.port),
    dest: ipvsadmEndpoint(rs.ip, rs.port),
    methodFlag: rsMethodFlag(vs, rs),
    weight: rs.weight ?? KEEPALIVED_DEFAULTS.weight,
    inhibitOnFailure: rs.inhibitOnFailure,
    ...(rs.notifyUp ? { notifyUp: rs.notifyUp } : {}),
    ...(rs.notifyDown ? { notifyDown: rs.notifyDown } : {}),
    aliveAtStart: aliveAtStart(vs, rs),
    checkers: rs.checks.map((c) => checkPlanOf(vs, rs, c, { vsLabel, proto, delayLoopMs: (rs.delayLoop ?? vs.delayLoop ?? KEEPALIVED_DEFAULTS.delayLoop) * 1000 })),
  }));
  return {
    vsLabel,
    serviceArgs: serviceArgvOf(vs),
    ...quorumOf(vs),
    ...(vs.quorumUp ? { quorumUp: vs.quorumUp } : {}),
    ...(vs.quorumDown ? { quorumDown: vs.quorumDown } : {}),
    ...(vs.sorryServer
      ? { sorry: { rsLabel: label(vs.sorryServer.ip, proto, vs.sorryServer.port), dest: ipvsadmEndpoint(vs.sorryServer.ip, vs.sorryServer.port), methodFlag: sorryMethodFlag(vs), inhibit: vs.sorryServerInhibit ?? false } }
      : {}),
    omega: vs.omega,
    realServers,
  };
}

function checkPlanOf(vs: VirtualServer, rs: RealServer, check: HealthCheck, ctx: { vsLabel: string; proto: string; delayLoopMs: number }): CheckPlan {
  const common = {
    type: check.type,
    rsLabel: label(rs.ip, ctx.proto, rs.port),
    vsLabel: ctx.vsLabel,
    dest: ipvsadmEndpoint(rs.ip, rs.port),
    delayLoopMs: ctx.delayLoopMs,
    // keepalived: the checker's own, else the real server's (the parser filled those in from the
    // virtual server's), else the checker type's default
    warmupMs: (check.warmup ?? rs.warmup) !== undefined ? (check.warmup ?? rs.warmup)! * 1000 : ctx.delayLoopMs,
  };
  if (check.type === 'MISC_CHECK') {
    return {
      ...common,
      checkLabel: common.rsLabel,
      // check_misc.c: no retries unless asked; misc_timeout defaults to delay_loop
      retries: check.retry ?? rs.retry ?? 0,
      delayBeforeRetryMs: (check.delayBeforeRetry ?? rs.delayBeforeRetry ?? 1) * 1000,
      probe: { kind: 'misc', script: check.miscPath, timeoutMs: check.miscTimeout !== undefined ? check.miscTimeout * 1000 : ctx.delayLoopMs, dynamic: check.miscDynamic },
    };
  }
  const host = check.connectIp ?? rs.ip;
  const port = check.connectPort ?? rs.port;
  const timeoutMs = (check.connectTimeout ?? rs.connectTimeout ?? KEEPALIVED_DEFAULTS.connectTimeout) * 1000;
  const probe: ResolvedProbe =
    check.type === 'TCP_CHECK'
      ? { kind: 'tcp', host, port, timeoutMs }
      : {
          kind: 'http',
          tls: check.type === 'SSL_GET',
          host,
          port,
          timeoutMs,
          urls: check.urls.map((u) => ({ path: u.path, status: parseStatusCodes(u.statusCode), ...(u.digest ? { digest: parseDigest(u.digest) } : {}) })),
          ...(check.virtualhost ?? vs.virtualhost ? { virtualhost: check.virtualhost ?? vs.virtualhost } : {}),
        };
  return {
    ...common,
    checkLabel: label(host, ctx.proto, port),
    retries: check.retry ?? rs.retry ?? 1,
    delayBeforeRetryMs: (check.delayBeforeRetry ?? rs.delayBeforeRetry ?? (check.type === 'TCP_CHECK' ? 1 : 3)) * 1000,
    probe,
  };
}

/**
 * Checker plans of a keepalived.conf: every virtual_server with checked real servers, and (flat) all
 * their checkers.
 */
export function checkerPlans(keepalivedConf: string): { virtualServers: VirtualServerPlan[]; plans: CheckPlan[] } {
  const { config } = parseKeepalivedConf(keepalivedConf);
  const virtualServers = config.virtualServers.map(plansFor).filter((v) => v.realServers.some((r) => r.checkers.length > 0));
  return { virtualServers, plans: virtualServers.flatMap((v) => v.realServers.flatMap((r) => r.checkers)) };
}
