// The master and backup sync daemons of one director, as the kernel runs them (ip_vs_sync.c's
// sync_thread_master and sync_thread_backup, at most one of each): started and stopped by
// `ipvsadm --start-daemon master|backup`, `--stop-daemon` (keepalived's lvs_sync_daemon does that). The master turns connection updates into batched v1 datagrams;
// the backup decodes datagrams, checks them as the kernel does and hands connections to the core.
//
// The IPVS core talks to this through two narrow hooks:
// - master side: call `incomingPacket(conn)` after every client->director packet a connection
//   handled (ip_vs_in's tail), with the conn's sync view (SyncSource);
// - backup side: `SyncTarget.importSyncedConn(conn)` receives every accepted record.
import type { Clock, SyncDaemonOptions } from '../types.js';
import { decodeMessage } from './decode.js';
import type { SyncInterface, SyncReceiver, SyncSender, SyncTransport } from './io.js';
import type { ProtoTimeouts } from '../proto.js';
import { acceptRecord, type SyncedConnImport } from './apply.js';
import { resolveDaemonConfig, type ResolvedDaemonConfig } from './config.js';
import {
  DEFAULT_SYNC_SETTINGS,
  SYNC_CHECK_PERIOD_MS,
  SYNC_SEND_DELAY_MS,
  SyncBatcher,
  recordFor,
  recordsForIncomingPacket,
  type SyncSettings,
  type SyncSource,
} from './master.js';

/** IPVS_SYNC_WAKEUP_RATE: this many queued full buffers wake the master thread at once. */
const SYNC_WAKEUP_RATE = 8;
/** Default sync_qlen_max; the kernel derives it from free memory (pages / 32), i.e. large. */
const DEFAULT_QLEN_MAX = 4096;

export interface SyncTarget {
  /** create or update the connection a master sent (ip_vs_proc_conn semantics, see apply.ts) */
  importSyncedConn(conn: SyncedConnImport): void;
  /** the backup's current timeout table, for records that carry timeout 0 */
  protoTimeouts?(): ProtoTimeouts;
}

export type SyncErrno = 'EEXIST' | 'ESRCH' | 'ENODEV' | 'EINVAL';

/** A start/stop failure, with the errno the kernel returns and the text ipvsadm prints for it. */
export class SyncDaemonError extends Error {
  override name = 'SyncDaemonError';
  constructor(
    readonly errno: SyncErrno,
    /** ipvsadm's message (ipvs_strerror) */
    readonly ipvsadmMessage: string,
    detail: string,
  ) {
    super(detail);
  }
}

export interface SyncDaemonStats {
  /** counters of the daemons stopped last (a VRRP switch stops one and starts the other) */
  stopped?: { master?: NonNullable<SyncDaemonStats['master']>; backup?: NonNullable<SyncDaemonStats['backup']> };
  master?: { datagramsSent: number; recordsQueued: number; sendErrors: number; buffersDropped: number };
  backup?: {
    datagramsReceived: number;
    recordsApplied: number;
    recordsSkipped: number;
    datagramsDropped: number;
    /** the last few reasons a record or datagram was refused, newest last */
    lastDrops: string[];
  };
}

export interface SyncDaemonsOptions {
  target: SyncTarget;
  clock?: Clock;
  settings?: SyncSettings;
  /** the sockets (the director's: src/lb/director/sync-transport.ts) */
  transport: SyncTransport;
  /** find the multicast interface in this namespace (the director's: src/lb/director/sync-netif.ts) */
  lookup: (name: string) => SyncInterface | undefined;
  /** kernel-style log lines ("sync thread started: ...") */
  log?: (line: string) => void;
  qlenMax?: number;
}

interface MasterRun {
  cfg: ResolvedDaemonConfig;
  /** the socket opens in the background; records queue meanwhile */
  sender: Promise<SyncSender | undefined>;
  batcher: SyncBatcher;
  timer: NodeJS.Timeout;
  wake?: NodeJS.Timeout;
  sending: Promise<void>;
  stats: NonNullable<SyncDaemonStats['master']>;
}

interface BackupRun {
  cfg: ResolvedDaemonConfig;
  receiver: Promise<SyncReceiver | undefined>;
  stats: NonNullable<SyncDaemonStats['backup']>;
}

const systemClock: Clock = { now: () => performance.now() };

export class SyncDaemons {
  private master?: MasterRun;
  private backup?: BackupRun;
  /** socket opens and closes in flight */
  private readonly pending = new Set<Promise<void>>();
  private readonly clock: Clock;
  private readonly settings: SyncSettings;
  private readonly transport: SyncTransport;
  private readonly lookup: (name: string) => SyncInterface | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: SyncDaemonsOptions) {
    this.clock = opts.clock ?? systemClock;
    this.settings = opts.settings ?? DEFAULT_SYNC_SETTINGS;
    this.transport = opts.transport;
    this.lookup = opts.lookup;
    this.log = opts.log ?? (() => {});
  }

  /** ipvs->sync_state & IP_VS_STATE_MASTER: whether connection updates are being sent */
  get isMaster(): boolean {
    return this.master !== undefined;
  }

  /** The running daemons for the snapshot (`ipvsadm -L --daemon`): master first, with resolved values. */
  list(): SyncDaemonOptions[] {
    const out: SyncDaemonOptions[] = [];
    for (const run of [this.master, this.backup]) {
      if (!run) continue;
      const c = run.cfg;
      out.push({ state: c.state, mcastInterface: c.mcastInterface, syncId: c.syncId, syncMaxLen: c.maxLen, mcastGroup: c.group, mcastPort: c.port, mcastTtl: c.ttl });
    }
    return out;
  }

  private readonly stopped: NonNullable<SyncDaemonStats['stopped']> = {};

  stats(): SyncDaemonStats {
    const s: SyncDaemonStats = {};
    if (this.stopped.master || this.stopped.backup) s.stopped = structuredClone(this.stopped);
    if (this.master) s.master = { ...this.master.stats };
    if (this.backup) s.backup = { ...this.backup.stats, lastDrops: [...this.backup.stats.lastDrops] };
    return s;
  }

  /**
   * start_sync_thread. Synchronous like the kernel's setsockopt: the daemon counts as running (and
   * is listed) at once; its socket opens in the background (`idle()` waits for that).
   */
  start(o: SyncDaemonOptions): void {
    const einval = (why: string) => new SyncDaemonError('EINVAL', 'Invalid operation.  Possibly wrong module version, address not unicast, ...', why);
    if (o.state !== 'master' && o.state !== 'backup') throw einval(`sync daemon state '${String(o.state)}' is neither master nor backup`);
    if (!Number.isInteger(o.syncId) || o.syncId < 0 || o.syncId > 255) throw einval(`syncid ${o.syncId} is outside 0..255`);
    if (o.state === 'master' ? this.master : this.backup) {
      throw new SyncDaemonError('EEXIST', 'Daemon has already run', `a ${o.state} sync daemon is already running`);
    }
    const iface = this.lookup(o.mcastInterface);
    if (!iface) throw new SyncDaemonError('ENODEV', 'No such device', `Unknown mcast interface: ${o.mcastInterface}`);
    const cfg = resolveDaemonConfig(o, iface.mtu);
    if (o.state === 'master') this.startMaster(cfg, iface);
    else this.startBackup(cfg, iface);
    this.log(`sync thread started: state = ${o.state.toUpperCase()}, mcast_ifn = ${cfg.mcastInterface}, syncid = ${cfg.syncId}, id = 0`);
  }

  /** stop_sync_thread; no state stops both (ESRCH only when neither runs). */
  stop(state?: 'master' | 'backup'): void {
    const running = (s: 'master' | 'backup') => (s === 'master' ? this.master : this.backup) !== undefined;
    const states = state ? [state] : (['master', 'backup'] as const).filter(running);
    if (states.length === 0 || !states.every(running)) {
      throw new SyncDaemonError('ESRCH', 'No daemon is running', state ? `no ${state} sync daemon is running` : 'no sync daemon is running');
    }
    for (const s of states) {
      if (s === 'master') this.stopMaster();
      else this.stopBackup();
    }
  }

  /** Stop whatever runs and wait for the sockets to close (director shutdown). */
  async close(): Promise<void> {
    if (this.master) this.stopMaster();
    if (this.backup) this.stopBackup();
    await this.idle();
  }

  /** Wait until every socket being opened or closed is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const t = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(t);
    void t.finally(() => this.pending.delete(t));
  }

  /**
   * Call after every incoming (client -> director) packet of a connection, after its state
   * transition. Counts the packet and, when master, queues the records the kernel would send.
   */
  incomingPacket(conn: SyncSource): void {
    const now = this.clock.now();
    const m = this.master;
    const due = recordsForIncomingPacket(conn, now, m !== undefined, this.settings);
    if (!m || due.length === 0) return;
    for (const c of due) {
      // recordsForIncomingPacket walks cp->control; a control that is not a full SyncSource
      // (no addresses) cannot be described and is skipped.
      if (!('caddr' in c)) continue;
      m.batcher.add(recordFor(c as SyncSource), now);
      m.stats.recordsQueued++;
    }
    m.stats.buffersDropped = m.batcher.dropped;
    if (m.batcher.queued >= SYNC_WAKEUP_RATE) this.pump(m);
    else if (m.batcher.queued > 0 && !m.wake) {
      m.wake = setTimeout(() => {
        m.wake = undefined;
        this.pump(m);
      }, SYNC_SEND_DELAY_MS);
      m.wake.unref();
    }
  }

  private startMaster(cfg: ResolvedDaemonConfig, iface: SyncInterface): void {
    if (!iface.primaryIPv4) this.log('You probably need to specify IP address on multicast interface.');
    const sender = this.transport.openSender(cfg, iface, this.log).catch((e: Error) => {
      this.log(`Error during creation of the master sync socket: ${e.message}`);
      return undefined;
    });
    this.track(sender);
    const run: MasterRun = {
      cfg,
      sender,
      batcher: new SyncBatcher({ syncId: cfg.syncId, maxLen: cfg.maxLen, qlenMax: this.opts.qlenMax ?? DEFAULT_QLEN_MAX }),
      timer: setInterval(() => this.pump(run), SYNC_CHECK_PERIOD_MS),
      sending: Promise.resolve(),
      stats: { datagramsSent: 0, recordsQueued: 0, sendErrors: 0, buffersDropped: 0 },
    };
    run.timer.unref();
    this.master = run;
  }

  /** Send the queued full buffers and the current one if it is old enough (next_sync_buff). */
  private pump(run: MasterRun, age?: number): Promise<void> {
    const out = run.batcher.take(this.clock.now(), age);
    if (out.length === 0) return run.sending;
    run.sending = run.sending.then(async () => {
      const sender = await run.sender;
      for (const d of out) {
        try {
          if (!sender) throw new Error('no socket');
          await sender.send(d);
          run.stats.datagramsSent++;
        } catch (e) {
          run.stats.sendErrors++;
          this.log(`ip_vs_send_async error ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
    });
    return run.sending;
  }

  private stopMaster(): void {
    const run = this.master;
    if (!run) return;
    this.master = undefined;
    this.stopped.master = run.stats;
    clearInterval(run.timer);
    if (run.wake) clearTimeout(run.wake);
    // The kernel's thread drops what it has not sent yet when stopped (only a send in progress
    // completes), so the current partial buffer is discarded here too.
    this.track(run.sending.then(async () => (await run.sender)?.close()));
    this.log('stopping master sync thread ...');
  }

  private startBackup(cfg: ResolvedDaemonConfig, iface: SyncInterface): void {
    const stats: BackupRun['stats'] = { datagramsReceived: 0, recordsApplied: 0, recordsSkipped: 0, datagramsDropped: 0, lastDrops: [] };
    const receiver = this.transport.openReceiver(cfg, iface, (d) => this.receive(cfg, stats, d), this.log).catch((e: Error) => {
      this.log(`Error during creation of the backup sync socket: ${e.message}`);
      return undefined;
    });
    this.track(receiver);
    this.backup = { cfg, receiver, stats };
  }

  private receive(cfg: ResolvedDaemonConfig, stats: BackupRun['stats'], datagram: Buffer): void {
    if (this.backup?.cfg !== cfg) return; // a datagram that raced the daemon's stop
    stats.datagramsReceived++;
    const note = (why: string) => {
      stats.lastDrops.push(why);
      if (stats.lastDrops.length > 20) stats.lastDrops.shift();
    };
    // The kernel receives into a sync_maxlen buffer: anything longer is truncated, then fails
    // the size check.
    const data = datagram.length > cfg.maxLen ? datagram.subarray(0, cfg.maxLen) : datagram;
    const m = decodeMessage(data, { syncId: cfg.syncId });
    if (m.kind === 'dropped') {
      stats.datagramsDropped++;
      note(m.reason.message);
      return;
    }
    const timeouts = this.opts.target.protoTimeouts?.();
    for (const r of m.records) {
      if (!r.ok) {
        stats.recordsSkipped++;
        note(r.reason.message);
        continue;
      }
      const a = acceptRecord(r.conn, { version: m.kind, ...(timeouts ? { timeouts } : {}) });
      if (!a.ok) {
        stats.recordsSkipped++;
        note(a.reason.message);
        continue;
      }
      try {
        this.opts.target.importSyncedConn(a.conn);
        stats.recordsApplied++;
      } catch (e) {
        // A core that cannot take a record must not take the daemon down with it.
        stats.recordsSkipped++;
        note(`import failed: ${(e as Error).message}`);
      }
    }
    if (m.aborted) {
      stats.datagramsDropped++;
      note(m.aborted.message);
    }
  }

  private stopBackup(): void {
    const run = this.backup;
    if (!run) return;
    this.backup = undefined;
    this.stopped.backup = run.stats;
    this.track(run.receiver.then((r) => r?.close()));
    this.log('stopping backup sync thread ...');
  }

  /** Send everything pending now, whatever its age (tests; `ipvsadm` has no equivalent). */
  flush(): Promise<void> {
    return this.master ? this.pump(this.master, 0) : Promise.resolve();
  }
}
