import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './load.js';
import { nominalStepsMs } from './run.js';

describe('nominalStepsMs (the base of a kernel VM run\'s time bound)', () => {
  it("derives a scenario's nominal time from what its steps declare", async () => {
    const failover = await loadScenario(fileURLToPath(new URL('../../../scenarios/article/vrrp-failover.yaml', import.meta.url)));
    // wait 4500; exec 2000; 4 requests x 2000; 9000 + 500 probing; exec 2000; 4 x 2000
    expect(nominalStepsMs(failover.scenario)).toBe(4_500 + 2_000 + 8_000 + 9_500 + 2_000 + 8_000);
  });
});
