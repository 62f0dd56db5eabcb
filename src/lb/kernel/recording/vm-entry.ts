// Entry run inside the kernel VM by record.ts (never by hand):
//   node dist/lb/kernel/recording/vm-entry.js TRACE_FILE NAME OUT.json
// Replays the trace through the VM kernel's IPVS and writes what the replay saw, with the facts of
// the machine (kernel release, ipvsadm), for the host to turn into a recording with its provenance.
import { readFileSync, writeFileSync } from 'node:fs';
import { replayTraceOnKernel } from '../replay/replay.js';
import { exitWithMain, VM_PROGRESS } from '../vm-progress.js';
import { readFacts } from './provenance.js';
import type { RecordingRun } from './record.js';

async function main(): Promise<number> {
  const [file, name, out] = process.argv.slice(2);
  if (!file || !name || !out) {
    process.stderr.write('usage: vm-entry TRACE_FILE NAME OUT.json\n');
    return 2;
  }
  process.stdout.write(`${VM_PROGRESS}replaying ${name} through the kernel's IPVS\n`);
  const result = await replayTraceOnKernel(readFileSync(file, 'utf8'), name, { connTimeoutMs: 15_000, maxAdvanceSeconds: 300 });
  const run: RecordingRun = { result: { ipvsadm: result.ipvsadm, items: result.items, elapsedS: result.elapsedS }, facts: await readFacts() };
  writeFileSync(out, JSON.stringify(run));
  process.stdout.write(`${VM_PROGRESS}replayed ${name} in ${result.elapsedS.toFixed(1)} s\n`);
  return 0;
}

exitWithMain('record vm-entry', main);
