// Director daemon kills: in a kept lab whose embedded director serves HTTP and UDP, SIGKILL or
// SIGSTOP the director daemon at a random (seeded) point — idle, during an `lvslab ipvsadm`, or during
// traffic through the VIP — then `lvslab down` and `lvslab gc`: nothing of the lab may be left, and a
// stopped daemon must not keep it alive.
import { setTimeout as sleep } from 'node:timers/promises';
import { teardownLab } from '../../../src/lab/teardown.js';
import { daemonPid, ipvsadm, probe, upServing } from '../director.js';
import { isClean, leftoversOf, lvslab, type SoakContext } from '../soak-lab.js';
import type { Phase } from './phase.js';

const WHEN = ['idle', 'during ipvsadm', 'during traffic'] as const;
const HOW = ['SIGKILL', 'SIGSTOP', 'SIGSTOP then SIGCONT'] as const;

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** One cycle: the lab's id (if one was built) and what happened. */
async function cycle(ctx: SoakContext): Promise<{ id?: string; what: string }> {
  const lab = await upServing(ctx);
  if ('error' in lab) return { id: lab.id, what: `lab not serving: ${lab.error}` };
  const { id } = lab;
  const pid = await daemonPid(id);
  if (pid === undefined) return { id, what: 'no director daemon recorded' };
  const when = ctx.random.pick(WHEN);
  const how = ctx.random.pick(HOW);
  const delay = ctx.random.int(0, 800);
  // the work the signal lands in the middle of (bounded: probes time out, ipvsadm is SIGKILLed at the cycle timeout)
  const work =
    when === 'during ipvsadm' ? ipvsadm(ctx, id, ctx.random.pick(['-Ln', '-Lnc', '-E -t 192.168.1.112:80 -s wrr', '-e -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 2'])).then((r) => `ipvsadm exit ${r.exitCode ?? r.signal}`)
    : when === 'during traffic' ? probe(ctx, id, 10, ctx.random.next() < 0.5, 30_000).then((t) => `${t.ok}/${t.sent} probes answered`)
    : Promise.resolve('');
  await sleep(delay);
  signal(pid, how === 'SIGKILL' ? 'SIGKILL' : 'SIGSTOP');
  if (how === 'SIGSTOP then SIGCONT') {
    await sleep(ctx.random.int(200, 3000));
    signal(pid, 'SIGCONT');
  }
  const during = await work;
  const down = await lvslab(ctx, ['down', id]);
  return { id, what: `${how} ${when} +${delay} ms${during ? ` (${during})` : ''}; down exit ${down.exitCode ?? down.signal}` };
}

export const daemonKills: Phase = {
  name: 'daemon-kills',
  summary: 'SIGKILL/SIGSTOP the embedded director daemon of a serving lab at a random point, then down and gc; nothing may be left',
  async run(ctx, cycles) {
    let leftovers = 0;
    let done = 0;
    const width = String(cycles).length;
    for (let i = 1; i <= cycles; i++) {
      if (Date.now() > ctx.deadline) {
        ctx.log(`daemon-kills: time is up after ${done} cycles`);
        break;
      }
      const started = Date.now();
      const out = await cycle(ctx);
      const gc = await lvslab(ctx, ['gc']);
      await sleep(300);
      const left = leftoversOf(ctx, out.id ? [out.id] : []);
      done++;
      const clean = isClean(left) && gc.exitCode === 0;
      ctx.log(`cycle ${String(i).padStart(width)}/${cycles} daemon ${out.what} -> ${clean ? 'clean' : `LEFT ${JSON.stringify({ ...left, gc: gc.exitCode === 0 ? 'ok' : gc.stderr.trim() })}`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (!clean) {
        leftovers += left.namespaces.length + Number(left.runDir) + left.processes.length + Number(gc.exitCode !== 0);
        for (const p of left.processes) signal(Number(p.split(' ')[0]), 'SIGKILL');
        if (out.id) await teardownLab(out.id).catch(() => undefined);
      }
    }
    return { cycles: done, leftovers };
  },
};
