// A sync transport that opens no sockets and drops what is sent: for unit tests of what starts and
// stops the IPVS sync daemons (the director's sync module, keepalived's lvs_sync_daemon follower).
import type { SyncTransport } from '../../src/lb/ipvs/sync/io.js';

export const silentSyncTransport: SyncTransport = {
  async openSender() {
    return { async send() {}, async close() {} };
  },
  async openReceiver() {
    return { async close() {} };
  },
};
