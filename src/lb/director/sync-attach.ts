// Wires the sync daemons to the embedded IPVS core the way the kernel's pieces meet: the core hands
// `ipvsadm --start/--stop-daemon` to the daemons (its DaemonControl), reports every client packet
// after its state transition (ip_vs_in -> ip_vs_sync_conn), and takes the backup's records through
// importSyncedConn (ip_vs_proc_conn). Only the director process does this; `lvslab simulate` runs
// the core without sockets.
import type { SyncDaemonOptions } from '../ipvs/types.js';
import type { ProtoTimeouts } from '../ipvs/proto.js';
import type { SyncedConnImport } from '../ipvs/sync/apply.js';
import { DEFAULT_SYNC_SETTINGS, markSyncedConn, type SyncSource } from '../ipvs/sync/master.js';
import { SyncDaemons, type SyncDaemonsOptions } from '../ipvs/sync/sync-daemon.js';
import { lookupInterfaceSync } from './sync-netif.js';
import { dgramTransport } from './sync-transport.js';

/** The daemon control the core calls for --start-daemon / --stop-daemon / the snapshot's daemons. */
export interface DaemonControlLike {
  start(opts: SyncDaemonOptions): void;
  stop(state: 'master' | 'backup' | undefined): void;
  list(): SyncDaemonOptions[];
}

/** What the sync engine uses of the core: the Ipvs class has exactly these members. */
export interface SyncableCore<ConnT extends SyncSource = SyncSource> {
  importSyncedConn(c: SyncedConnImport): ConnT | null;
  protoTimeouts(): ProtoTimeouts;
  observe(o: { inbound?(c: ConnT): void }): () => void;
  readonly conns: {
    inGet(protocol: number, caddr: number, cport: number, vaddr: number, vport: number): ConnT | null;
    templateGet(protocol: number, caddr: number, vaddr: number, vport: number): ConnT | null;
  };
}

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
  opts: Partial<Omit<SyncDaemonsOptions, 'target'>> = {},
): { core: C; sync: SyncDaemons } {
  let core: C | undefined;
  const settings = opts.settings ?? DEFAULT_SYNC_SETTINGS;
  const sync = new SyncDaemons({
    transport: dgramTransport,
    lookup: lookupInterfaceSync,
    ...opts,
    target: {
      importSyncedConn(c) {
        if (!core) return;
        // ip_vs_proc_conn also sets in_pkts = sync_threshold and old_state = state on the entry
        // (new or updated), which decides when this director resends it once it is master.
        const cp = core.importSyncedConn(c);
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
