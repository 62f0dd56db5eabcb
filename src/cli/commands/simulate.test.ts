import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../command.js';
import { simulateCommand } from './simulate.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-simulate-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  return { out: () => out, err: () => err };
}

describe('lvslab simulate', () => {
  it('prints the decisions of a trace file and exits 0', async () => {
    const f = path.join(dir, 'rr.trace');
    fs.writeFileSync(f, '-A -u 10.0.0.100:53 -s rr\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m\n-a -u 10.0.0.100:53 -r 10.0.1.2 -m\nconn udp 10.0.0.2:1 10.0.0.100:53\nconn udp 10.0.0.2:2 10.0.0.100:53\n');
    const io = capture();
    expect(await simulateCommand.run([f])).toBe(0);
    expect(io.out()).toBe('10.0.0.2:1 -> 10.0.1.2:53\n10.0.0.2:2 -> 10.0.1.1:53\n');
  });

  it('exits with ipvsadm status on a refused command, 2 on an unreadable line', async () => {
    const f = path.join(dir, 'bad.trace');
    fs.writeFileSync(f, '-D -t 10.0.0.1:80\n');
    let io = capture();
    expect(await simulateCommand.run([f])).toBe(255);
    expect(io.out()).toBe('No such service\n');
    vi.restoreAllMocks();
    fs.writeFileSync(f, 'conn tcp nowhere 10.0.0.1:80\n');
    io = capture();
    expect(await simulateCommand.run([f])).toBe(2);
    expect(io.err()).toContain(`${f}: line 1: client: expected ADDRESS:PORT, got 'nowhere'`);
  });

  it('--kernel names the kernel modelled: twos is refused on the pinned one, scheduled on 6.7', async () => {
    const f = path.join(dir, 'twos.trace');
    fs.writeFileSync(f, '-A -u 10.0.0.100:53 -s twos\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m\nconn udp 10.0.0.2:1 10.0.0.100:53\n');
    let io = capture();
    expect(await simulateCommand.run([f])).toBe(255);
    expect(io.out()).toBe('Scheduler or persistence engine not found\nService not defined\n10.0.0.2:1 -> none\n');
    vi.restoreAllMocks();
    io = capture();
    expect(await simulateCommand.run(['--kernel', '6.7', f])).toBe(0);
    expect(io.out()).toBe('10.0.0.2:1 -> 10.0.1.1:53\n');
    await expect(simulateCommand.run(['--kernel', 'linux', f])).rejects.toThrow(/unknown kernel 'linux'/);
  });

  it('rejects unknown options and missing files as usage errors', async () => {
    await expect(simulateCommand.run(['--frob'])).rejects.toThrow(UsageError);
    await expect(simulateCommand.run([path.join(dir, 'missing.trace')])).rejects.toThrow(/cannot read trace/);
    await expect(simulateCommand.run(['--seed', 'x'])).rejects.toThrow(/--seed needs a non-negative integer/);
  });
});
