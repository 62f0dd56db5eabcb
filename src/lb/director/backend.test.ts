// The embedded session's process handling, without a lab: a fake host whose "daemon" is a control
// socket answering ping in this process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lab } from '../../lab/index.js';
import { ControlServer } from './control.js';
import { EmbeddedSession, directorFiles } from './backend.js';
import { HeldLock } from './lock.js';

// the daemon's entry and modules are compiled files; nothing runs them here
vi.mock('../../lab/dist-path.js', () => ({ compiledPath: (m: string | URL) => String(m) }));

const FAKE_PID = 4_000_001;
let root: string;
let servers: ControlServer[];

function fakeLab(id: string): Lab {
  fs.mkdirSync(path.join(root, id, 'logs'), { recursive: true });
  const host = {
    name: 'ds1',
    role: 'director',
    async spawn(argv: string[]) {
      const cfg = JSON.parse(fs.readFileSync(argv[argv.indexOf('--config') + 1], 'utf8')) as { socket: string };
      servers.push(await ControlServer.listen(cfg.socket, () => ({ pid: FAKE_PID })));
      let exit!: () => void;
      const exited = new Promise<{ exitCode?: number }>((r) => (exit = () => r({ exitCode: 0 })));
      return { pid: FAKE_PID, host: 'ds1', logFile: path.join(root, id, 'logs', 'director-ds1.log'), exited, kill: () => exit() };
    },
  };
  return { id, runDir: path.join(root, id), host: () => host } as unknown as Lab;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-backend-'));
  process.env.LVSLAB_RUN_DIR = root;
  servers = [];
});
afterEach(async () => {
  vi.useRealTimers();
  for (const s of servers) await s.close();
  delete process.env.LVSLAB_RUN_DIR;
  fs.rmSync(root, { recursive: true, force: true });
});

describe('EmbeddedSession', () => {
  it('leaves no timer behind once a stopped daemon has exited (nothing keeps the process alive)', async () => {
    const s = new EmbeddedSession(fakeLab('lstop1'));
    await s.startDirector('ds1', {});
    vi.useFakeTimers();
    await s.stopDirector('ds1');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('kills and starts keepalived alone, and says when that does not apply', async () => {
    const s = new EmbeddedSession(fakeLab('lka1'));
    await s.startDirector('ds1', {});
    await expect(s.killKeepalived('ds1')).rejects.toThrow('ds1: the director runs no keepalived (it was started without a keepalived.conf)');
    await expect(s.startKeepalived('ds1')).rejects.toThrow('ds1: the director runs no keepalived');
    await s.stopDirector('ds1');
    for (const x of servers.splice(0)) await x.close();
    await s.startDirector('ds1', { keepalivedConf: 'global_defs {\n}\n' });
    await expect(s.startKeepalived('ds1')).rejects.toThrow(`ds1: keepalived is already running (pid ${FAKE_PID})`);
    await s.killKeepalived('ds1');
    expect(s.pidOf('ds1')).toBe(FAKE_PID);
    expect(s.keepalivedPidOf('ds1')).toBeUndefined();
    await expect(s.killKeepalived('ds1')).rejects.toThrow('ds1: keepalived is not running (nothing to kill)');
    await servers.pop()!.close(); // the killed keepalived side's socket
    await s.startKeepalived('ds1');
    expect(s.keepalivedPidOf('ds1')).toBe(FAKE_PID);
    await s.killDirector('ds1');
    expect([s.pidOf('ds1'), s.keepalivedPidOf('ds1')]).toEqual([undefined, undefined]);
    await expect(s.startKeepalived('ds1')).rejects.toThrow('the director daemon is not running');
  });

  it('records the configuration with the lock, and refuses a second daemon while one holds the lock', async () => {
    const lab = fakeLab('llock1');
    const s = new EmbeddedSession(lab);
    const files = directorFiles('llock1', 'ds1');
    const other = HeldLock.tryAcquire(files.lock, 'director daemon ds1')!;
    try {
      await expect(s.startDirector('ds1', {})).rejects.toThrow(`a director daemon is already running on ds1 (pid ${process.pid})`);
    } finally {
      other.release();
    }
    await s.startDirector('ds1', { ipvsadm: ['-A -t 192.168.1.112:80'], keepalivedConf: 'global_defs {\n}\n', keepalivedFile: 'my.conf' });
    expect(JSON.parse(fs.readFileSync(files.config, 'utf8'))).toMatchObject({ director: 'ds1', lock: files.lock, socket: files.socket, ipvsadm: ['-A -t 192.168.1.112:80'] });
    expect(fs.statSync(files.config).mode & 0o777).toBe(0o600);
    // the keepalived.conf is the keepalived side's: its own record, lock and socket, the daemon's socket to reach IPVS
    expect(JSON.parse(fs.readFileSync(files.keepalived.config, 'utf8'))).toMatchObject({ director: 'ds1', lock: files.keepalived.lock, socket: files.keepalived.socket, dataplaneSocket: files.socket, keepalivedConf: 'global_defs {\n}\n', keepalivedFile: 'my.conf' });
    expect(fs.statSync(files.keepalived.config).mode & 0o777).toBe(0o600);
    expect(s.keepalivedPidOf('ds1')).toBe(FAKE_PID);
    await s.close();
  });
});
