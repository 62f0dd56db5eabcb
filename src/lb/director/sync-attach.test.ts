// Two embedded IPVS cores joined by sync daemons over an in-memory segment: the master's packets go
// through its real core, the backup's table is checked through ipvsadm's own output.
import { describe, expect, it } from 'vitest';
import { runAdmin } from '../../../test/ipvs/testkit.js';
import { Ipvs } from '../ipvs/ipvs.js';
import type { PacketHeaders } from '../ipvs/types.js';
import { createSyncedCore } from './sync-attach.js';
import type { SyncInterface } from '../ipvs/sync/io.js';
import type { SyncTransport } from '../ipvs/sync/io.js';

function segment(): SyncTransport {
  const receivers = new Set<(d: Buffer) => void>();
  return {
    async openSender() {
      return {
        async send(d) {
          for (const r of receivers) r(Buffer.from(d));
        },
        async close() {},
      };
    },
    async openReceiver(_cfg, _iface, on) {
      receivers.add(on);
      return { close: async () => void receivers.delete(on) };
    },
  };
}

const eth0: SyncInterface = { name: 'eth0', ifindex: 2, mtu: 1500, primaryIPv4: '192.168.1.110' };
const ip = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const VIP = ip('192.168.1.112');
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

function pkt(proto: number, sport: number, dport: number, tcpFlags: number): PacketHeaders {
  return { proto, saddr: ip('192.168.1.100'), daddr: VIP, sport, dport, tcpFlags, length: 60, fwmark: 0 };
}

function director(transport: SyncTransport, clock: { now(): number }) {
  const { core, sync } = createSyncedCore((daemons) => new Ipvs({ daemons, clock }), { transport, lookup: (n) => (n === 'eth0' ? eth0 : undefined), clock });
  for (const line of ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m', '-A -u 192.168.1.112:9999 -s rr', '-a -u 192.168.1.112:9999 -r 10.0.0.101:9999 -m']) {
    const r = runAdmin(core, line.split(' '));
    expect(r.status, r.stderr).toBe(0);
  }
  return { core, sync };
}

describe('sync between two embedded cores', () => {
  it("the backup's -Lnc lists the master's established TCP conns, not SYN_RECV ones nor one-datagram UDP flows", async () => {
    const t = segment();
    let now = 1000;
    const clock = { now: () => now };
    const ds1 = director(t, clock);
    const ds2 = director(t, clock);
    expect(runAdmin(ds1.core, ['--start-daemon', 'master', '--mcast-interface', 'eth0', '--syncid', '51']).status).toBe(0);
    expect(runAdmin(ds2.core, ['--start-daemon', 'backup', '--mcast-interface', 'eth0', '--syncid', '51']).status).toBe(0);
    await ds2.sync.idle();

    // an established keep-alive connection: SYN, ACK, then a request (3rd incoming packet)
    ds1.core.inbound(pkt(6, 40000, 80, SYN));
    ds1.core.inbound(pkt(6, 40000, 80, ACK));
    ds1.core.inbound(pkt(6, 40000, 80, ACK));
    // a half-open one: SYN only
    ds1.core.inbound(pkt(6, 40001, 80, SYN));
    // a single UDP datagram
    ds1.core.inbound(pkt(17, 50000, 9999, 0));
    now += 2000;
    await ds1.sync.flush();

    const master = runAdmin(ds1.core, ['-L', '-n', '-c']).stdout;
    expect(master).toMatch(/TCP .*192\.168\.1\.100:40000 +192\.168\.1\.112:80 +10\.0\.0\.10[12]:80/);
    expect(master).toMatch(/40001/);
    const backup = runAdmin(ds2.core, ['-L', '-n', '-c']).stdout;
    expect(backup).toMatch(/TCP +1[45]:\d\d +ESTABLISHED +192\.168\.1\.100:40000 +192\.168\.1\.112:80 +10\.0\.0\.10[12]:80/);
    expect(backup).not.toMatch(/40001/);
    expect(backup).not.toMatch(/UDP/);
    // same real server on both sides
    const rs = (text: string) => /192\.168\.1\.100:40000 +192\.168\.1\.112:80 +(\S+)/.exec(text)?.[1];
    expect(rs(backup)).toBe(rs(master));
    // the backup counts it active, as the master does (INACTIVE flag preserved)
    expect(ds2.core.snapshot().services[0].dests.reduce((n, d) => n + d.activeConns, 0)).toBe(1);

    expect(runAdmin(ds1.core, ['-L', '--daemon']).stdout).toMatch(/master sync daemon \(mcast=eth0, syncid=51/);
    expect(runAdmin(ds2.core, ['-L', '--daemon']).stdout).toMatch(/backup sync daemon \(mcast=eth0, syncid=51/);
    await ds1.sync.close();
    await ds2.sync.close();
  });

  it('a state change to CLOSE_WAIT reaches the backup at once; the backup then takes over the conn', async () => {
    const t = segment();
    let now = 1000;
    const clock = { now: () => now };
    const ds1 = director(t, clock);
    const ds2 = director(t, clock);
    ds1.sync.start({ state: 'master', mcastInterface: 'eth0', syncId: 1 });
    ds2.sync.start({ state: 'backup', mcastInterface: 'eth0', syncId: 1 });
    await ds2.sync.idle();
    ds1.core.inbound(pkt(6, 40000, 80, SYN));
    ds1.core.inbound(pkt(6, 40000, 80, ACK));
    ds1.core.inbound(pkt(6, 40000, 80, ACK));
    ds1.core.inbound(pkt(6, 40000, 80, FIN | ACK));
    await ds1.sync.flush();
    expect(runAdmin(ds2.core, ['-L', '-n', '-c']).stdout).toMatch(/CLOSE_WAIT +192\.168\.1\.100:40000/);

    // failover: ds2 now sees the client's next segment and forwards it without scheduling
    const v = ds2.core.inbound(pkt(6, 40000, 80, ACK));
    expect(v).toMatchObject({ action: 'dnat', dport: 80 });
    await ds1.sync.close();
    await ds2.sync.close();
  });

  it('a conn for a real server the backup does not have is kept unbound, and still listed', async () => {
    const t = segment();
    const clock = { now: () => 0 };
    const ds1 = director(t, clock);
    const { core: bare, sync: bareSync } = createSyncedCore((daemons) => new Ipvs({ daemons, clock }), { transport: t, lookup: () => eth0, clock });
    // the backup has the service but only one of the two real servers
    runAdmin(bare, ['-A', '-t', '192.168.1.112:80', '-s', 'rr']);
    runAdmin(bare, ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.199:80', '-m']);
    ds1.sync.start({ state: 'master', mcastInterface: 'eth0', syncId: 0 });
    bareSync.start({ state: 'backup', mcastInterface: 'eth0', syncId: 0 });
    await bareSync.idle();
    for (const f of [SYN, ACK, ACK]) ds1.core.inbound(pkt(6, 40000, 80, f));
    await ds1.sync.flush();
    expect(runAdmin(bare, ['-L', '-n', '-c']).stdout).toMatch(/ESTABLISHED +192\.168\.1\.100:40000 +192\.168\.1\.112:80 +10\.0\.0\.10[12]:80/);
    expect(bare.snapshot().services[0].dests.map((d) => d.activeConns + d.inactConns)).toEqual([0]);
    await ds1.sync.close();
    await bareSync.close();
  });

  it('a persistence template travels with its connection', async () => {
    const t = segment();
    const clock = { now: () => 0 };
    const make = () => {
      const d = createSyncedCore((daemons) => new Ipvs({ daemons, clock }), { transport: t, lookup: () => eth0, clock });
      for (const line of ['-A -t 192.168.1.112:80 -s rr -p 360', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m']) {
        expect(runAdmin(d.core, line.split(' ')).status).toBe(0);
      }
      return d;
    };
    const ds1 = make();
    const ds2 = make();
    ds1.sync.start({ state: 'master', mcastInterface: 'eth0', syncId: 0 });
    ds2.sync.start({ state: 'backup', mcastInterface: 'eth0', syncId: 0 });
    await ds2.sync.idle();
    for (const f of [SYN, ACK, ACK]) ds1.core.inbound(pkt(6, 40000, 80, f));
    await ds1.sync.flush();
    const backup = runAdmin(ds2.core, ['-L', '-n', '-c']).stdout;
    const master = runAdmin(ds1.core, ['-L', '-n', '-c']).stdout;
    const tpl = /TCP +(\d\d:\d\d) +(NONE|ASSURED) +192\.168\.1\.100:0 +192\.168\.1\.112:80 +(\S+)/;
    expect(master).toMatch(tpl);
    expect(backup).toMatch(tpl);
    expect(tpl.exec(backup)![3]).toBe(tpl.exec(master)![3]);
    expect(tpl.exec(backup)![1]).toBe('06:00'); // the persistence timeout came across
    expect(backup).toMatch(/ESTABLISHED +192\.168\.1\.100:40000/);
    await ds1.sync.close();
    await ds2.sync.close();
  });

  it('with no sync daemon the backup has no entry and leaves a mid-stream segment to the local stack', () => {
    const t = segment();
    const clock = { now: () => 0 };
    const ds1 = director(t, clock);
    const ds2 = director(t, clock);
    for (const f of [SYN, ACK, ACK]) ds1.core.inbound(pkt(6, 40000, 80, f));
    expect(runAdmin(ds2.core, ['-L', '-n', '-c']).stdout).not.toMatch(/40000/);
    // not a SYN: no scheduling, the packet is not IPVS's (the VIP's own TCP stack answers RST)
    expect(ds2.core.inbound(pkt(6, 40000, 80, ACK))).toEqual({ action: 'accept' });
  });
});
