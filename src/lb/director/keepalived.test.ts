// keepalived's side of an embedded director, without a lab: its "data plane" is an embedded IPVS
// core reached through a fake control request (what the daemon's control socket would do).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ipvs } from '../ipvs/index.js';
import { runIpvsadm } from '../ipvsadm/run.js';
import { silentSyncTransport as transport } from '../../../test/ipvs/silent-sync-transport.js';
import { mergeStatus } from './backend.js';
import { ControlError, controlRequest, type ControlRequest } from './control.js';
import type { DaemonStatus } from './daemon.js';
import { editFor, KeepalivedSide, type DataplaneRequest } from './keepalived.js';
import { createSyncedCore } from './sync-attach.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-keepalived-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const conf = (weight: number, extra = '') => `
global_defs {
   router_id LVS_DS1
${extra}
}
virtual_server 192.168.1.112 80 {
   lb_algo rr
   lb_kind NAT
   protocol TCP
   real_server 10.0.0.101 80 {
      weight ${weight}
   }
   real_server 10.0.0.102 80 {
      weight 1
   }
}
`;

/** A data plane: the core, its sync daemons, and the requests the keepalived side sent. */
function dataplane() {
  const { core, sync } = createSyncedCore((daemons) => new Ipvs({ daemons }), { transport, lookup: (n) => ({ name: n, ifindex: 2, mtu: 1500, primaryIPv4: '192.168.1.110' }) });
  const sent: ControlRequest[] = [];
  let down = false;
  const request: DataplaneRequest = async <T>(req: ControlRequest): Promise<T> => {
    if (down) throw new Error('director control socket: no director daemon is listening');
    sent.push(req);
    if (req.op === 'ipvsadm') return runIpvsadm(core, req.argv as string[], req.stdin as string | undefined) as T;
    if (req.op === 'module' && req.module === 'sync' && req.call === 'idle') return (await sync.idle()) as T;
    throw new Error(`unexpected request ${JSON.stringify(req)}`);
  };
  return { core, sync, sent, request, stop: () => (down = true) };
}

const quiet = () => undefined;

describe("keepalived's side of the embedded director", () => {
  it('an add of what exists becomes the edit keepalived makes of it', () => {
    expect(editFor(['-A', '-t', '192.168.1.112:80', '-s', 'rr'], 'Service already exists\n')).toEqual(['-E', '-t', '192.168.1.112:80', '-s', 'rr']);
    expect(editFor(['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m'], 'Destination already exists\n')).toEqual(['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m']);
    expect(editFor(['-A', '-t', '192.168.1.112:80'], 'Scheduler or persistence engine not found\n')).toBeUndefined();
    expect(editFor(['-D', '-t', '192.168.1.112:80'], 'Service already exists\n')).toBeUndefined();
  });

  it("installs the keepalived.conf's virtual servers through the data plane, answers on its own socket, and starts again beside the table it left", async () => {
    const dp = dataplane();
    const dir = tmp();
    const logs: string[] = [];
    const base = { director: 'ds1', socket: path.join(dir, 'k.sock'), dataplaneSocket: path.join(dir, 'd.sock') };
    const k = await KeepalivedSide.start({ ...base, keepalivedConf: conf(1) }, { request: dp.request, log: (l) => logs.push(l) });
    try {
      expect(dp.sent.map((r) => (r.argv as string[]).join(' '))).toEqual(['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1', '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1']);
      expect(await controlRequest(base.socket, { op: 'ping' })).toEqual({ pid: process.pid });
      expect(await controlRequest(base.socket, { op: 'status' })).toMatchObject({ director: 'ds1', pid: process.pid, modules: {} });
      await expect(controlRequest(base.socket, { op: 'ipvsadm', argv: ['-Ln'] })).rejects.toThrow("unknown op 'ipvsadm' (status, ping, module, stop)");
      await expect(controlRequest(base.socket, { op: 'module', module: 'vrrp' })).rejects.toThrow("no module 'vrrp' (running: none)");
      expect(logs.some((l) => l.startsWith('keepalived: ready'))).toBe(true);
    } finally {
      await k.stop(); // killed: nothing runs its stop; the table stays either way
    }
    expect(fs.existsSync(base.socket)).toBe(false);
    // keepalived again, with a changed weight: the services exist, so they are edited to the file
    dp.sent.length = 0;
    const again = await KeepalivedSide.start({ ...base, keepalivedConf: conf(3) }, { request: dp.request, log: quiet });
    await again.stop();
    expect(dp.sent.map((r) => (r.argv as string[])[0])).toEqual(['-A', '-E', '-a', '-e', '-a', '-e']);
    expect(dp.core.snapshot().services[0].dests.map((d) => `${d.addr}:${d.port} w${d.options.weight}`).sort()).toEqual(['10.0.0.101:80 w3', '10.0.0.102:80 w1']);
  });

  it('says which ipvsadm line failed, and fails to start without a data plane', async () => {
    const dp = dataplane();
    const dir = tmp();
    const base = { director: 'ds1', socket: path.join(dir, 'k.sock'), dataplaneSocket: path.join(dir, 'd.sock') };
    // the data plane refuses the second real server (as a kernel out of memory would)
    const refusing: DataplaneRequest = async <T>(req: ControlRequest): Promise<T> =>
      (req.argv as string[]).includes('10.0.0.102:80') ? ({ stdout: '', stderr: 'Memory allocation problem\n', status: 1 } as T) : await dp.request<T>(req);
    await expect(KeepalivedSide.start({ ...base, keepalivedConf: conf(1) }, { request: refusing, log: quiet })).rejects.toThrow("keepalived.conf virtual_server: 'ipvsadm -a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1' failed (status 1): Memory allocation problem");
    dp.stop();
    await expect(KeepalivedSide.start({ ...base, keepalivedConf: conf(1) }, { request: dp.request, log: quiet })).rejects.toThrow('no director daemon is listening');
    expect(fs.existsSync(base.socket)).toBe(false);
  });

  it("runs lvs_sync_daemon against the data plane's sync daemons, and waits for them through the control socket", async () => {
    const dp = dataplane();
    const dir = tmp();
    const syncModule = new URL('./sync-module.ts', import.meta.url).pathname;
    const k = await KeepalivedSide.start(
      { director: 'ds1', socket: path.join(dir, 'k.sock'), dataplaneSocket: path.join(dir, 'd.sock'), keepalivedConf: conf(1, '   lvs_sync_daemon eth0'), modules: [{ import: syncModule }] },
      { request: dp.request, log: quiet },
    );
    try {
      // no instance named: keepalived starts both daemons at once
      expect(dp.core.snapshot().daemons.map((d) => d.state).sort()).toEqual(['backup', 'master']);
      expect(dp.sent.some((r) => r.op === 'module' && r.call === 'idle')).toBe(true);
      // its status is the plan; the daemons' counters are the data plane's
      expect(k.status().modules.sync).toEqual({ plan: expect.objectContaining({ interface: 'eth0' }) });
    } finally {
      await k.stop();
    }
    expect(dp.core.snapshot().daemons).toEqual([]);
  });

  it('goes with the data plane: once nothing listens there it says so; a silent (stopped) daemon is waited for', async () => {
    const dp = dataplane();
    const dir = tmp();
    let state: 'up' | 'silent' | 'gone' = 'up';
    const request: DataplaneRequest = async <T>(req: ControlRequest): Promise<T> => {
      if (req.op === 'ping') {
        if (state === 'silent') throw new ControlError('no answer', 'silent');
        if (state === 'gone') throw new ControlError('director control socket d.sock: no director daemon is listening', 'unreachable');
        return { pid: 1 } as T;
      }
      return await dp.request<T>(req);
    };
    const gone: string[] = [];
    const k = await KeepalivedSide.start(
      { director: 'ds1', socket: path.join(dir, 'k.sock'), dataplaneSocket: path.join(dir, 'd.sock'), keepalivedConf: conf(1), dataplaneCheckMs: 10 },
      { request, log: quiet, onDataplaneGone: (why) => gone.push(why) },
    );
    try {
      state = 'silent';
      await new Promise((r) => setTimeout(r, 60));
      expect(gone).toEqual([]);
      state = 'gone';
      for (let i = 0; i < 100 && gone.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 40));
      expect(gone).toEqual(['director control socket d.sock: no director daemon is listening']);
    } finally {
      await k.die();
    }
  });

  it("one status for both processes: the keepalived side's modules merged into the daemon's", () => {
    const daemon = { pid: 10, modules: { sync: { plan: null, daemons: [{ state: 'master' }], stats: { sent: 1 } } } } as unknown as DaemonStatus;
    expect(mergeStatus(daemon, undefined)).toBe(daemon);
    const merged = mergeStatus(daemon, { director: 'ds1', pid: 11, uptimeSeconds: 3, modules: { sync: { plan: { interface: 'eth0' } }, vrrp: { instances: [] } } });
    expect(merged).toMatchObject({ pid: 10, keepalived: { pid: 11, uptimeSeconds: 3 }, modules: { sync: { plan: { interface: 'eth0' }, daemons: [{ state: 'master' }], stats: { sent: 1 } }, vrrp: { instances: [] } } });
  });
});
