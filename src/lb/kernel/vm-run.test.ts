import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../api/scenario/load.js';
import { nominalStepsMs } from '../../api/scenario/run.js';
import { VM_BOOT_MS, VM_LAB_MS, VM_PROGRESS, VM_SLOWDOWN, lvslabSettingsEnv, outputTail, vmRunTimeoutMs } from './vm-run.js';

describe('kernel VM scenario runs', () => {
  it('bound a run by one boot plus, per scenario, its lab and its steps slowed down', () => {
    expect(vmRunTimeoutMs([])).toBe(VM_BOOT_MS);
    expect(vmRunTimeoutMs([{ nominalMs: 1_000 }, { nominalMs: 0 }])).toBe(VM_BOOT_MS + 2 * VM_LAB_MS + VM_SLOWDOWN * 1_000);
  });

  it("derive a scenario's nominal time from what its steps declare", async () => {
    const failover = await loadScenario(fileURLToPath(new URL('../../../scenarios/article/vrrp-failover.yaml', import.meta.url)));
    // wait 4500; exec 2000; 4 requests x 2000; 9000 + 500 probing; exec 2000; 4 x 2000
    expect(nominalStepsMs(failover.scenario)).toBe(4_500 + 2_000 + 8_000 + 9_500 + 2_000 + 8_000);
  });

  it('pass only LVSLAB_* settings into the VM', () => {
    expect(lvslabSettingsEnv({ LVSLAB_DEBUG: '1', HOME: '/root', PATH: '/bin', LVSLAB_X: undefined })).toEqual({ LVSLAB_DEBUG: '1' });
  });

  it("quote the VM output's tail without progress lines", () => {
    const out = ['boot', `${VM_PROGRESS}step 1`, 'Error: boom', ''].join('\n');
    expect(outputTail(out, 2)).toBe('Error: boom\n');
  });
});
