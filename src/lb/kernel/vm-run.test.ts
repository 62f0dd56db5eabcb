import { describe, expect, it } from 'vitest';
import { VM_BOOT_MS, VM_LAB_MS, VM_PROGRESS, VM_SLOWDOWN, lvslabSettingsEnv, outputTail, vmRunTimeoutMs } from './vm-run.js';

describe('kernel VM scenario runs', () => {
  it('bound a run by one boot plus, per scenario, its lab and its steps slowed down', () => {
    expect(vmRunTimeoutMs([])).toBe(VM_BOOT_MS);
    expect(vmRunTimeoutMs([{ nominalMs: 1_000 }, { nominalMs: 0 }])).toBe(VM_BOOT_MS + 2 * VM_LAB_MS + VM_SLOWDOWN * 1_000);
  });

  it('pass only LVSLAB_* settings into the VM', () => {
    expect(lvslabSettingsEnv({ LVSLAB_DEBUG: '1', HOME: '/root', PATH: '/bin', LVSLAB_X: undefined })).toEqual({ LVSLAB_DEBUG: '1' });
  });

  it("quote the VM output's tail without progress lines", () => {
    const out = ['boot', `${VM_PROGRESS}step 1`, 'Error: boom', ''].join('\n');
    expect(outputTail(out, 2)).toBe('Error: boom\n');
  });
});
