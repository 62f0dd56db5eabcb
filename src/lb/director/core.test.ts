import { describe, expect, it } from 'vitest';
import { createCore } from './core.js';

describe('the director daemon core', () => {
  it('models the pinned kernel unless its config names another: twos is refused, then accepted on 6.7', () => {
    const pinned = createCore().core;
    expect(pinned.ipvsadm(['-A', '-t', '1.2.3.4:80', '-s', 'twos'])).toEqual({ stdout: '', stderr: 'Scheduler or persistence engine not found\n', status: 255 });
    const v67 = createCore(() => undefined, '6.7').core;
    expect(v67.ipvsadm(['-A', '-t', '1.2.3.4:80', '-s', 'twos']).status).toBe(0);
    expect(() => createCore(() => undefined, 'linux')).toThrow("unknown kernel 'linux'");
  });
});
