// Which kernel the embedded IPVS models: a small profile of the things that differ between kernel
// builds and that the core's answers depend on — which scheduler modules the build has (a missing
// one is refused as the kernel refuses it: ENOENT, "Scheduler or persistence engine not found" in
// ipvsadm's words) and how connections count toward scheduling overhead and thresholds. By default
// the core is the pinned kernel (kernel-pin.json, the one every recording under test/recordings/
// comes from); a named mainline version is modelled from that version's tree with every scheduler
// it has built (docs/kernel-behaviour.md section 1).

/**
 * How a dest's connections count (include/net/ip_vs.h, ip_vs_conn.c, ip_vs_ctl.c):
 * - 'totalconns' (the pinned kernel's stable branch): totalconns counts normal connections only;
 *   overhead = (activeconns << 8) + totalconns; the OVERLOAD flag changes only when totalconns
 *   reaches the upper threshold or leaves the lower one exactly (__ip_vs_dest_update_overload);
 * - 'inactconns' (mainline before that change): separate inactive counter; overhead =
 *   (activeconns << 8) + inactconns; OVERLOAD set whenever active + inactive + persistent reaches
 *   the upper threshold, cleared below the lower one (or 3/4 of the upper).
 */
export type CountingModel = 'totalconns' | 'inactconns';

export interface KernelProfile {
  /** the kernel release it models (uname -r for the pinned one, a version for mainline) */
  release: string;
  /** what it is, for messages */
  description: string;
  /** the scheduler modules this build has */
  schedulers: readonly string[];
  overheadModel: CountingModel;
}

/** Each scheduler module with the mainline version that added it (net/netfilter/ipvs/Kconfig history). */
const SCHEDULER_SINCE: ReadonlyArray<[string, number, number]> = [
  ['rr', 2, 6],
  ['wrr', 2, 6],
  ['lc', 2, 6],
  ['wlc', 2, 6],
  ['lblc', 2, 6],
  ['lblcr', 2, 6],
  ['dh', 2, 6],
  ['sh', 2, 6],
  ['sed', 2, 6],
  ['nq', 2, 6],
  ['fo', 3, 18],
  ['ovf', 4, 3],
  ['mh', 4, 18],
  ['twos', 5, 12],
];

/**
 * The pinned kernel: Debian bookworm's linux-image-6.1.0-57-amd64, 6.1.192-3 (kernel-pin.json). Its
 * tree has ip_vs_twos.c, but Debian's build ships no ip_vs_twos module (CONFIG_IP_VS_TWOS unset).
 */
export const PINNED_KERNEL: KernelProfile = Object.freeze({
  release: '6.1.0-57-amd64',
  description: 'Debian linux-image-6.1.0-57-amd64 6.1.192-3 (the pinned kernel)',
  schedulers: Object.freeze(SCHEDULER_SINCE.map(([name]) => name).filter((n) => n !== 'twos')),
  overheadModel: 'totalconns',
});

/** A mainline kernel X.Y built with every scheduler module its tree has. */
function mainline(major: number, minor: number, text: string): KernelProfile {
  const has = ([, M, m]: [string, number, number]) => major > M || (major === M && minor >= m);
  return Object.freeze({
    release: text,
    description: `mainline Linux ${text} with every IPVS scheduler module of its tree`,
    schedulers: Object.freeze(SCHEDULER_SINCE.filter(has).map(([name]) => name)),
    overheadModel: 'inactconns',
  });
}

/**
 * The profile a name asks for: 'pinned' or the pinned release (6.1.0-57-amd64), or a mainline
 * version such as 6.7 or 5.15.0. Anything else is an error naming what is accepted.
 */
export function kernelProfile(name: string): KernelProfile {
  if (name === 'pinned' || name === PINNED_KERNEL.release) return PINNED_KERNEL;
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(name);
  if (m) {
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major < 3) throw new Error(`kernel ${name}: the embedded IPVS models kernels from 3.0 on`);
    return mainline(major, minor, name);
  }
  throw new Error(`unknown kernel '${name}': give a mainline version (e.g. 6.7) or the pinned kernel ('pinned' or ${PINNED_KERNEL.release})`);
}
