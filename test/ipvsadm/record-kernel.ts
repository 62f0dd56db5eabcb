// Records KERNEL_CASES against the real ipvsadm in the kernel VM (src/lab/vm) and writes the JSON the
// replay test reads. Run from a build, as root, after scripts/setup-kernel-vm:
//   npx tsx test/ipvsadm/record-kernel.ts test/recordings/ipvsadm/kernel-1.31.json
// The VM has no network device: nothing here leaves it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findVmKernel } from '../../src/lab/vm/kernel-cache.js';
import { runInVm, shellQuote } from '../../src/lab/vm/runner.js';
import { KERNEL_CASES } from './kernel-cases.js';

export interface RecordedCase {
  args: string;
  stdin?: string;
  stdout: string;
  stderr: string;
  status: number;
}

function script(dir: string): string {
  const lines = ['set +e', 'modprobe ip_vs || exit 3', `cd ${shellQuote(dir)}`];
  KERNEL_CASES.forEach((k, i) => {
    const words = k.args === '' ? [] : k.args.split(' ');
    const argv = ['ipvsadm', ...words].map(shellQuote).join(' ');
    let input = '/dev/null';
    if (typeof k.stdin === 'string') {
      writeFileSync(join(dir, `${i}.in`), k.stdin);
      input = `${i}.in`;
    } else if (k.stdin) {
      const from = k.stdin.fromCase < 0 ? i + k.stdin.fromCase : k.stdin.fromCase;
      lines.push(`cp ${from}.out ${i}.in`);
      input = `${i}.in`;
    }
    lines.push(`${argv} <${input} >${i}.out 2>${i}.err; echo $? >${i}.rc`);
  });
  lines.push('ipvsadm -C', 'exit 0');
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-ipvsadm-golden-'));
  try {
    const res = await runInVm({ script: script(dir), shareDir: dir, timeoutMs: 300_000 });
    if (res.exitCode !== 0) throw new Error(`VM run failed (exit ${res.exitCode}, timedOut ${res.timedOut}):\n${res.output}\n${res.console.slice(-3000)}`);
    const recorded: RecordedCase[] = KERNEL_CASES.map((k, i) => {
      const r: RecordedCase = {
        args: k.args,
        stdout: readFileSync(join(dir, `${i}.out`), 'utf8'),
        stderr: readFileSync(join(dir, `${i}.err`), 'utf8'),
        status: Number(readFileSync(join(dir, `${i}.rc`), 'utf8').trim()),
      };
      if (k.stdin !== undefined) r.stdin = readFileSync(join(dir, `${i}.in`), 'utf8');
      return r;
    });
    const found = findVmKernel();
    const out = process.argv[2] ?? 'kernel-1.31.json';
    const doc = { ipvsadm: '1.31 (Debian 12 package 1:1.31-1+b1)', kernel: found.ok ? found.kernel.release : 'unknown', cases: recorded };
    writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
    console.log(`recorded ${recorded.length} cases to ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
