// Records the kernel goldens: run with kernel IPVS available (inside the kernel VM, or natively):
//   node --import tsx test/kernel/recorder/record.ts OUTDIR [NAME...]
// scripts/record-kernel-traces boots the VM, runs this, and copies OUTDIR into test/recordings/ipvs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../src/lb/kernel/proc.js';
import { openKernelReplay } from '../../../src/lb/kernel/replay/replay.js';
import { errorCommands, formatTraces, schedulerTraces, type GoldenTrace } from './cases.js';
import { goldensReadme } from './readme.js';

async function main(): Promise<number> {
  const [out, ...only] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: record OUTDIR [NAME...]\n');
    return 2;
  }
  const errors = errorCommands();
  const errorTrace: GoldenTrace = { name: 'ipvsadm-errors', about: 'bad input', text: [...errors.setup, ...errors.commands].join('\n') + '\n' };
  const all = [...schedulerTraces(), ...formatTraces()];
  const unknown = only.filter((n) => n !== 'ipvsadm-errors' && !all.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`record: unknown golden(s) ${unknown.join(', ')}; known: ${[...all.map((t) => t.name), 'ipvsadm-errors'].join(', ')}\n`);
    return 2;
  }
  const chosen = only.length > 0 ? all.filter((t) => only.includes(t.name)) : all;
  mkdirSync(join(out, 'traces'), { recursive: true });

  const session = await openKernelReplay([...all, errorTrace].map((t) => ({ name: t.name, text: t.text })), { connTimeoutMs: 15_000 });
  try {
    for (const trace of chosen) {
      const started = Date.now();
      const result = await session.replay(trace.text, trace.name);
      writeFileSync(join(out, 'traces', `${trace.name}.trace`), trace.text);
      writeFileSync(join(out, 'traces', `${trace.name}.out`), result.output);
      process.stdout.write(`record: ${trace.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
    if (only.length === 0 || only.includes('ipvsadm-errors')) {
      const result = await session.replay(errorTrace.text, errorTrace.name);
      const results = result.ipvsadm.slice(errors.setup.length).map(({ args, stdout, stderr, status }) => ({ args: args.join(' '), stdout, stderr, status }));
      writeFileSync(join(out, 'ipvsadm-errors.json'), `${JSON.stringify({ setup: errors.setup, results }, null, 2)}\n`);
      process.stdout.write('record: ipvsadm-errors\n');
    }
  } finally {
    await session.close();
  }
  const kernel = (await run('uname', ['-r'])).stdout.trim();
  const ipvsadm = (await run('ipvsadm', ['--version'])).stdout.trim();
  writeFileSync(join(out, 'recorded-with.json'), `${JSON.stringify({ kernel, ipvsadm, recorded: new Date().toISOString().slice(0, 10) }, null, 2)}\n`);
  writeFileSync(join(out, 'README.md'), goldensReadme(all, kernel, ipvsadm));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`record: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
