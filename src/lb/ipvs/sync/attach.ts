// Wires the sync daemons to the embedded IPVS core the way the kernel's pieces meet: the core hands
// `ipvsadm --start/--stop-daemon` to the daemons (its DaemonControl), reports every client packet
// after its state transition (ip_vs_in -> ip_vs_sync_conn), and takes the backup's records through
// importSyncedConn (ip_vs_proc_conn). Only the director process does this; `lvslab simulate` runs
// the core without sockets.
import type { SyncDaemonOptions } from '../types.js';
import type { ProtoTimeouts } from '../proto.js';
import type { SyncedConnImport } from './apply.js';
import { DEFAULT_SYNC_SETTINGS, markSyncedConn, type SyncSource } from './master.js';
import { SyncDaemons, type SyncDaemonsOptions } from './sync-daemon.js';

/** The daemon control the core calls for --start-daemon / --stop-daemon / the snapshot's daemons. */
export interface DaemonControlLike {
  start(opts: SyncDaemonOptions): void;
  stop(state: 'master' | 'backup' | undefined): void;
  list(): SyncDaemonOptions[];
}

/** What the sync engine uses of the core: the Ipvs class has exactly these members. */
export interface SyncableCore<ConnT extends SyncSource = SyncSource> {
  importSyncedConn(c: SyncedConnImport): void;
  protoTimeouts(): ProtoTimeouts;
  observe(o: { inbound?(c: ConnT): void }): () => void;
  readonly conns: {
    inGet(protocol: number, caddr: number, cport: number, vaddr: number, vport: number): ConnT | null;
    templateGet(protocol: number, caddr: number, vaddr: number, vport: number): ConnT | null;
  };
}

function int32(dotted: string): number {
  const p = dotted.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) | 0;
}

const IPPROTO_IP = 0;

const daemonsByCore = new WeakMap<object, SyncDaemons>();

/** The sync daemons attached to a core by createSyncedCore (for status and tests). */
export function syncDaemonsOf(core: object): SyncDaemons | undefined {
  return daemonsByCore.get(core);
}

/**
 * Build a core with live sync daemons: `make` receives the daemon control to pass as the core's
 * `daemons` option. Returns the core and the daemons (for status and shutdown).
 */
export function createSyncedCore<ConnT extends SyncSource, C extends SyncableCore<ConnT>>(
  make: (daemons: DaemonControlLike) => C,
  opts: Omit<SyncDaemonsOptions, 'target'> = {},
): { core: C; sync: SyncDaemons } {
  let core: C | undefined;
  const settings = opts.settings ?? DEFAULT_SYNC_SETTINGS;
  const sync = new SyncDaemons({
    ...opts,
    target: {
      importSyncedConn(c) {
        if (!core) return;
        core.importSyncedConn(c);
        // ip_vs_proc_conn also sets in_pkts = sync_threshold and old_state = state on the entry
        // (new or updated), which decides when this director resends it once it is master.
        const proto = c.protocol === 'tcp' ? 6 : 17;
        const caddr = int32(c.client.addr);
        let cp: ConnT | null;
        if (c.template) {
          const fwmarkTpl = c.fwmark !== 0 && c.virtual.port === 0;
          cp = core.conns.templateGet(fwmarkTpl ? IPPROTO_IP : proto, caddr, fwmarkTpl ? c.fwmark | 0 : int32(c.virtual.addr), c.virtual.port);
        } else {
          cp = core.conns.inGet(proto, caddr, c.client.port, int32(c.virtual.addr), c.virtual.port);
        }
        if (cp) markSyncedConn(cp, (opts.clock ?? { now: () => performance.now() }).now(), settings);
      },
      protoTimeouts: () => (core ? core.protoTimeouts() : { tcp: [], udp: 300 }),
    },
  });
  core = make(sync);
  core.observe({ inbound: (c) => sync.incomingPacket(c) });
  daemonsByCore.set(core, sync);
  return { core, sync };
}
