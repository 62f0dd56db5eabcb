// `lvslab run FILE --backend kernel` runs the kernel side where kernel IPVS is: natively where the
// host has it, else inside the kernel VM (one boot for the run, src/lb/kernel/vm-run.ts), and the
// report says where. This suite runs a small scenario through the command, as a user would.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/api/scenario/load.js';
import { nominalStepsMs } from '../../src/api/scenario/run.js';
import type { RunReport } from '../../src/checks/report/model.js';
import { vmRunTimeoutMs } from '../../src/lb/kernel/vm-run.js';
import { needs, probe } from '../../test/capabilities.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const scenario = fileURLToPath(new URL('./scenarios/rr-small.yaml', import.meta.url));
const kernel = await probe.kernelIpvs();
// the command's own bound for the VM run, plus the host side (loading, rendering) around it
const timeoutMs = vmRunTimeoutMs([{ nominalMs: nominalStepsMs((await loadScenario(scenario)).scenario) }]) + 60_000;

describe(`lvslab run --backend kernel (${kernel.kernel.mode})`, needs(await probe.root(), probe.built('dist/cli/main.js'), kernel.cap), () => {
  it(
    'runs the scenario on the kernel backend (not skipped), passes, and says where it ran',
    async () => {
      const r = await execa(process.execPath, [cli, 'run', scenario, '--backend', 'kernel', '--json', '--quiet'], { reject: false, timeout: timeoutMs });
      const report = JSON.parse(r.stdout) as RunReport;
      expect(report.scenarios).toHaveLength(1);
      const [s] = report.scenarios;
      expect(s.backend).toBe('kernel');
      expect(s.skipped, 'the kernel side was skipped').toBeUndefined();
      expect(s.error, 'the kernel side failed to run').toBeUndefined();
      expect(s.steps.map((st) => st.name)).toEqual(['responses alternate', 'ipvsadm -Ln']);
      expect(s.steps.flatMap((st) => st.checks).filter((c) => !c.pass)).toEqual([]);
      expect(s.steps[0].records?.map((x) => x.server)).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
      expect(r.exitCode, r.stderr).toBe(0);
      if (kernel.kernel.mode === 'vm') {
        // in the VM: the report names it and the kernel release it booted
        expect(s.ranIn).toContain('kernel VM');
        expect(s.ranIn).toContain(kernel.kernel.kernel.release);
      } else {
        expect(s.ranIn).toBeUndefined();
      }
    },
    timeoutMs + 10_000,
  );
});
