import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findVmKernel } from './kernel-cache.js';

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
