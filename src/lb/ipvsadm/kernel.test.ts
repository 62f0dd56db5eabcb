// Replays every command line recorded from the real ipvsadm 1.31 on the pinned kernel
// (test/recordings/ipvsadm/kernel-1.31.json, made by test/ipvsadm/record-kernel.ts in the kernel VM)
// through lvslab's ipvsadm (runIpvsadm) on the embedded IPVS core, in order, with the recording's
// /etc/hosts and /etc/services as the resolver, and asks for the same stdout, stderr and exit status
// byte for byte. Nothing stands between the two: every state change goes through the core's control
// API, every listing is formatted from the core's snapshot. The one exception is stated per case:
// a listing whose order depends on the kernel's service hash order (test/ipvsadm/replay.ts) is
// compared as a multiset of service blocks, and its order is checked through ipvsadm's sort
// against the kernel's own dump order.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../ipvs/clock.js';
import { Ipvs } from '../ipvs/ipvs.js';
import { filesResolver, parseIpvsadm, runIpvsadm, type IpvsadmEnv } from './index.js';
import { IpvsadmError } from './errors.js';
import { blocks, hashOrderReason, loadKernelRecording, serviceBlocks, sortedFromKernelOrder } from '../../../test/ipvsadm/replay.js';
import { SERVICE_LINE } from '../../../test/ipvsadm/kernel-cases.js';

const recording = loadKernelRecording();
const env: IpvsadmEnv = { resolver: filesResolver(recording.netdb) };
const { kernel, ipvsadm } = recording.provenance;

/** How case i was held against the recording, and why when not byte for byte. */
const compared: { exact: number; sets: { index: number; reason: string }[] } = { exact: 0, sets: [] };

/** The hash-order reason for a line, judged from the command and the core's state before it runs. */
function reasonFor(core: Ipvs, args: string[]): string | undefined {
  try {
    return hashOrderReason(parseIpvsadm(args, env), core.snapshot());
  } catch (e) {
    if (e instanceof IpvsadmError) return undefined;
    throw e;
  }
}

describe(`ipvsadm ${ipvsadm.package} on kernel ${kernel.release} (${kernel.package} ${kernel.version}), replayed on the embedded IPVS`, () => {
  const core = new Ipvs({ clock: new ManualClock(0) });
  recording.cases.forEach((c, i) => {
    const argv = c.args === '' ? [] : c.args.split(' ');
    it(`#${i} ipvsadm ${c.args}`, () => {
      const reason = reasonFor(core, argv);
      const got = runIpvsadm(core, argv, c.stdin ?? '', env);
      expect({ stderr: got.stderr, status: got.status }).toEqual({ stderr: c.stderr, status: c.status });
      if (reason === undefined) {
        compared.exact++;
        expect(got.stdout).toBe(c.stdout);
        return;
      }
      compared.sets.push({ index: i, reason });
      // the version line and titles as they are, the service blocks as a multiset
      const head = (s: string): string[] => blocks(s).filter((b) => !SERVICE_LINE.test(b));
      expect(head(got.stdout)).toEqual(head(c.stdout));
      expect([...serviceBlocks(got.stdout)].sort()).toEqual([...serviceBlocks(c.stdout)].sort());
      if (!argv.includes('--nosort')) {
        expect(c.nosort, 'the recording has the kernel dump order after this case').toBeDefined();
        expect(sortedFromKernelOrder(parseIpvsadm(argv, env), core.snapshot(), c.stdout, c.nosort!, env)).toBeUndefined();
      }
    });
  });

  it('the counts in docs/ipvsadm.md are this replay\'s', () => {
    const docs = readFileSync(new URL('../../../docs/ipvsadm.md', import.meta.url), 'utf8');
    const total = recording.cases.length;
    expect(compared.exact + compared.sets.length).toBe(total);
    const nosort = compared.sets.filter((c) => recording.cases[c.index].args.includes('--nosort')).length;
    expect(docs).toContain(
      `all ${total} recorded lines: ${compared.exact} byte for byte, ${compared.sets.length} with their service blocks compared as a set (${nosort} \`--nosort\`, ${compared.sets.length - nosort} sorted listings`,
    );
  });
});
