import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Ipvs } from '../ipvs/index.js';
import { runIpvsadm } from '../ipvsadm/run.js';
import { createSyncedCore } from './sync-attach.js';
import { silentSyncTransport as transport } from '../../../test/ipvs/silent-sync-transport.js';
import type { DirectorEvents, DirectorHost } from './modules.js';
import { startDaemonArgv, syncPlanOf } from '../keepalived/lvs-syncd.js';
import factory from './sync-module.js';


const conf = (globalDefs: string, instanceExtra = '') => `
global_defs {
   router_id LVS_DS2
${globalDefs}
}
vrrp_instance VI_1 {
   state BACKUP
   interface eth0
${instanceExtra}
   virtual_router_id 51
   priority 100
   advert_int 1
   virtual_ipaddress {
      192.168.1.112/24 dev eth0
   }
}
`;

function fakeHost(keepalivedConf: string) {
  const { core, sync } = createSyncedCore((daemons) => new Ipvs({ daemons }), { transport, lookup: (n) => ({ name: n, ifindex: 2, mtu: 1500, primaryIPv4: '192.168.1.111' }) });
  const logs: string[] = [];
  const host = {
    config: { director: 'ds2', socket: '/nonexistent', keepalivedConf },
    core,
    log: (m: string) => logs.push(m),
    ipvsadm: async (argv: string[]) => runIpvsadm(core, argv),
    onServicesChanged: () => {},
    events: new EventEmitter<DirectorEvents>(),
  } as unknown as DirectorHost;
  return { host, core, sync, logs };
}

/** what the vrrp module publishes on the host */
const transition = (host: DirectorHost, instance: string, from: string, to: string) =>
  host.events.emit('vrrpTransition', { at: 0, wall: Date.now(), instance, from: from as never, to: to as never, reason: 'test', priority: 100 });

describe("the director's sync module (keepalived lvs_sync_daemon)", () => {
  it('reads the effective sync daemon: global lvs_sync_daemon, deprecated per-instance form, misspelling', () => {
    expect(syncPlanOf(conf('   lvs_sync_daemon eth0 VI_1'))).toMatchObject({ interface: 'eth0', instance: 'VI_1', syncId: 51 });
    expect(syncPlanOf(conf('', '   lvs_sync_daemon_interface eth0'))).toMatchObject({ interface: 'eth0', instance: 'VI_1', syncId: 51 });
    expect(syncPlanOf(conf('', '   lvs_sync_daemon_inteface eth0'))).toBeUndefined();
  });

  it('starts the backup daemon on BACKUP and switches to master on MASTER, through ipvsadm', async () => {
    const { host, core, sync } = fakeHost(conf('   lvs_sync_daemon eth0 VI_1 id 7'));
    const m = factory({});
    await m.start(host);
    transition(host, 'VI_1', 'INIT', 'BACKUP');
    await new Promise((r) => setTimeout(r, 20));
    await sync.idle();
    expect(runIpvsadm(core, ['-L', '--daemon']).stdout).toBe('backup sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');
    transition(host, 'VI_1', 'BACKUP', 'MASTER');
    await new Promise((r) => setTimeout(r, 20));
    expect(core.snapshot().daemons.map((d) => d.state)).toEqual(['master']);
    expect(m.status?.()).toMatchObject({ plan: { interface: 'eth0', syncId: 7 }, daemons: [{ state: 'master' }] });
    await m.stop('graceful');
    expect(core.snapshot().daemons).toEqual([]);
  });

  it('with the article file verbatim (misspelled keyword) starts nothing, and says so', async () => {
    const { host, core, logs } = fakeHost(conf('', '   lvs_sync_daemon_inteface eth0'));
    const m = factory({});
    await m.start(host);
    transition(host, 'VI_1', 'INIT', 'MASTER');
    await new Promise((r) => setTimeout(r, 20));
    expect(core.snapshot().daemons).toEqual([]);
    expect(logs.join('\n')).toMatch(/no connection sync daemon/);
    await m.stop('graceful');
  });

  it('builds ipvsadm argv with the optional settings', () => {
    expect(startDaemonArgv({ state: 'master', mcastInterface: 'eth0', syncId: 1, mcastTtl: 2, mcastPort: 8849 })).toEqual([
      '--start-daemon', 'master', '--mcast-interface', 'eth0', '--syncid', '1', '--mcast-port', '8849', '--mcast-ttl', '2',
    ]);
  });
});
