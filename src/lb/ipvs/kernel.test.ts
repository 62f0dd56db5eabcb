import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINNED_KERNEL, kernelProfile } from './kernel.js';

describe('kernel profiles', () => {
  it('the default is the kernel kernel-pin.json pins, whose Debian build has every scheduler but twos', () => {
    const pin = JSON.parse(readFileSync(new URL('../../../kernel-pin.json', import.meta.url), 'utf8')) as { release: string; package: string; version: string };
    expect(PINNED_KERNEL.release).toBe(pin.release);
    expect(PINNED_KERNEL.description).toContain(`${pin.package} ${pin.version}`);
    expect(PINNED_KERNEL.schedulers).not.toContain('twos');
    expect(PINNED_KERNEL.schedulers).toHaveLength(13);
    expect(PINNED_KERNEL.overheadModel).toBe('totalconns');
    expect(kernelProfile('pinned')).toBe(PINNED_KERNEL);
    expect(kernelProfile(pin.release)).toBe(PINNED_KERNEL);
  });

  it('a mainline version has the schedulers of its tree and mainline counting', () => {
    expect(kernelProfile('6.7').schedulers).toContain('twos');
    expect(kernelProfile('5.11').schedulers).not.toContain('twos');
    expect(kernelProfile('4.17.3').schedulers).not.toContain('mh');
    expect(kernelProfile('4.18').schedulers).toContain('mh');
    expect(kernelProfile('6.7').overheadModel).toBe('inactconns');
  });

  it('refuses names it cannot model, saying what it accepts', () => {
    expect(() => kernelProfile('linux')).toThrow("unknown kernel 'linux': give a mainline version (e.g. 6.7) or the pinned kernel ('pinned' or 6.1.0-57-amd64)");
    expect(() => kernelProfile('2.6')).toThrow('kernel 2.6: the embedded IPVS models kernels from 3.0 on');
  });
});
