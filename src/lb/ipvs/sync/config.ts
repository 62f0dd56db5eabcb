// What `ipvsadm --start-daemon` configures (start_sync_thread): the defaults and clamps the kernel
// applies, and the record a core keeps of its daemons when nothing runs them (`lvslab simulate`,
// unit tests); the director plugs in the real daemons (daemon.ts) instead.
import type { Errno } from '../errno.js';
import type { DaemonControl, SyncDaemonOptions } from '../types.js';

/** IP + UDP headers taken off the MTU for sync_maxlen */
export const SYNC_HEADERS_LEN = 28;

export interface ResolvedDaemonConfig {
  state: 'master' | 'backup';
  mcastInterface: string;
  syncId: number;
  group: string;
  port: number;
  ttl: number;
  maxLen: number;
}

/**
 * start_sync_thread's defaults and clamps: group 224.0.0.81, port 8848, TTL 1; sync_maxlen from
 * the MTU (master: 1500; backup: the device MTU clamped to 1500..65535) minus 28, or the given
 * value clamped to master 1.. / backup 1024.. 65507.
 */
export function resolveDaemonConfig(
  o: { state: 'master' | 'backup'; mcastInterface: string; syncId: number; syncMaxLen?: number; mcastGroup?: string; mcastPort?: number; mcastTtl?: number },
  deviceMtu: number,
): ResolvedDaemonConfig {
  const mtu = o.state === 'backup' ? Math.min(65535, Math.max(1500, deviceMtu)) : 1500;
  const minMtu = o.state === 'backup' ? 1024 : 1;
  const maxLen = o.syncMaxLen ? Math.min(65535 - SYNC_HEADERS_LEN, Math.max(minMtu, o.syncMaxLen)) : mtu - SYNC_HEADERS_LEN;
  return {
    state: o.state,
    mcastInterface: o.mcastInterface,
    syncId: o.syncId,
    group: o.mcastGroup ?? '224.0.0.81',
    port: o.mcastPort || 8848,
    ttl: o.mcastTtl || 1,
    maxLen,
  };
}

/** A running daemon as `ipvsadm -L --daemon` lists it: with the values it resolved to. */
export function listedDaemon(c: ResolvedDaemonConfig): SyncDaemonOptions {
  return { state: c.state, mcastInterface: c.mcastInterface, syncId: c.syncId, syncMaxLen: c.maxLen, mcastGroup: c.group, mcastPort: c.port, mcastTtl: c.ttl };
}

/** A refusal as the daemon control reports it: an error carrying the kernel's errno. */
function refusal(errno: Errno, message: string): Error {
  return Object.assign(new Error(message), { errno });
}

/**
 * The daemons a core records without running them: start and stop refuse what the kernel refuses
 * (a second daemon of a state, stopping one that is not there), and the listing shows the kernel's
 * defaults for an interface with the usual 1500-byte MTU.
 */
export class DaemonRecord implements DaemonControl {
  private readonly daemons: SyncDaemonOptions[] = [];

  start(o: SyncDaemonOptions): void {
    if (this.daemons.some((d) => d.state === o.state)) throw refusal('EEXIST', `a ${o.state} sync daemon is already running`);
    this.daemons.push(listedDaemon(resolveDaemonConfig(o, 1500)));
  }

  stop(state: 'master' | 'backup' | undefined): void {
    const i = this.daemons.findIndex((d) => state === undefined || d.state === state);
    if (i < 0) throw refusal('ESRCH', state ? `no ${state} sync daemon is running` : 'no sync daemon is running');
    this.daemons.splice(i, 1);
  }

  list(): SyncDaemonOptions[] {
    return this.daemons.map((d) => ({ ...d }));
  }
}
