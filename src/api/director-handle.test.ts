// The API's director handle over a fake backend session: keepalived's faults are refused, with the
// problem named, where they do not apply — on either backend (the kernel's session would ignore them).
import { describe, expect, it } from 'vitest';
import type { Lab } from '../lab/index.js';
import type { BackendSession } from '../lb/backend.js';
import { LvsLab } from './up.js';

function fakeLab(): Lab {
  const host = (name: string, role: string) => ({ name, role });
  return { id: 'lfake1', client: host('client', 'client'), directors: [host('ds1', 'director')], reals: [] } as unknown as Lab;
}

function fakeSession(calls: string[]): BackendSession {
  const note = (what: string) => async (d: string) => void calls.push(`${what} ${d}`);
  return {
    backend: 'kernel',
    startDirector: note('start'),
    stopDirector: note('stop'),
    killDirector: note('kill'),
    killKeepalived: note('killKeepalived'),
    startKeepalived: note('startKeepalived'),
    ipvsadm: async () => ({ stdout: '', stderr: '', status: 0 }),
    close: async () => undefined,
  };
}

describe('DirectorHandle: killing and starting keepalived alone', () => {
  it('passes the faults on when they apply, and names the problem when they do not', async () => {
    const calls: string[] = [];
    const ds1 = new LvsLab(fakeLab(), fakeSession(calls)).director('ds1');
    await expect(ds1.killKeepalived()).rejects.toThrow("ds1: killKeepalived: the director's load balancer is not running (configure() starts it)");
    await ds1.configure({ ipvsadm: ['-A -t 192.168.1.112:80'] });
    await expect(ds1.killKeepalived()).rejects.toThrow('ds1: killKeepalived: the director runs no keepalived (it was configured without a keepalivedConf)');
    await expect(ds1.startKeepalived()).rejects.toThrow('ds1: startKeepalived: the director runs no keepalived');
    await ds1.stop();
    await ds1.configure({ keepalivedConf: 'global_defs {\n}\n' });
    await expect(ds1.startKeepalived()).rejects.toThrow('ds1: startKeepalived: keepalived is already running');
    await ds1.killKeepalived();
    await expect(ds1.killKeepalived()).rejects.toThrow('ds1: killKeepalived: keepalived is not running (startKeepalived() starts it)');
    await ds1.startKeepalived();
    await ds1.kill();
    await expect(ds1.startKeepalived()).rejects.toThrow("ds1: startKeepalived: the director's load balancer is not running");
    expect(calls).toEqual(['start ds1', 'stop ds1', 'start ds1', 'killKeepalived ds1', 'startKeepalived ds1', 'kill ds1']);
  });
});
