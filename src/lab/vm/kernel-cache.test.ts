import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeVmKernel, findVmKernel, kernelPin } from './kernel-cache.js';

const dirs: string[] = [];
function cache(): string {
  const d = mkdtempSync(join(tmpdir(), 'lvslab-kcache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('findVmKernel', () => {
  it('says to run setup-kernel-vm when nothing is prepared', () => {
    const r = findVmKernel(cache());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/no kernel VM prepared in .* \(run scripts\/setup-kernel-vm\)/);
  });

  it('rejects a manifest whose files are gone, naming the field', () => {
    const d = cache();
    mkdirSync(join(d, '6.1.0-x'));
    writeFileSync(join(d, '6.1.0-x', 'ready'), '');
    writeFileSync(join(d, '6.1.0-x', 'kernel.json'), JSON.stringify({ release: '6.1.0-x', vmlinux: join(d, 'nope'), initramfs: join(d, 'nope'), modules: d }));
    symlinkSync('6.1.0-x', join(d, 'current'));
    const r = findVmKernel(d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('vmlinux missing on disk');
  });

  it('returns the prepared kernel', () => {
    const d = cache();
    const k = join(d, '6.1.0-x');
    mkdirSync(k);
    for (const f of ['ready', 'vmlinux', 'initramfs.gz']) writeFileSync(join(k, f), '');
    const kernel = { release: '6.1.0-x', vmlinux: join(k, 'vmlinux'), initramfs: join(k, 'initramfs.gz'), modules: k };
    writeFileSync(join(k, 'kernel.json'), JSON.stringify(kernel));
    symlinkSync('6.1.0-x', join(d, 'current'));
    expect(findVmKernel(d)).toEqual({ ok: true, kernel });
  });
});

describe('the kernel pin', () => {
  const pin = { package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', release: '6.1.0-57-amd64', source: 'linux-source-6.1' };
  const vm = { vmlinux: '/v', initramfs: '/i', modules: '/m' };

  it('is read from kernel-pin.json and names a Debian kernel package', () => {
    const p = kernelPin();
    expect(p.package).toBe(`linux-image-${p.release}`);
    expect(p.version).toMatch(/^\d+\.\d+\.\d+-\d+$/);
  });

  it('says when the VM kernel is the pinned one and when it is not', () => {
    expect(describeVmKernel({ ...vm, release: '6.1.0-57-amd64', package: pin.package, version: '6.1.192-3', pinned: true }, pin)).toBe(
      '6.1.0-57-amd64 (linux-image-6.1.0-57-amd64 6.1.192-3), the pinned kernel',
    );
    expect(describeVmKernel({ ...vm, release: '6.1.0-58-amd64', package: 'linux-image-6.1.0-58-amd64', version: '6.1.195-1', pinned: false }, pin)).toBe(
      '6.1.0-58-amd64 (linux-image-6.1.0-58-amd64 6.1.195-1), NOT the pinned kernel 6.1.0-57-amd64 (6.1.192-3) the recordings come from',
    );
    // an older cache without package fields is judged by its release
    expect(describeVmKernel({ ...vm, release: '6.1.0-56-amd64' }, pin)).toMatch(/NOT the pinned kernel/);
  });
});
