import { describe, expect, it } from 'vitest';
import { resolveDaemonConfig } from './config.js';

describe('daemon configuration defaults and clamps (start_sync_thread)', () => {
  it('master: 1472 bytes whatever the MTU; backup: from the device MTU, at least 1500', () => {
    expect(resolveDaemonConfig({ state: 'master', mcastInterface: 'eth0', syncId: 1 }, 9000)).toEqual({
      state: 'master', mcastInterface: 'eth0', syncId: 1, group: '224.0.0.81', port: 8848, ttl: 1, maxLen: 1472,
    });
    expect(resolveDaemonConfig({ state: 'backup', mcastInterface: 'eth0', syncId: 1 }, 9000).maxLen).toBe(8972);
    expect(resolveDaemonConfig({ state: 'backup', mcastInterface: 'eth0', syncId: 1 }, 1280).maxLen).toBe(1472);
    expect(resolveDaemonConfig({ state: 'backup', mcastInterface: 'eth0', syncId: 1, syncMaxLen: 100 }, 1500).maxLen).toBe(1024);
    expect(resolveDaemonConfig({ state: 'master', mcastInterface: 'eth0', syncId: 1, syncMaxLen: 100 }, 1500).maxLen).toBe(100);
  });
});
