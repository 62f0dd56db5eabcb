import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncDaemons, SyncDaemonError } from './sync-daemon.js';
import type { SyncInterface } from './io.js';
import type { SyncedConnImport } from './apply.js';
import type { SyncSource } from './master.js';
import { TCP_S } from './states.js';
import type { SyncTransport } from './io.js';

/** An in-memory multicast segment: every receiver on the same group:port gets every datagram. */
function bus() {
  const receivers = new Set<{ key: string; on: (d: Buffer) => void }>();
  const sent: Buffer[] = [];
  const transport: SyncTransport = {
    async openSender(cfg) {
      const key = `${cfg.group}:${cfg.port}`;
      return {
        async send(d) {
          sent.push(d);
          for (const r of receivers) if (r.key === key) r.on(Buffer.from(d));
        },
        async close() {},
      };
    },
    async openReceiver(cfg, _iface, on) {
      const r = { key: `${cfg.group}:${cfg.port}`, on };
      receivers.add(r);
      return { close: async () => void receivers.delete(r) };
    },
  };
  return { transport, sent };
}

const eth0: SyncInterface = { name: 'eth0', ifindex: 2, mtu: 1500, primaryIPv4: '192.168.1.105' };
const lookup = (name: string) => (name === 'eth0' ? eth0 : undefined);

function conn(cport: number, state = TCP_S.ESTABLISHED): SyncSource {
  return {
    protocol: 6, flags: 0, state, timeout: 900_000,
    caddr: '192.168.1.10', cport, vaddr: '192.168.1.112', vport: 80, daddr: '10.0.0.101', dport: 80, fwmark: 0,
  };
}

describe('SyncDaemons', () => {
  afterEach(() => vi.useRealTimers());

  it('carries an established connection from master to backup after its 3rd packet', async () => {
    const { transport, sent } = bus();
    let t = 0;
    const clock = { now: () => t };
    const imported: SyncedConnImport[] = [];
    const master = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup, clock });
    const backup = new SyncDaemons({ target: { importSyncedConn: (c) => imported.push(c) }, transport, lookup, clock });
    master.start({ state: 'master', mcastInterface: 'eth0', syncId: 51 });
    backup.start({ state: 'backup', mcastInterface: 'eth0', syncId: 51 });
    await backup.idle();

    const c = conn(40000);
    master.incomingPacket(c);
    master.incomingPacket(c);
    await master.flush();
    expect(sent).toHaveLength(0); // nothing due before the 3rd packet
    master.incomingPacket(c);
    await master.flush();
    expect(sent).toHaveLength(1);
    expect(imported).toEqual([
      expect.objectContaining({ protocol: 'tcp', stateName: 'ESTABLISHED', client: { addr: '192.168.1.10', port: 40000 }, dest: { addr: '10.0.0.101', port: 80 }, timeoutMs: 900_000 }),
    ]);
    expect(backup.stats().backup).toMatchObject({ datagramsReceived: 1, recordsApplied: 1 });
    await master.close();
    await backup.close();
  });

  it('a backup with another syncid ignores the datagrams, and says why', async () => {
    const { transport } = bus();
    const imported: SyncedConnImport[] = [];
    const master = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup });
    const backup = new SyncDaemons({ target: { importSyncedConn: (c) => imported.push(c) }, transport, lookup });
    master.start({ state: 'master', mcastInterface: 'eth0', syncId: 1 });
    backup.start({ state: 'backup', mcastInterface: 'eth0', syncId: 2 });
    await backup.idle();
    const c = conn(1);
    for (let i = 0; i < 3; i++) master.incomingPacket(c);
    await master.flush();
    expect(imported).toEqual([]);
    expect(backup.stats().backup?.lastDrops).toEqual(['ignoring syncid 1 (ours is 2)']);
    await master.close();
    await backup.close();
  });

  it('sends a partly filled buffer once it is 2 s old, from the 1 s poll', async () => {
    vi.useFakeTimers();
    const { transport, sent } = bus();
    const clock = { now: () => Date.now() };
    const master = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup, clock });
    master.start({ state: 'master', mcastInterface: 'eth0', syncId: 1 });
    const c = conn(1);
    for (let i = 0; i < 3; i++) master.incomingPacket(c);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(1);
    await master.close();
  });

  it('sends a full buffer within the 20 ms send delay', async () => {
    vi.useFakeTimers();
    const { transport, sent } = bus();
    const master = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup, clock: { now: () => Date.now() } });
    master.start({ state: 'master', mcastInterface: 'eth0', syncId: 1 });
    for (let p = 0; p < 41; p++) {
      const c = conn(1000 + p);
      for (let i = 0; i < 3; i++) master.incomingPacket(c);
    }
    await vi.advanceTimersByTimeAsync(20);
    expect(sent.map((d) => d.length)).toEqual([8 + 40 * 36]);
    await master.close();
  });

  it('reports running daemons with the kernel defaults, and refuses what the kernel refuses', async () => {
    const { transport } = bus();
    const d = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup });
    d.start({ state: 'backup', mcastInterface: 'eth0', syncId: 7 });
    d.start({ state: 'master', mcastInterface: 'eth0', syncId: 7 });
    expect(d.list()).toEqual([
      { state: 'master', mcastInterface: 'eth0', syncId: 7, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
      { state: 'backup', mcastInterface: 'eth0', syncId: 7, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    ]);
    const err = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(SyncDaemonError);
        return e;
      }
      throw new Error('no error');
    };
    expect(err(() => d.start({ state: 'master', mcastInterface: 'eth0', syncId: 7 }))).toMatchObject({ errno: 'EEXIST', ipvsadmMessage: 'Daemon has already run' });
    d.stop('master');
    expect(err(() => d.stop('master'))).toMatchObject({ errno: 'ESRCH', ipvsadmMessage: 'No daemon is running' });
    d.stop();
    expect(d.list()).toEqual([]);
    expect(err(() => d.stop())).toMatchObject({ errno: 'ESRCH' });
    expect(err(() => d.start({ state: 'master', mcastInterface: 'eth9', syncId: 7 }))).toMatchObject({ errno: 'ENODEV', message: 'Unknown mcast interface: eth9' });
    expect(err(() => d.start({ state: 'backup', mcastInterface: 'eth0', syncId: 256 }))).toMatchObject({ errno: 'EINVAL' });
    await d.idle();
  });

  it('a backup survives a core that throws on import', async () => {
    const { transport } = bus();
    const master = new SyncDaemons({ target: { importSyncedConn: () => {} }, transport, lookup });
    const backup = new SyncDaemons({ target: { importSyncedConn: () => { throw new Error('no such service'); } }, transport, lookup });
    master.start({ state: 'master', mcastInterface: 'eth0', syncId: 0 });
    backup.start({ state: 'backup', mcastInterface: 'eth0', syncId: 0 });
    await backup.idle();
    const c = conn(1);
    for (let i = 0; i < 3; i++) master.incomingPacket(c);
    await master.flush();
    expect(backup.stats().backup).toMatchObject({ recordsSkipped: 1, lastDrops: ['import failed: no such service'] });
    await master.close();
    await backup.close();
  });
});
