// Entry run where kernel IPVS is (inside the kernel VM, or natively):
//   node --import tsx test/kernel/pass/main.ts OUT.json SCENARIO...
// Runs the scenarios one after another and rewrites OUT.json after each, so a run cut short by its
// timeout still returns what it finished.
import { writeFileSync } from 'node:fs';
import { exitWithMain } from '../../../src/lb/kernel/vm-run.js';
import { runScenario } from './scenarios.js';

export interface ScenarioOutcome {
  ok: boolean;
  value?: unknown;
  error?: string;
  ms: number;
}

async function main(): Promise<number> {
  const [out, ...names] = process.argv.slice(2);
  if (!out || names.length === 0) {
    process.stderr.write('usage: main OUT.json SCENARIO...\n');
    return 2;
  }
  const results: Record<string, ScenarioOutcome> = {};
  for (const name of names) {
    const started = Date.now();
    process.stdout.write(`kernel-suite: ${name} ...\n`);
    try {
      results[name] = { ok: true, value: await runScenario(name), ms: Date.now() - started };
    } catch (err) {
      results[name] = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err), ms: Date.now() - started };
    }
    process.stdout.write(`kernel-suite: ${name} ${results[name].ok ? 'done' : 'FAILED'} in ${(results[name].ms / 1000).toFixed(1)} s\n`);
    writeFileSync(out, JSON.stringify(results));
  }
  return 0;
}

exitWithMain('kernel-suite', main);
