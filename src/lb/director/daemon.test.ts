import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRequest } from './control.js';
import { DirectorDaemon, splitArgs, timestamped, type DaemonStatus, type QueueOpener } from './daemon.js';
import type { RulesSpec } from './netfilter.js';
import { emptyQueueStats } from './nfqueue.js';
import { FixtureCore } from '../../../test/director/fixture-core.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-daemon-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakes() {
  const applied: RulesSpec[] = [];
  let removed = 0;
  let closed = 0;
  const rules = { apply: async (s: RulesSpec) => void applied.push(s), remove: async () => (removed++, []) };
  const openQueue: QueueOpener = async () => ({ stats: emptyQueueStats(), close: () => void closed++ });
  return { applied, rules, openQueue, removed: () => removed, closed: () => closed };
}

const quiet = () => undefined;

describe('DirectorDaemon', () => {
  it('configures the core, derives rules, answers ipvsadm and status over the control socket, and stops cleanly', async () => {
    const f = fakes();
    const socket = path.join(tmp(), 'ds1.sock');
    const d = await DirectorDaemon.start(
      { director: 'ds1', socket, ipvsadm: ['-A -t 192.168.1.112:80 -s rr', 'ipvsadm -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m'] },
      new FixtureCore(),
      { rules: f.rules, openQueue: f.openQueue, log: quiet, readProcQueue: () => '    0  12345     0 2 65535     7     0  99  1\n' },
    );
    try {
      expect(f.applied).toHaveLength(1);
      expect(f.applied[0].services[0].dests).toEqual([{ addr: '10.0.0.101', port: 80, forwarding: 'masq' }]);
      expect(f.applied[0].destMarks.get('10.0.0.101:80')).toBeGreaterThan(f.applied[0].rejectMark);
      // a change through the control socket re-derives the rules; a listing does not
      const r = await controlRequest<{ status: number }>(socket, { op: 'ipvsadm', argv: ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.102:80', '-g'] });
      expect(r.status).toBe(0);
      expect(f.applied).toHaveLength(2);
      expect(f.applied[1].services[0].dests.map((x) => x.forwarding)).toEqual(['route', 'masq']);
      await controlRequest(socket, { op: 'ipvsadm', argv: ['-Ln'] });
      expect(f.applied).toHaveLength(2);
      const st = await controlRequest<DaemonStatus>(socket, { op: 'status' });
      expect(st).toMatchObject({ director: 'ds1', mode: 'per-packet', queue: 0, kernelQueue: { queueDropped: 7, userDropped: 0 }, rulesError: null });
      await expect(controlRequest(socket, { op: 'nope' })).rejects.toThrow("unknown op 'nope'");
      await expect(controlRequest(socket, { op: 'ipvsadm', argv: 'oops' })).rejects.toThrow('"argv" must be an array of strings');
      await expect(controlRequest(socket, { op: 'module', module: 'vrrp' })).rejects.toThrow("no module 'vrrp'");
    } finally {
      await d.stop();
    }
    expect(f.removed()).toBe(1);
    expect(f.closed()).toBe(1);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it('refuses a bad configuration line, naming it, and leaves nothing behind', async () => {
    const f = fakes();
    const socket = path.join(tmp(), 'ds1.sock');
    await expect(
      DirectorDaemon.start({ director: 'ds1', socket, ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-Q nonsense'] }, new FixtureCore(), { rules: f.rules, openQueue: f.openQueue, log: quiet }),
    ).rejects.toThrow("ipvsadm: 'ipvsadm -Q nonsense' failed (status 2)");
    expect(fs.existsSync(socket)).toBe(false);
    expect(f.removed()).toBe(1);
  });

  it('hosts modules: starts them with the host, routes control calls, includes their status, stops them first', async () => {
    const f = fakes();
    const dir = tmp();
    const events: string[] = [];
    (globalThis as Record<string, unknown>).__lvslabTestEvents = events;
    const modFile = path.join(dir, 'mod.mjs');
    fs.writeFileSync(
      modFile,
      `export default (opts) => ({
        name: 'probe',
        start(host) { globalThis.__lvslabTestEvents.push('start ' + host.config.director + ' ' + opts.x); host.onServicesChanged((s) => globalThis.__lvslabTestEvents.push('changed ' + s.length)); },
        stop(how) { globalThis.__lvslabTestEvents.push('stop ' + how); },
        status() { return { ok: true }; },
        control(call, args) { return { call, args }; },
      });`,
    );
    const socket = path.join(dir, 'ds1.sock');
    const d = await DirectorDaemon.start({ director: 'ds1', socket, modules: [{ import: modFile, options: { x: 42 } }] }, new FixtureCore(), { rules: f.rules, openQueue: f.openQueue, log: quiet });
    await controlRequest(socket, { op: 'ipvsadm', argv: ['-A', '-u', '192.168.1.112:9999'] });
    expect(await controlRequest(socket, { op: 'module', module: 'probe', call: 'hello', args: [1] })).toEqual({ call: 'hello', args: [1] });
    expect((await controlRequest<DaemonStatus>(socket, { op: 'status' })).modules).toEqual({ probe: { ok: true } });
    await d.stop();
    expect(events).toEqual(['start ds1 42', 'changed 1', 'stop graceful']);
  });

  it('installs its rules again when they are removed behind its back, and says so', async () => {
    const f = fakes();
    let missing = ['mangle PREROUTING -j LVSLAB_PRE'];
    let reinstalled = 0;
    const rules = { ...f.rules, check: async () => missing, reinstall: async () => void (reinstalled++, (missing = [])) };
    const lines: string[] = [];
    const socket = path.join(tmp(), 'ds1.sock');
    const d = await DirectorDaemon.start({ director: 'ds1', socket, rulesCheckMs: 20, ipvsadm: ['-A -t 192.168.1.112:80'] }, new FixtureCore(), { rules, openQueue: f.openQueue, log: (l) => lines.push(l) });
    try {
      for (let i = 0; i < 100 && reinstalled === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(reinstalled).toBe(1);
      expect(lines).toContain("rules: this daemon's LVSLAB rules were removed (missing: mangle PREROUTING -j LVSLAB_PRE); installing them again");
      expect((await controlRequest<DaemonStatus>(socket, { op: 'status' })).rulesReinstalled).toBe(1);
      // when they cannot be installed again, it says so loudly, in the log and the status
      missing = ['filter INPUT -j LVSLAB_IN'];
      rules.reinstall = async () => {
        throw new Error('iptables-restore failed: no such table');
      };
      for (let i = 0; i < 100 && !lines.some((l) => l.startsWith('rules: ERROR')); i++) await new Promise((r) => setTimeout(r, 20));
      expect((await controlRequest<DaemonStatus>(socket, { op: 'status' })).rulesError).toBe('rules were removed and could not be installed again: iptables-restore failed: no such table');
    } finally {
      await d.stop();
    }
  });

  it('timestamps its log lines', () => {
    expect(timestamped('ready', new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('2025-01-02T03:04:05.006Z ready\n');
  });

  it('splits ipvsadm lines and drops a leading "ipvsadm"', () => {
    expect(splitArgs('  ipvsadm -A  -t 1.2.3.4:80 ')).toEqual(['-A', '-t', '1.2.3.4:80']);
  });
});
