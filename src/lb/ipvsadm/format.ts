// formatIpvsadm(): what an IpvsCommand prints on stdout, given the state it ran against.
import type { IpvsCommand, IpvsSnapshot, ListOptions, SyncDaemonOptions } from '../ipvs/types.js';
import { EXIT_LIST, IpvsadmError, kernelErrorMessage } from './errors.js';
import { formatConnections } from './format-conns.js';
import { type ListFormat, PLAIN_FORMAT, formatListAll, formatListService } from './format-services.js';
import { usageText, versionText } from './usage.js';
import { type IpvsadmEnv, programOf, resolverOf } from './env.js';

function listFormat(o: ListOptions): ListFormat {
  return {
    numeric: o.numeric,
    rule: false,
    stats: o.stats,
    rate: o.rate,
    thresholds: o.thresholds,
    persistentConn: o.persistentConn,
    nosort: !o.sort,
    exact: o.exact,
    tunInfo: o.tunInfo,
  };
}

/** list_timeout(). */
export function formatTimeouts(t: IpvsSnapshot['timeouts']): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp | 0} ${t.tcpfin | 0} ${t.udp | 0}\n`;
}

/** list_daemon(): the master line first, then the backup line (the kernel's dump order). */
export function formatDaemons(daemons: readonly SyncDaemonOptions[]): string {
  let out = '';
  for (const state of ['master', 'backup'] as const) {
    const d = daemons.find((x) => x.state === state);
    if (!d) continue;
    out += `${state} sync daemon (mcast=${d.mcastInterface}, syncid=${d.syncId | 0}`;
    if (d.syncMaxLen) out += `, maxlen=${d.syncMaxLen >>> 0}`;
    if (d.mcastGroup !== undefined) out += `, group=${d.mcastGroup}`;
    if (d.mcastPort) out += `, port=${d.mcastPort >>> 0}`;
    if (d.mcastTtl) out += `, ttl=${d.mcastTtl >>> 0}`;
    out += ')\n';
  }
  return out;
}

/**
 * The stdout of a listing command (-L/-l and its variants, -S, --help, --version) against
 * `snapshot`; '' for commands that print nothing when they succeed. `-L -t/-u/-f` of a service that
 * does not exist throws IpvsadmError("No such service", 1) as ipvsadm exits.
 */
export function formatIpvsadm(cmd: IpvsCommand, snapshot: IpvsSnapshot, env: IpvsadmEnv = {}): string {
  const resolver = resolverOf(env);
  switch (cmd.op) {
    case 'list': {
      const o = cmd.options;
      if (o.connections) return formatConnections(snapshot.connections, o.persistentConn, o.numeric, resolver);
      if (cmd.service) {
        const text = formatListService(snapshot, cmd.service, listFormat(o), resolver);
        if (text === undefined) throw new IpvsadmError(`${kernelErrorMessage('get-service', 'ESRCH')}\n`, EXIT_LIST, true);
        return text;
      }
      if (o.timeout) return formatTimeouts(snapshot.timeouts);
      if (o.daemon) return formatDaemons(snapshot.daemons);
      return formatListAll(snapshot, listFormat(o), resolver);
    }
    case 'save':
      return formatListAll(snapshot, { ...PLAIN_FORMAT, rule: true, numeric: cmd.numeric }, resolver);
    case 'help':
      return usageText(programOf(env));
    case 'version':
      return versionText();
    default:
      return '';
  }
}
