// Records KERNEL_CASES against the real ipvsadm in the kernel VM (src/lab/vm: the pinned kernel that
// kernel-pin.json names, booted by scripts/setup-kernel-vm's cache) and writes the JSON the replay
// test (src/lb/ipvsadm/kernel.test.ts) reads. Run from a build, as root:
//   npx tsx test/ipvsadm/record-kernel.ts test/recordings/ipvsadm/kernel-1.31.json
// Inside the VM the cases run in a private mount namespace where RECORDING_NETDB's files are bound
// over /etc/hosts, /etc/services and /etc/nsswitch.conf, so every name ipvsadm prints or reads comes
// from tables the recording carries. After each case whose output lists two or more services, the
// kernel's own service order is recorded too (`ipvsadm -Ln --nosort`): the replay needs it where
// ipvsadm's sort depends on it. The VM has no network device: nothing here leaves it.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeVmKernel } from '../../src/lab/vm/kernel-cache.js';
import { runInVm, shellQuote } from '../../src/lab/vm/runner.js';
import { FACTS_SCRIPT, provenance, withRecordingDir } from './provenance.js';
import { KERNEL_CASES, RECORDING_NETDB, SERVICE_LINE, type RecordedCase } from './kernel-cases.js';

function script(dir: string): string {
  writeFileSync(join(dir, 'hosts'), RECORDING_NETDB.hosts);
  writeFileSync(join(dir, 'services'), RECORDING_NETDB.services);
  writeFileSync(join(dir, 'nsswitch.conf'), RECORDING_NETDB.nsswitch);
  const cases = ['set +e', `cd ${shellQuote(dir)}`];
  KERNEL_CASES.forEach((k, i) => {
    const words = k.args === '' ? [] : k.args.split(' ');
    const argv = ['ipvsadm', ...words].map(shellQuote).join(' ');
    let input = '/dev/null';
    if (typeof k.stdin === 'string') {
      writeFileSync(join(dir, `${i}.in`), k.stdin);
      input = `${i}.in`;
    } else if (k.stdin) {
      const from = k.stdin.fromCase < 0 ? i + k.stdin.fromCase : k.stdin.fromCase;
      cases.push(`cp ${from}.out ${i}.in`);
      input = `${i}.in`;
    }
    cases.push(`${argv} <${input} >${i}.out 2>${i}.err; echo $? >${i}.rc`);
    cases.push(`[ "$(grep -cE '${SERVICE_LINE.source}' ${i}.out)" -ge 2 ] && ipvsadm -Ln --nosort >${i}.nosort`);
  });
  cases.push('ipvsadm -C', 'exit 0');
  writeFileSync(join(dir, 'cases.sh'), `${cases.join('\n')}\n`);
  // outer script: facts about the VM, then the cases with the recording's name tables bound over /etc
  return [
    'set -e',
    'modprobe ip_vs || exit 3',
    `cd ${shellQuote(dir)}`,
    ...FACTS_SCRIPT,
    `unshare --mount --propagation private /bin/bash -c ${shellQuote(
      `set -e; for f in hosts services nsswitch.conf; do mount --bind ${dir}/$f /etc/$f; done; exec /bin/bash ${dir}/cases.sh`,
    )}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'kernel-1.31.json';
  await withRecordingDir('lvslab-ipvsadm-recording-', async (kernel, pin, dir) => {
    console.log(`recording ${KERNEL_CASES.length} ipvsadm lines on ${describeVmKernel(kernel, pin)}`);
    const res = await runInVm({ script: script(dir), shareDir: dir, timeoutMs: 900_000, kernel });
    if (res.exitCode !== 0) throw new Error(`VM run failed (exit ${res.exitCode}, timedOut ${res.timedOut}):\n${res.output}\n${res.console.slice(-3000)}`);
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    const recorded: RecordedCase[] = KERNEL_CASES.map((k, i) => {
      const r: RecordedCase = {
        args: k.args,
        stdout: read(`${i}.out`),
        stderr: read(`${i}.err`),
        status: Number(read(`${i}.rc`).trim()),
      };
      if (k.stdin !== undefined) r.stdin = read(`${i}.in`);
      if (existsSync(join(dir, `${i}.nosort`))) r.nosort = read(`${i}.nosort`);
      return r;
    });
    const doc = {
      provenance: provenance(
        dir,
        kernel,
        pin,
        'test/ipvsadm/record-kernel.ts: the cases of test/ipvsadm/kernel-cases.ts run in order by the real ipvsadm in the kernel VM (src/lab/vm/runner.ts, no network device), in a mount namespace with "netdb" bound over /etc/hosts, /etc/services and /etc/nsswitch.conf; "nosort" is `ipvsadm -Ln --nosort` run right after a case that listed two or more services',
      ),
      netdb: RECORDING_NETDB,
      cases: recorded,
    };
    writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
    console.log(`recorded ${recorded.length} cases to ${out} (kernel ${doc.provenance.kernel.release}, ${doc.provenance.ipvsadm.package})`);
  });
}

await main();
