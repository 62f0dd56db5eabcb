// Host side of scripts/record-kernel-traces: boots the kernel VM once and runs record.ts inside it,
// telling it which kernel package it runs on (the VM's manifest), so the recordings name it.
//   npx tsx test/kernel/recorder/record-in-vm.ts SHARE_DIR [NAME...]
import { join } from 'node:path';
import { findVmKernel, repoRoot } from '../../../src/lab/vm/kernel-cache.js';
import { runInVmRetryingBootPanic } from '../../../src/lab/vm/boot-retry.js';
import { nodeWithTsx } from '../../tsx.js';

async function main(): Promise<number> {
  const [share, ...names] = process.argv.slice(2);
  if (!share) {
    process.stderr.write('usage: record-in-vm SHARE_DIR [NAME...]\n');
    return 2;
  }
  const found = findVmKernel();
  if (!found.ok) {
    process.stderr.write(`record-kernel-traces: ${found.reason}\n`);
    return 1;
  }
  const k = found.kernel;
  const pkg = k.package ?? `linux-image-${k.release}`;
  process.stdout.write(`record-kernel-traces: recording on ${pkg} ${k.version ?? '(version unknown)'}${k.pinned === false ? ' -- NOT the pinned kernel' : ''}\n`);
  const r = await runInVmRetryingBootPanic(
    {
      command: nodeWithTsx(join(repoRoot(), 'test/kernel/recorder/record.ts'), join(share, 'out'), ...names),
      cwd: repoRoot(),
      shareDir: share,
      timeoutMs: 90 * 60_000,
      kernel: k,
      env: { LVSLAB_KERNEL_PACKAGE: pkg, LVSLAB_KERNEL_VERSION: k.version ?? 'unknown' },
      onConsole: (c) => process.stdout.write(c),
    },
    (attempt) => process.stdout.write(`record-kernel-traces: the VM's kernel panicked at boot (timer check under load); boot ${attempt} of 3\n`),
  );
  if (r.exitCode !== 0) {
    process.stderr.write(`record-kernel-traces: VM run failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''})\n`);
    return 1;
  }
  return 0;
}

main().then((code) => process.exit(code));
