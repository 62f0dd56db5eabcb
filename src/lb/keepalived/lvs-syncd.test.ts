import { describe, expect, it } from 'vitest';
import { silentSyncTransport } from '../../../test/ipvs/silent-sync-transport.js';
import type { SyncInterface } from '../ipvs/sync/io.js';
import { SyncDaemons } from '../ipvs/sync/sync-daemon.js';
import { SyncDaemonFollower } from './lvs-syncd.js';

const eth0: SyncInterface = { name: 'eth0', ifindex: 2, mtu: 1500, primaryIPv4: '192.168.1.105' };
const lookup = (name: string) => (name === 'eth0' ? eth0 : undefined);

describe('SyncDaemonFollower (keepalived lvs_sync_daemon)', () => {
  it('runs the backup daemon while the instance is BACKUP and the master daemon while MASTER', async () => {
    const d = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport: silentSyncTransport, lookup });
    const f = new SyncDaemonFollower(d, { interface: 'eth0', instance: 'VI_1', syncId: 51 });
    await f.start();
    expect(d.list()).toEqual([]);
    await f.onInstanceState('VI_GATEWAY', 'MASTER');
    expect(d.list()).toEqual([]);
    await f.onInstanceState('VI_1', 'BACKUP');
    expect(d.list().map((x) => [x.state, x.syncId])).toEqual([['backup', 51]]);
    await f.onInstanceState('VI_1', 'MASTER');
    expect(d.list().map((x) => x.state)).toEqual(['master']);
    await f.onInstanceState('VI_1', 'FAULT');
    expect(d.list().map((x) => x.state)).toEqual(['backup']);
    await f.stop();
    expect(d.list()).toEqual([]);
  });

  it('without an instance starts master and backup at once', async () => {
    const d = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport: silentSyncTransport, lookup });
    const f = new SyncDaemonFollower(d, { interface: 'eth0', syncId: 0 });
    await f.start();
    expect(d.list().map((x) => x.state)).toEqual(['master', 'backup']);
    await f.stop();
  });
});
