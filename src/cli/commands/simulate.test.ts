import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../command.js';
import { simulateCommand } from './simulate.js';
import { formatGolden, traceSha256 } from '../../lb/kernel/recording/golden.js';
import { runTraceItems } from '../../lb/simulate/run.js';

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

describe('lvslab simulate --expect', () => {
  const trace = '-A -u 10.0.0.100:53 -s wrr\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m -w 2\n-a -u 10.0.0.100:53 -r 10.0.1.2 -m -w 1\nconn udp 10.0.0.2:1 10.0.0.100:53\nconn udp 10.0.0.2:2 10.0.0.100:53\nconn udp 10.0.0.2:3 10.0.0.100:53\n';
  /** a recording whose kernel printed what the embedded IPVS prints for `text` */
  const recording = (text: string) =>
    formatGolden({
      trace: { name: 'w.trace', sha256: traceSha256(text) },
      provenance: { kernel: { release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', pinned: true }, ipvsadm: { version: 'v1.31', package: 'ipvsadm 1:1.31-1+b1' }, recorded: '2026-12-06T00:00:00.000Z', how: 'test' },
      elapsedS: 1,
      items: [...runTraceItems(text)].filter((r) => r.output !== '').map((r) => ({ line: r.line, text: r.text, output: r.output, status: r.status, atS: 0.5 })),
    });

  it('exits 0 with the verdict when the embedded IPVS agrees, 1 with a diff when a weight changed', async () => {
    const t = path.join(dir, 'w.trace');
    const g = path.join(dir, 'w.trace.golden');
    fs.writeFileSync(t, trace);
    fs.writeFileSync(g, recording(trace));
    let io = capture();
    expect(await simulateCommand.run([t, '--expect', g])).toBe(0);
    expect(io.out()).toMatch(/: the embedded IPVS agrees with the kernel recording .*w\.trace\.golden \(3 items\)\nrecording: linux-image-6\.1\.0-57-amd64 6\.1\.192-3/);
    vi.restoreAllMocks();
    fs.writeFileSync(t, trace.replace('-w 1', '-w 2'));
    io = capture();
    expect(await simulateCommand.run(['--expect', g, t])).toBe(1);
    expect(io.out()).toMatch(/disagrees with the kernel recording .* on 1 item \(kernel lines -, embedded \+\)/);
    expect(io.out()).toContain('line 6: conn udp 10.0.0.2:3 10.0.0.100:53\n--- kernel\n+++ embedded\n@@ kernel line 1 @@\n-10.0.0.2:3 -> 10.0.1.1:53\n+10.0.0.2:3 -> 10.0.1.2:53');
  });

  it('exits 2 naming file, line and problem for a recording without header or of another trace', async () => {
    const t = path.join(dir, 'w2.trace');
    const g = path.join(dir, 'w2.trace.golden');
    fs.writeFileSync(t, trace);
    fs.writeFileSync(g, '10.0.0.2:1 -> 10.0.1.1:53\n');
    let io = capture();
    expect(await simulateCommand.run([t, '--expect', g])).toBe(2);
    expect(io.err()).toContain(`lvslab simulate: ${g}:1: no provenance header`);
    vi.restoreAllMocks();
    fs.writeFileSync(g, recording(trace.replace('10.0.0.2:2', '10.0.0.9:2')));
    io = capture();
    expect(await simulateCommand.run([t, '--expect', g])).toBe(2);
    expect(io.err()).toMatch(new RegExp(`${g.replace(/[.]/g, '\\.')}:\\d+: recorded from line 5 of 'w\\.trace' \\('conn udp 10\\.0\\.0\\.9:2 10\\.0\\.0\\.100:53'\\), but line 5 of ${t.replace(/[.]/g, '\\.')} is 'conn udp 10\\.0\\.0\\.2:2`));
    await expect(simulateCommand.run([t, '--expect'])).rejects.toThrow(/--expect needs a kernel recording file/);
    await expect(simulateCommand.run([t, '--expect', path.join(dir, 'none.golden')])).rejects.toThrow(/cannot read kernel recording '.*none\.golden': ENOENT/);
  });
});
