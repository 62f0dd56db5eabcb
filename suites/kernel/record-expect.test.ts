// Users' own kernel recordings, end to end, as a user runs them: `lvslab record TRACE` records a
// trace on the kernel (natively where the host has IPVS, else in the kernel VM: one boot for the
// whole file), `lvslab simulate TRACE --expect TRACE.golden` checks the embedded IPVS against it,
// and the same trace with one weight changed fails the check with a diff naming the lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expect } from '../../src/api/vitest.js';
import { kernelPin } from '../../src/lab/vm/kernel-cache.js';
import { parseGolden, type Golden } from '../../src/lb/kernel/recording/golden.js';
import { vmRecordTimeoutMs } from '../../src/lb/kernel/recording/record.js';
import { needs, probe } from '../../test/capabilities.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const TRACE = readFileSync(fileURLToPath(new URL('./traces/wrr-weights.trace', import.meta.url)), 'utf8');
/** the same trace with the second real server's weight 1 -> 3 */
const CHANGED = TRACE.replace('-r 10.0.0.102:80 -m -w 1', '-r 10.0.0.102:80 -m -w 3');
const kernel = await probe.kernelIpvs();
// the command's own bound for one VM run, three boots at most (a boot-time panic under load boots again)
const recordMs = 3 * vmRecordTimeoutMs(TRACE) + 60_000;

describe(`lvslab record + simulate --expect (${kernel.kernel.mode})`, needs(await probe.root(), probe.built('dist/cli/main.js'), kernel.cap), () => {
  const mode = kernel.kernel.mode === 'native' ? 'native' : 'vm';
  let dir: string;
  let recorded: { exitCode?: number; stdout: string; stderr: string; ms: number };
  let golden: Golden;
  const files = () => ({ trace: join(dir, 'wrr-weights.trace'), changed: join(dir, 'wrr-weights-changed.trace'), golden: join(dir, 'wrr-weights.trace.golden') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvslab-record-suite-'));
    writeFileSync(files().trace, TRACE);
    writeFileSync(files().changed, CHANGED);
    const started = Date.now();
    const r = await execa(process.execPath, [cli, 'record', '--kernel', mode, '-o', files().golden, files().trace], { reject: false, timeout: recordMs });
    recorded = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
    process.stderr.write(`record-expect: lvslab record --kernel ${mode} took ${(recorded.ms / 1000).toFixed(1)} s\n`);
  }, recordMs + 10_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records the trace on the kernel, with its provenance header', () => {
    expect(recorded.exitCode, recorded.stderr).toBe(0);
    expect(recorded.stdout).toBe('');
    expect(recorded.stderr).toContain(mode === 'vm' ? 'lvslab record: booting the kernel VM' : 'lvslab record: replaying');
    golden = parseGolden(readFileSync(files().golden, 'utf8'), 'wrr-weights.trace.golden');
    const p = golden.provenance;
    expect(p.how).toMatch(new RegExp(`^lvslab record --kernel ${mode}: `));
    if (kernel.kernel.mode === 'vm') {
      const k = kernel.kernel.kernel;
      const pin = kernelPin();
      expect(p.kernel).toEqual({ release: k.release, package: k.package ?? `linux-image-${k.release}`, version: k.version ?? 'unknown', pinned: k.release === pin.release && k.version === pin.version });
    }
    expect(p.ipvsadm.version).toMatch(/^ipvsadm v1\./);
    expect(golden.trace.name).toBe(files().trace);
    // six connections, each answered by one of the two real servers; the failed -d with its status
    const conns = golden.items.filter((i) => i.text.startsWith('conn '));
    expect(conns).toHaveLength(6);
    for (const c of conns) expect(c.output).toMatch(/^192\.168\.1\.20:4000\d -> 10\.0\.0\.10[12]:80\n$/);
    expect(golden.items.find((i) => i.text.startsWith('-d '))).toMatchObject({ line: 24, output: 'No such destination\n', status: 255 });
    expect(golden.items.find((i) => i.text === '-Ln')?.output).toContain('TCP  192.168.1.112:80 wrr\n');
  });

  it('simulate --expect: the embedded IPVS agrees with the recording (exit 0)', async () => {
    const r = await execa(process.execPath, [cli, 'simulate', files().trace, '--expect', files().golden], { reject: false });
    expect(r.stdout).toMatch(/: the embedded IPVS agrees with the kernel recording .*wrr-weights\.trace\.golden \(9 items\)\n/);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(files().trace).toMatchKernelRecording(files().golden);
  });

  it('a changed weight fails the check (exit 1) with a diff naming the lines, kernel (-) and embedded (+)', async () => {
    const r = await execa(process.execPath, [cli, 'simulate', files().changed, '--expect', files().golden], { reject: false });
    expect(r.exitCode, r.stderr).toBe(1);
    const out = r.stdout;
    expect(out).toMatch(/wrr-weights-changed\.trace: the embedded IPVS disagrees with the kernel recording .* on 3 items \(kernel lines -, embedded \+\)/);
    expect(out).toContain('note: ');
    // weights 3:3 send the third connection to the other server...
    expect(out).toMatch(/line 12: conn tcp 192\.168\.1\.20:40002 192\.168\.1\.112:80\n--- kernel\n\+\+\+ embedded\n@@ kernel line 1 @@\n-192\.168\.1\.20:40002 -> 10\.0\.0\.101:80\n\+192\.168\.1\.20:40002 -> 10\.0\.0\.102:80\n/);
    // ...and the listings show the new weight and counts
    expect(out).toMatch(/line 25: -Ln\n[^]*\n- {2}-> 10\.0\.0\.102:80 +Masq +1 +2 +0 *\n[^]*\+ {2}-> 10\.0\.0\.102:80 +Masq +3 +3 +0 *\n/);
    expect(out).toMatch(/line 26: -Lnc\n[^]*\n-TCP \d\d:\d\d  ESTABLISHED 192\.168\.1\.20:40002 192\.168\.1\.112:80 +10\.0\.0\.101:80\n\+TCP 15:00  ESTABLISHED 192\.168\.1\.20:40002 192\.168\.1\.112:80 +10\.0\.0\.102:80\n/);
    expect(files().changed).not.toMatchKernelRecording(files().golden);
  });
});
