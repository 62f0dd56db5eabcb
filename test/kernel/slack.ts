// How late things happen inside the kernel VM (qemu TCG, no KVM): the measurement behind
// VM_SLACK_MS in test/bounds.ts. Run on the host (root, after `npm run build`):
//   npx tsx test/kernel/slack.ts          # inside the kernel VM
//   npx tsx test/kernel/slack.ts --here   # on this host, for LAB_SLACK_MS
// It boots the VM once and, inside, measures what a kernel suite's timing bound has on top of the
// protocol's own numbers: how late a user-space timer fires (keepalived's VRRP and checker timers
// are such timers), and how long one observation takes (`ip -o -4 addr show` in a director's
// namespace, two at once as LvsLab.addressHolders runs them; `ipvsadm -Ln` as the health scenario
// polls it). Prints the distribution of each and the host's load average, as docs/kernel.md records.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../src/lab/vm/kernel-cache.js';
import { runInVm } from '../../src/lab/vm/runner.js';
import { nodeWithTsx } from '../tsx.js';

const run = promisify(execFile);
const NS = 'lvs-slack-a';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function stats(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(0);
  return `${name}: n=${s.length} median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${s.at(-1)!.toFixed(0)} ms`;
}

/** Inside the VM: bounded loops (40 timers, 10 observations of each kind). */
async function measure(): Promise<string[]> {
  const late: number[] = [];
  for (let i = 0; i < 40; i++) {
    const wanted = i % 2 ? 1000 : 100;
    late.push((await timed(() => new Promise((r) => setTimeout(r, wanted)))) - wanted);
  }
  await run('ip', ['netns', 'add', NS]);
  try {
    const ipAddr = () => run('ip', ['netns', 'exec', NS, 'ip', '-o', '-4', 'addr', 'show']);
    const one: number[] = [];
    const pair: number[] = [];
    const ipvsadm: number[] = [];
    for (let i = 0; i < 10; i++) {
      one.push(await timed(ipAddr));
      pair.push(await timed(() => Promise.all([ipAddr(), ipAddr()])));
      // the host may have no IPVS: ipvsadm then fails at once, and there is nothing to time
      if (process.env.LVSLAB_IN_VM === '1') ipvsadm.push(await timed(() => run('ip', ['netns', 'exec', NS, 'ipvsadm', '-Ln'])));
    }
    const out = [stats('timer lateness', late), stats('ip addr in a namespace', one), stats('two at once (addressHolders)', pair)];
    return ipvsadm.length ? [...out, stats('ipvsadm -Ln in a namespace', ipvsadm)] : out;
  } finally {
    await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  if (process.env.LVSLAB_IN_VM === '1' || process.argv.includes('--here')) {
    const before = loadavg()[0].toFixed(1);
    for (const l of await measure()) process.stdout.write(`slack: ${l}\n`);
    if (process.env.LVSLAB_IN_VM !== '1') process.stdout.write(`host load average (1 min) ${before} before, ${loadavg()[0].toFixed(1)} after\n`);
    return;
  }
  const before = loadavg()[0].toFixed(1);
  const r = await runInVm({ command: nodeWithTsx(fileURLToPath(import.meta.url)), cwd: repoRoot(), timeoutMs: 600_000 });
  const lines = r.output.split('\n').filter((l) => l.startsWith('slack: '));
  if (r.exitCode !== 0 || lines.length === 0) throw new Error(`VM run failed (exit ${r.exitCode}, timed out ${r.timedOut}):\n${r.output.slice(-2000)}`);
  process.stdout.write(`${lines.join('\n')}\nhost load average (1 min) ${before} before, ${loadavg()[0].toFixed(1)} after; VM run ${(r.durationMs / 1000).toFixed(0)} s\n`);
}

await main();
