import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogReader, formatLogLine, lineTime, logSource, mergeByTime } from './logs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-logs-'));
  dirs.push(d);
  return d;
}

describe('lab logs', () => {
  it("reads a line's time: the director's ISO stamp, keepalived's console date, or none", () => {
    expect(lineTime('2025-01-02T03:04:05.006Z vrrp: (VI_1) Entering MASTER STATE')).toEqual({ at: Date.UTC(2025, 0, 2, 3, 4, 5, 6), text: 'vrrp: (VI_1) Entering MASTER STATE' });
    const k = lineTime('Thu Jun  6 12:34:56 2024: (VI_1) Entering BACKUP STATE (init)');
    expect(k.text).toBe('(VI_1) Entering BACKUP STATE (init)');
    expect(new Date(k.at!).getFullYear()).toBe(2024);
    expect(lineTime('    at Object.<anonymous> (x.js:1:1)')).toEqual({ text: '    at Object.<anonymous> (x.js:1:1)' });
  });

  it('knows each file by its name: the host it is about and what wrote it', () => {
    const hosts = ['client', 'ds1', 'ds2', 'rs1'];
    expect(logSource('director-ds1.log', hosts)).toEqual({ host: 'ds1', source: 'director' });
    expect(logSource('agent-rs1.log', hosts)).toEqual({ host: 'rs1', source: 'agent' });
    expect(logSource('fault-ds2.log', hosts)).toEqual({ host: 'ds2', source: 'fault' });
    expect(logSource('ds1-keepalived.log', hosts)).toEqual({ host: 'ds1', source: 'keepalived' });
    expect(logSource('keepalived-ds2.log', hosts)).toEqual({ host: 'ds2', source: 'Keepalived' });
    expect(logSource('agents.log', hosts)).toEqual({ host: '-', source: 'agents' });
  });

  it('streams new complete lines, names VRRP and checker lines as keepalived does, and carries times to lines without one', async () => {
    const file = path.join(tmp(), 'director-ds1.log');
    fs.writeFileSync(file, '2025-01-02T03:04:05.000Z vrrp: (VI_1) Entering MASTER STATE (master-down timer expired)\n2025-01-02T03:04:06.000Z uncaught: Error: x\n    at y (z.js:1:1)\n2025-01-02T03:04:07.000Z checker: Removing serv');
    const r = new LogReader(file, 'ds1', 'director');
    const first = await r.readNew();
    expect(first.map((l) => [l.at - Date.UTC(2025, 0, 2, 3, 4, 0), l.source, l.text])).toEqual([
      [5000, 'Keepalived_vrrp', '(VI_1) Entering MASTER STATE (master-down timer expired)'],
      [6000, 'director', 'uncaught: Error: x'],
      [6000, 'director', '    at y (z.js:1:1)'],
    ]);
    fs.appendFileSync(file, 'ice [10.0.0.102]:tcp:80 from VS [192.168.1.112]:tcp:80\n');
    const next = await r.readNew();
    expect(next.map((l) => `${l.source}: ${l.text}`)).toEqual(['Keepalived_healthcheckers: Removing service [10.0.0.102]:tcp:80 from VS [192.168.1.112]:tcp:80']);
    expect(await r.readNew()).toEqual([]);
    expect(formatLogLine(next[0], 4)).toBe('2025-01-02T03:04:07.000Z ds1  Keepalived_healthcheckers: Removing service [10.0.0.102]:tcp:80 from VS [192.168.1.112]:tcp:80');
  });

  it("names an embedded director's keepalived side by keepalived's processes; the kernel's keepalived log is left as it is", async () => {
    const dir = tmp();
    const file = path.join(dir, 'keepalived-ds1.log');
    fs.writeFileSync(file, '2025-01-02T03:04:05.000Z vrrp: (VI_1) Entering BACKUP STATE\n2025-01-02T03:04:05.100Z sync: starting backup daemon\n2025-01-02T03:04:05.200Z keepalived: ready\n2025-01-02T03:04:05.300Z uncaught: x\n');
    const lines = await new LogReader(file, 'ds1', logSource('keepalived-ds1.log', ['ds1']).source).readNew();
    expect(lines.map((l) => `${l.source}: ${l.text}`)).toEqual(['Keepalived_vrrp: (VI_1) Entering BACKUP STATE', 'Keepalived_vrrp: starting backup daemon', 'Keepalived: ready', 'Keepalived: uncaught: x']);
    const kfile = path.join(dir, 'ds1-keepalived.log');
    fs.writeFileSync(kfile, 'Thu Jun  6 12:34:56 2024: sync: as written\n');
    expect((await new LogReader(kfile, 'ds1', 'keepalived').readNew()).map((l) => l.source)).toEqual(['keepalived']);
  });

  it('merges files by time, keeping each file in its own order on equal times', () => {
    const l = (at: number, host: string, text: string) => ({ at, host, source: 'director', text });
    expect(mergeByTime([l(2, 'ds1', 'b'), l(3, 'ds1', 'c'), l(1, 'ds2', 'a'), l(2, 'ds2', 'b2')]).map((x) => x.text)).toEqual(['a', 'b', 'b2', 'c']);
  });
});
