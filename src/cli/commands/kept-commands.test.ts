// `lvslab up`, `fault`, `logs` and `ipvsadm` on what they check before touching a lab: arguments,
// hosts, files. A lab "exists" here as its run directory record only (LVSLAB_RUN_DIR), so nothing
// is built and no root is needed (the commands' own root check is told it runs as root).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveTopology } from '../../lab/load.js';
import { listLabIds } from '../../lab/rundir.js';
import { capturePrinted } from '../../../test/cli-output.js';
import { UsageError } from '../command.js';
import { faultCommand } from './fault.js';
import { ipvsadmCommand } from './ipvsadm.js';
import { logsCommand } from './logs.js';
import { upCommand } from './up.js';

let root: string;
const printed = capturePrinted();
const ID = 'lfake1';

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-cli-kept-'));
  process.env.LVSLAB_RUN_DIR = root;
  fs.mkdirSync(path.join(root, ID, 'logs'), { recursive: true });
  const topology = await resolveTopology('article');
  fs.writeFileSync(path.join(root, ID, 'lab.json'), JSON.stringify({ id: ID, source: 'article', owner: { pid: 0 }, createdAt: new Date().toISOString(), namespaces: [], topology }));
  vi.spyOn(process, 'getuid').mockReturnValue(0);
});
afterEach(() => {
  delete process.env.LVSLAB_RUN_DIR;
  fs.rmSync(root, { recursive: true, force: true });
});

describe('lvslab up', () => {
  it("checks every file before building: keepalived's warnings at once in its words, errors with file and line, exit 2", async () => {
    const good = path.join(root, 'ds1.conf');
    const bad = path.join(root, 'ds2.conf');
    fs.writeFileSync(good, 'global_defs {\n  lvs_id X\n}\n');
    fs.writeFileSync(bad, 'virtual_server 192.168.1.112 80 {\n  lb_algo nope\n}\n');
    expect(await upCommand.run(['article', '--keepalived', `ds1=${good}`, '--keepalived', `ds2=${bad}`])).toBe(2);
    const text = printed.err();
    expect(text).toContain("ds1: (Line 2) Unknown keyword 'lvs_id'\n");
    expect(text).toMatch(new RegExp(`lvslab up: ${bad} line 2: .*nope`));
    expect(await listLabIds()).toEqual([ID]);
  });

  it('refuses what it cannot use, as usage errors', async () => {
    await expect(upCommand.run(['article', '--keepalived', 'ds3=x.conf'])).rejects.toThrow("'ds3' is not a director of article (directors: ds1, ds2)");
    await expect(upCommand.run(['article', '--keepalived', 'ds1'])).rejects.toThrow("--keepalived 'ds1' is not DIRECTOR=FILE");
    await expect(upCommand.run(['article', '--ipvsadm', 'ds1=a', '--ipvsadm', 'ds1=b'])).rejects.toThrow('--ipvsadm given twice for ds1');
    await expect(upCommand.run(['article', '--backend', 'vm'])).rejects.toThrow("--backend: 'vm' is not embedded, kernel or none");
    await expect(upCommand.run(['article', '--backend', 'none', '--ipvsadm', 'ds1=a'])).rejects.toThrow(UsageError);
    await expect(upCommand.run(['article', '--frob'])).rejects.toThrow(UsageError);
  });
});

describe('lvslab fault', () => {
  it('names the problem: unknown lab, host, fault or interface (usage), a host that is not a director (exit 1)', async () => {
    await expect(faultCommand.run(['nolab', 'ds1', 'kill'])).rejects.toThrow(/no lab 'nolab'/);
    await expect(faultCommand.run([ID, 'ds9', 'kill'])).rejects.toThrow(`lab ${ID} has no host 'ds9' (hosts: client, ds1, ds2, rs1, rs2)`);
    await expect(faultCommand.run([ID, 'ds1', 'explode'])).rejects.toThrow("unknown fault 'explode' (kill, stop, start, restart, reboot, kill-keepalived, start-keepalived, link-down, link-up, partition, heal)");
    await expect(faultCommand.run([ID, 'ds1', 'kill-keepalived', 'now'])).rejects.toThrow("'kill-keepalived' takes no arguments");
    await expect(faultCommand.run([ID, 'ds1', 'link-down', 'eth9'])).rejects.toThrow("host 'ds1' has no interface 'eth9' (it has eth0, eth1)");
    await expect(faultCommand.run([ID, 'ds1', 'kill', 'now'])).rejects.toThrow("'kill' takes no arguments");
    await expect(faultCommand.run([ID, 'ds1,ds2', 'partition', 'ds2'])).rejects.toThrow('partition: ds2 cannot be on both sides');
    const e = await faultCommand.run([ID, 'rs1', 'kill']).catch((x: Error) => x);
    expect(e).not.toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe("host 'rs1' is a real server, not a director ('kill' applies to directors)");
    await expect(faultCommand.run([ID, 'rs1', 'start-keepalived'])).rejects.toThrow("host 'rs1' is a real server, not a director ('start-keepalived' applies to directors)");
  });

  it('prints its help', async () => {
    expect(await faultCommand.run(['--help'])).toBe(0);
    expect(printed.out()).toContain('usage: lvslab fault <lab> <host> kill|stop|start|restart|reboot');
    expect(printed.out()).toContain('lvslab fault <lab> <host> kill-keepalived|start-keepalived');
  });
});

describe('lvslab logs', () => {
  it("merges the lab's logs in time order, one line each with its time, host and writer; a host shows its own", async () => {
    const logs = path.join(root, ID, 'logs');
    fs.writeFileSync(path.join(logs, 'director-ds1.log'), '2025-01-02T03:04:05.000Z ready\n2025-01-02T03:04:09.000Z vrrp: (VI_1) Entering MASTER STATE\n');
    fs.writeFileSync(path.join(logs, 'director-ds2.log'), '2025-01-02T03:04:07.000Z vrrp: (VI_1) Entering BACKUP STATE\n');
    fs.writeFileSync(path.join(logs, 'fault-ds2.log'), '2025-01-02T03:04:08.000Z killed the director daemon on ds2 (pid 7)\n');
    expect(await logsCommand.run([ID.slice(0, 4)])).toBe(0);
    expect(printed.out()).toBe(
      [
        '2025-01-02T03:04:05.000Z ds1    director: ready',
        '2025-01-02T03:04:07.000Z ds2    Keepalived_vrrp: (VI_1) Entering BACKUP STATE',
        '2025-01-02T03:04:08.000Z ds2    fault: killed the director daemon on ds2 (pid 7)',
        '2025-01-02T03:04:09.000Z ds1    Keepalived_vrrp: (VI_1) Entering MASTER STATE',
        '',
      ].join('\n'),
    );
    printed.stdout.length = 0;
    expect(await logsCommand.run([ID, 'ds2'])).toBe(0);
    expect(printed.out().split('\n').filter(Boolean)).toHaveLength(2);
    await expect(logsCommand.run([ID, 'ds7'])).rejects.toThrow(`lab ${ID} has no host 'ds7'`);
  });
});

describe('lvslab ipvsadm', () => {
  it('refuses an unknown host as a usage error', async () => {
    await expect(ipvsadmCommand.run([ID, 'ds7', '-Ln'])).rejects.toThrow(`lab ${ID} has no host 'ds7'`);
  });
});
