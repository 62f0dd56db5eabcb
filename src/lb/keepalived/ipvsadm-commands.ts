// The IPVS table a virtual_server block means, as ipvsadm argument lines (without `ipvsadm`), in the
// state keepalived's checker sets up at start: keepalived adds every real server as alive unless
// `alpha` says checked servers start down; a down server is left out, or kept with weight 0 under
// inhibit_on_failure; below quorum the sorry server stands in for the alive ones.
import { KEEPALIVED_DEFAULTS } from './defaults.js';
import type { KeepalivedConfig, LvsMethod, RealServer, VirtualServer } from './types.js';

/** ipvsadm's ADDR:PORT: an IPv6 address in brackets ([2001:db8::112]:80). */
export function ipvsadmEndpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** ipvsadm's service arguments for a virtual_server: ['-t', '192.168.1.112:80'], ['-f', '7'] */
export function serviceArgvOf(vs: VirtualServer): string[] {
  if (vs.target.kind === 'fwmark') return ['-f', String(vs.target.fwmark), ...(vs.af === 6 ? ['-6'] : [])];
  const proto = vs.protocol ?? KEEPALIVED_DEFAULTS.protocol;
  const flag = proto === 'UDP' ? '-u' : proto === 'SCTP' ? '--sctp-service' : '-t';
  return [flag, ipvsadmEndpoint(vs.target.ip, vs.target.port)];
}

const serviceArgs = (vs: VirtualServer): string => serviceArgvOf(vs).join(' ');

/** ipvsadm's forwarding flag for an lvs_method (keepalived's NAT where none is set). */
export function methodFlagOf(method: LvsMethod | undefined): string {
  const m = method ?? KEEPALIVED_DEFAULTS.lvsMethod;
  return m === 'DR' ? '-g' : m === 'TUN' ? '-i' : '-m';
}

/** A real server's forwarding flag: its own lvs_method, else the virtual server's. */
export function rsMethodFlag(vs: VirtualServer, rs: RealServer): string {
  return methodFlagOf(rs.lvsMethod ?? vs.lvsMethod);
}

/** The sorry server's forwarding flag: sorry_server_lvs_method, else the virtual server's. */
export function sorryMethodFlag(vs: VirtualServer): string {
  return methodFlagOf(vs.sorryServerLvsMethod ?? vs.lvsMethod);
}

/** Whether keepalived counts the real server alive when it starts. */
export function aliveAtStart(vs: VirtualServer, rs: RealServer): boolean {
  return !(rs.alpha ?? vs.alpha) || rs.checks.length === 0;
}

function destLine(vs: VirtualServer, addr: string, port: number, method: string, weight: number, rs?: RealServer): string {
  // a fwmark service's real servers keep their own port (0 means "the packet's port")
  const parts = ['-a', serviceArgs(vs), '-r', ipvsadmEndpoint(addr, port), method, '-w', String(weight)];
  if (rs?.uthreshold !== undefined) parts.push('-x', String(rs.uthreshold));
  if (rs?.lthreshold !== undefined) parts.push('-y', String(rs.lthreshold));
  return parts.join(' ');
}

/** A virtual_server's quorum and hysteresis (the parser's checkValidate has capped them as keepalived does). */
export function quorumOf(vs: VirtualServer): { quorum: number; hysteresis: number } {
  return { quorum: vs.quorum ?? KEEPALIVED_DEFAULTS.quorum, hysteresis: vs.hysteresis ?? 0 };
}

/**
 * Whether a virtual server starts with quorum (ipwrapper.c): keepalived sets quorum_state_up before
 * any real server is alive, so it starts down, and init_service_vs's update_quorum_state brings it
 * up only where the alive weight reaches quorum + hysteresis.
 */
export function startsWithQuorum(aliveWeight: number, q: { quorum: number; hysteresis: number }): boolean {
  return aliveWeight >= q.quorum + q.hysteresis;
}

/** ipvsadm argument lines for one virtual_server: the service, then its real servers in file order. */
export function toIpvsadmCommands(vs: VirtualServer): string[] {
  const svc = ['-A', serviceArgs(vs), '-s', vs.lvsSched ?? KEEPALIVED_DEFAULTS.lvsSched];
  if (vs.schedFlags.length) svc.push('-b', vs.schedFlags.join(','));
  if (vs.persistenceTimeout !== undefined) {
    svc.push('-p', String(vs.persistenceTimeout));
    if (vs.persistenceGranularity) svc.push('-M', vs.persistenceGranularity);
    // ipvs_set_srule: the engine goes with the persistence, not without it
    if (vs.persistenceEngine) svc.push('--pe', vs.persistenceEngine);
  }
  if (vs.ops) svc.push('-o');
  const lines = [svc.join(' ')];
  let aliveWeight = 0;
  const alive: RealServer[] = [];
  for (const rs of vs.realServers) {
    const weight = rs.weight ?? KEEPALIVED_DEFAULTS.weight;
    if (aliveAtStart(vs, rs)) {
      lines.push(destLine(vs, rs.ip, rs.port, rsMethodFlag(vs, rs), weight, rs));
      aliveWeight += weight;
      alive.push(rs);
    } else if (rs.inhibitOnFailure) {
      lines.push(destLine(vs, rs.ip, rs.port, rsMethodFlag(vs, rs), 0, rs));
    }
  }
  if (vs.sorryServer && !startsWithQuorum(aliveWeight, quorumOf(vs))) {
    // "Starting with quorum down": the alive real servers leave again (perform_quorum_state; an
    // inhibit_on_failure one stays at weight 0) and the sorry server comes in
    for (const rs of alive) {
      const dest = ipvsadmEndpoint(rs.ip, rs.port);
      lines.push(rs.inhibitOnFailure ? `-e ${serviceArgs(vs)} -r ${dest} ${rsMethodFlag(vs, rs)} -w 0` : `-d ${serviceArgs(vs)} -r ${dest}`);
    }
    lines.push(destLine(vs, vs.sorryServer.ip, vs.sorryServer.port, sorryMethodFlag(vs), 1));
  } else if (vs.sorryServer && vs.sorryServerInhibit) {
    // sorry_server_inhibit: keepalived keeps it in the table with weight 0 while quorum holds
    lines.push(destLine(vs, vs.sorryServer.ip, vs.sorryServer.port, sorryMethodFlag(vs), 0));
  }
  return lines;
}

/** Everything a keepalived.conf puts in IPVS at start: timeouts, then each virtual_server. */
export function configToIpvsadmCommands(config: KeepalivedConfig): string[] {
  const lines: string[] = [];
  const t = config.globalDefs.lvsTimeouts;
  // ipvsadm --set takes all three; 0 leaves a value unchanged, as keepalived's unset fields do
  if (t) lines.push(`--set ${t.tcp ?? 0} ${t.tcpfin ?? 0} ${t.udp ?? 0}`);
  if (config.globalDefs.lvsFlush) lines.push('-C');
  for (const vs of config.virtualServers) lines.push(...toIpvsadmCommands(vs));
  return lines;
}
