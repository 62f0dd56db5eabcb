// Entry run inside the kernel VM by src/lb/kernel/vm-run.ts (never by hand):
//   node dist/api/scenario/vm-entry.js OUT.json SCENARIO.yaml...
// Runs each scenario file on the kernel backend exactly as `lvslab run` does on the host (the lab
// built here, probes and checks as there) and rewrites OUT.json (a ScenarioReport[]) after each, so
// a run cut short by its timeout still returns what it finished. Progress lines go to stdout with
// VM_PROGRESS in front; the host picks them out of the serial console.
import { writeFileSync } from 'node:fs';
import type { ScenarioReport } from '../../checks/report/model.js';
import { VM_PROGRESS, exitWithMain } from '../../lb/kernel/vm-run.js';
import { loadScenario } from './load.js';
import { runScenario } from './run.js';

async function main(): Promise<number> {
  const [out, ...files] = process.argv.slice(2);
  if (!out || files.length === 0) {
    process.stderr.write('usage: vm-entry OUT.json SCENARIO.yaml...\n');
    return 2;
  }
  const reports: ScenarioReport[] = [];
  for (const file of files) {
    const loaded = await loadScenario(file);
    reports.push(await runScenario(loaded, 'kernel', { onProgress: (m) => process.stdout.write(`${VM_PROGRESS}${m}\n`) }));
    writeFileSync(out, JSON.stringify(reports));
  }
  return 0;
}

exitWithMain('vm-entry', main);
