// What the sync daemons need from the outside world, as types only: the kernel's sync threads own
// their sockets, but this core knows no sockets or namespaces. The director process implements
// these (src/lb/director/sync-transport.ts, sync-netif.ts); tests pass fakes.
import type { ResolvedDaemonConfig } from './config.js';

/** The multicast interface a sync daemon runs on, as the kernel reads it from the device. */
export interface SyncInterface {
  name: string;
  ifindex: number;
  mtu: number;
  /**
   * The address the kernel binds the master's socket to (inet_select_addr(dev, 0,
   * RT_SCOPE_UNIVERSE)): the first primary, global-scope IPv4. Undefined when the device has none.
   */
  primaryIPv4?: string;
}

export interface SyncSender {
  send(datagram: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface SyncReceiver {
  close(): Promise<void>;
}

/** make_send_sock / make_receive_sock: the master's and the backup's sockets. */
export interface SyncTransport {
  openSender(cfg: ResolvedDaemonConfig, iface: SyncInterface, log?: (line: string) => void): Promise<SyncSender>;
  openReceiver(cfg: ResolvedDaemonConfig, iface: SyncInterface, onDatagram: (d: Buffer) => void, log?: (line: string) => void): Promise<SyncReceiver>;
}
