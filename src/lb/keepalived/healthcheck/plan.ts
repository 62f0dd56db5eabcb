// What keepalived's checker does for each real server, read from a virtual_server block: which
// probe (TCP_CHECK connect, HTTP_GET urls and status codes), its timing (delay_loop, retry,
// delay_before_retry, connect_timeout) and the ipvsadm arguments that take the server out of the
// service and put it back (check_tcp.c / check_http.c settings with keepalived's defaults).
import { parseKeepalivedConf } from '../parse.js';
import type { HealthCheck, HttpCheck, RealServer, TcpCheck, VirtualServer } from '../types.js';
import { KEEPALIVED_DEFAULTS } from '../defaults.js';

export interface ResolvedTcpProbe {
  kind: 'tcp';
  host: string;
  port: number;
  timeoutMs: number;
}
export interface ResolvedHttpProbe {
  kind: 'http';
  host: string;
  port: number;
  timeoutMs: number;
  /** each url must answer with an allowed status (keepalived checks them in turn) */
  urls: Array<{ path: string; status: (code: number) => boolean; digest?: string }>;
  virtualhost?: string;
}
export type ResolvedProbe = ResolvedTcpProbe | ResolvedHttpProbe;

/** The timing and action parameters of one real server's checker. */
export interface CheckPlan {
  /** `[10.0.0.102]:tcp:80`, as keepalived logs a real server */
  rsLabel: string;
  /** `[192.168.1.112]:tcp:80` */
  vsLabel: string;
  /** ipvsadm service args: ['-t', '192.168.1.112:80'] */
  serviceArgs: string[];
  dest: string;
  /** -m / -g / -i */
  methodFlag: string;
  weight: number;
  inhibitOnFailure: boolean;
  delayLoopMs: number;
  retries: number;
  delayBeforeRetryMs: number;
  probe: ResolvedProbe;
  aliveAtStart: boolean;
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

function protoName(vs: VirtualServer): string {
  return (vs.protocol ?? KEEPALIVED_DEFAULTS.protocol).toLowerCase();
}

function serviceArgsOf(vs: VirtualServer): string[] {
  if (vs.target.kind === 'fwmark') return ['-f', String(vs.target.fwmark)];
  const proto = vs.protocol ?? KEEPALIVED_DEFAULTS.protocol;
  const flag = proto === 'UDP' ? '-u' : proto === 'SCTP' ? '--sctp-service' : '-t';
  return [flag, `${vs.target.ip}:${vs.target.port}`];
}

function methodFlagOf(vs: VirtualServer): string {
  const m = vs.lvsMethod ?? KEEPALIVED_DEFAULTS.lvsMethod;
  return m === 'DR' ? '-g' : m === 'TUN' ? '-i' : '-m';
}

/**
 * The checker plans of a virtual_server: one per real server with a TCP_CHECK or HTTP_GET (the first
 * such check; keepalived ANDs several, which we do not). Real servers without checks are left as
 * configured. MISC_CHECK and SSL_GET are reported in `skipped`.
 */
export function plansFor(vs: VirtualServer): { plans: CheckPlan[]; skipped: string[] } {
  const plans: CheckPlan[] = [];
  const skipped: string[] = [];
  const proto = protoName(vs);
  const vsLabel = vs.target.kind === 'fwmark' ? `FWM ${vs.target.fwmark}` : `[${vs.target.ip}]:${proto}:${vs.target.port}`;
  const delayLoopMs = (vs.delayLoop ?? KEEPALIVED_DEFAULTS.delayLoop) * 1000;
  for (const rs of vs.realServers) {
    const check = rs.checks.find((c): c is TcpCheck | HttpCheck => c.type === 'TCP_CHECK' || c.type === 'HTTP_GET');
    for (const c of rs.checks as HealthCheck[]) if (c !== check) skipped.push(`${rs.ip}:${rs.port}: ${c.type} not run by the embedded checker`);
    if (!check) continue;
    plans.push(planOf(vs, rs, check, { vsLabel, proto, delayLoopMs }));
  }
  return { plans, skipped };
}

function planOf(
  vs: VirtualServer,
  rs: RealServer,
  check: TcpCheck | HttpCheck,
  ctx: { vsLabel: string; proto: string; delayLoopMs: number },
): CheckPlan {
  const host = check.connectIp ?? rs.ip;
  const port = check.connectPort ?? rs.port;
  const timeoutMs = (check.connectTimeout ?? KEEPALIVED_DEFAULTS.connectTimeout) * 1000;
  const probe: ResolvedProbe =
    check.type === 'TCP_CHECK'
      ? { kind: 'tcp', host, port, timeoutMs }
      : {
          kind: 'http',
          host,
          port,
          timeoutMs,
          urls: check.urls.map((u) => ({ path: u.path, status: parseStatusCodes(u.statusCode), ...(u.digest ? { digest: u.digest } : {}) })),
          ...(check.virtualhost ?? vs.virtualhost ? { virtualhost: check.virtualhost ?? vs.virtualhost } : {}),
        };
  return {
    rsLabel: `[${rs.ip}]:${ctx.proto}:${rs.port}`,
    vsLabel: ctx.vsLabel,
    serviceArgs: serviceArgsOf(vs),
    dest: `${rs.ip}:${rs.port}`,
    methodFlag: methodFlagOf(vs),
    weight: rs.weight ?? KEEPALIVED_DEFAULTS.weight,
    inhibitOnFailure: rs.inhibitOnFailure,
    delayLoopMs: ctx.delayLoopMs,
    retries: check.retry ?? 1,
    delayBeforeRetryMs: (check.delayBeforeRetry ?? (check.type === 'HTTP_GET' ? 3 : 1)) * 1000,
    probe,
    aliveAtStart: !vs.alpha,
  };
}

/** Checker plans of a keepalived.conf: every virtual_server's checked real servers. */
export function checkerPlans(keepalivedConf: string): { plans: CheckPlan[]; skipped: string[] } {
  const { config } = parseKeepalivedConf(keepalivedConf);
  const plans: CheckPlan[] = [];
  const skipped: string[] = [];
  for (const vs of config.virtualServers) {
    const r = plansFor(vs);
    plans.push(...r.plans);
    skipped.push(...r.skipped);
  }
  for (const p of plans) {
    if (p.probe.kind === 'http' && p.probe.urls.some((u) => u.digest)) skipped.push(`${p.dest}: HTTP_GET digest is not checked (status code only)`);
  }
  return { plans, skipped };
}
