import { describe, expect, it } from 'vitest';
import { qemuArgs } from './qemu-args.js';
import { shellQuote } from './runner.js';

const kernel = { release: '6.1.0-56-amd64', vmlinux: '/c/vmlinux', initramfs: '/c/initramfs.gz', modules: '/c/tree/lib/modules/6.1.0-56-amd64' };
const base = { kernel, shareDir: '/tmp/share', stage2: '/tmp/share/.lvslab-vm/stage2.sh', cpus: 2, memoryMb: 2048 };

function optionValues(args: string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option ? [args[i + 1]] : []));
}

describe('qemuArgs', () => {
  it('gives the VM no network device and no other -nic/-netdev/-device NIC', () => {
    const args = qemuArgs(base);
    expect(optionValues(args, '-nic')).toEqual(['none']);
    expect(args).not.toContain('-netdev');
    expect(optionValues(args, '-device').every((d) => d.startsWith('isa-debug-exit'))).toBe(true);
  });

  it('shares the host root read-only and the share read-write at the same path', () => {
    const fs = optionValues(qemuArgs(base), '-virtfs');
    expect(fs[0]).toMatch(/^local,path=\/,mount_tag=hostroot,.*readonly=on/);
    expect(fs[1]).toMatch(/^local,path=\/tmp\/share,mount_tag=share,/);
    expect(fs[1]).not.toContain('readonly');
    const append = optionValues(qemuArgs(base), '-append')[0];
    expect(append).toContain('share=/tmp/share');
    expect(append).toContain('stage2=/tmp/share/.lvslab-vm/stage2.sh');
    expect(append).toContain('kv=6.1.0-56-amd64');
  });

  it('uses the requested vCPUs and memory', () => {
    const args = qemuArgs({ ...base, cpus: 1, memoryMb: 1024 });
    expect(optionValues(args, '-smp')).toEqual(['1']);
    expect(optionValues(args, '-m')).toEqual(['1024']);
  });

  it('rejects paths the kernel command line cannot carry, naming them', () => {
    expect(() => qemuArgs({ ...base, shareDir: '/tmp/my share' })).toThrow(/shareDir '\/tmp\/my share' must not contain whitespace/);
    expect(() => qemuArgs({ ...base, shareDir: 'relative' })).toThrow(/shareDir 'relative' must be an absolute path/);
    expect(() => qemuArgs({ ...base, cpus: 0 })).toThrow(/cpus 0/);
  });
});

describe('shellQuote', () => {
  it('leaves plain words and quotes the rest so the shell reads them back verbatim', () => {
    expect(shellQuote('ipvsadm')).toBe('ipvsadm');
    expect(shellQuote("it's a b")).toBe(`'it'\\''s a b'`);
  });
});
