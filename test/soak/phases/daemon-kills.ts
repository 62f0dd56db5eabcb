// Director daemon kills: in a kept lab whose embedded director serves HTTP and UDP, SIGKILL or
// SIGSTOP the director daemon at a random (seeded) point — idle, during an `lvslab ipvsadm`, or during
// traffic through the VIP — then `lvslab down` and `lvslab gc`: nothing of the lab may be left, and a
// stopped daemon must not keep it alive.
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonPid, ipvsadm, probe, upServing } from '../director.js';
import { lvslab, runCycles, type SoakContext } from '../soak-lab.js';
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
    : when === 'during traffic' ? probe(ctx, id, 10, 30_000).then((t) => `${t.ok}/${t.sent} probes answered`)
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
  run: (ctx, cycles) =>
    runCycles(ctx, 'daemon-kills', cycles, async () => {
      const out = await cycle(ctx);
      return { kind: 'daemon', what: out.what, labs: out.id ? [out.id] : [] };
    }),
};
