// Records the project's own kernel traces (users record theirs with `lvslab record`,
// src/lb/kernel/recording/, which shares the replay and the provenance facts with this); run with
// kernel IPVS available (inside the kernel VM, or natively):
//   node --import tsx test/kernel/recorder/record.ts OUTDIR [NAME...]
// scripts/record-kernel-traces boots the VM, runs this, and copies OUTDIR into test/recordings/ipvs.
// Which kernel it was: the release from uname, and the Debian package and version the VM booted
// (LVSLAB_KERNEL_PACKAGE / LVSLAB_KERNEL_VERSION, set by scripts/record-kernel-traces).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../src/lb/kernel/proc.js';
import { openKernelReplay } from '../../../src/lb/kernel/replay/replay.js';
import { readFacts } from '../../../src/lb/kernel/recording/provenance.js';
import { allTraces, errorCommands, type GoldenTrace } from './cases.js';
import { goldensReadme, type RecordedWith } from './readme.js';

async function main(): Promise<number> {
  const [out, ...only] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: record OUTDIR [NAME...]\n');
    return 2;
  }
  const errors = errorCommands();
  const errorTrace: GoldenTrace = { name: 'ipvsadm-errors', about: 'bad input', text: [...errors.setup, ...errors.commands].join('\n') + '\n' };
  const all = allTraces();
  const unknown = only.filter((n) => n !== 'ipvsadm-errors' && !all.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`record: unknown trace(s) ${unknown.join(', ')}; known: ${[...all.map((t) => t.name), 'ipvsadm-errors'].join(', ')}\n`);
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
      // when each listing was taken, for comparing -Lnc expiry against a clock that did not run
      const at = Object.fromEntries(result.items.map((i) => [i.line, i.atS]));
      writeFileSync(join(out, 'traces', `${trace.name}.times.json`), `${JSON.stringify({ elapsedS: result.elapsedS, at })}\n`);
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
  const facts = await readFacts();
  const with_: RecordedWith = {
    kernel: facts.release,
    package: process.env.LVSLAB_KERNEL_PACKAGE ?? `host kernel (no package known)`,
    version: process.env.LVSLAB_KERNEL_VERSION ?? (await run('uname', ['-v'])).stdout.trim(),
    ipvsadm: facts.ipvsadmVersion,
    recorded: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(join(out, 'recorded-with.json'), `${JSON.stringify(with_, null, 2)}\n`);
  writeFileSync(join(out, 'README.md'), goldensReadme(all, with_));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`record: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
