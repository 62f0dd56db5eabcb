// Holding a recorded ipvsadm line against lvslab's ipvsadm on the embedded IPVS core: byte for byte,
// except where the kernel's answer depends on its service hash table's order — salted per boot
// with bits of a kernel pointer, so no command line determines it. That order shows in a
// --nosort listing, and in a sorted one whose services ipvsadm's comparator does not order totally
// (addresses or marks more than 2^31 apart, sort.ts): such a listing is compared as a multiset of
// service blocks, each block byte for byte, and its order is checked on its own — ipvsadm's sort
// applied to the kernel's own dump order (recorded right after the case) must give the order the
// kernel's ipvsadm printed.
import { readFileSync } from 'node:fs';
import type { Provenance } from './provenance.js';
import type { IpvsCommand, IpvsSnapshot, ServiceSnapshot } from '../../src/lb/ipvs/types.js';
import { formatIpvsadm, parseIpvsadm, type IpvsadmEnv, type NetdbFiles } from '../../src/lb/ipvsadm/index.js';
import { cmpServices, glibcMsort } from '../../src/lb/ipvsadm/sort.js';
import { SERVICE_LINE, type RecordedCase } from './kernel-cases.js';

export type { RecordedCase } from './kernel-cases.js';

/** test/recordings/ipvsadm/kernel-1.31.json */
export interface KernelRecording {
  provenance: Provenance;
  netdb: NetdbFiles & { nsswitch: string };
  cases: RecordedCase[];
}

export function loadKernelRecording(): KernelRecording {
  const doc = JSON.parse(readFileSync(new URL('../recordings/ipvsadm/kernel-1.31.json', import.meta.url), 'utf8')) as Partial<KernelRecording>;
  if (!doc.provenance || !doc.netdb || !Array.isArray(doc.cases)) {
    throw new Error('test/recordings/ipvsadm/kernel-1.31.json: needs "provenance", "netdb" and "cases" (re-record with test/ipvsadm/record-kernel.ts)');
  }
  return doc as KernelRecording;
}

/** A listing cut into blocks: every line that is not a dest line ("  -> ") starts one. */
export function blocks(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('  -> ') && out.length > 0) out[out.length - 1] += `${line}\n`;
    else out.push(`${line}\n`);
  }
  return out;
}

/** The blocks that are services (not the version line or the titles). */
export function serviceBlocks(text: string): string[] {
  return blocks(text).filter((b) => SERVICE_LINE.test(b));
}

/** Whether ipvsadm's comparator orders `services` totally, so its sort's result does not depend on their input order. */
export function sortIsTotal(services: readonly ServiceSnapshot[]): boolean {
  const sorted = glibcMsort(services, cmpServices);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      if (!(cmpServices(sorted[i], sorted[j]) < 0 && cmpServices(sorted[j], sorted[i]) > 0)) return false;
    }
  }
  return true;
}

/** Why `cmd`'s output on `snap` depends on the kernel's service hash order; undefined when it does not. */
export function hashOrderReason(cmd: IpvsCommand, snap: IpvsSnapshot): string | undefined {
  const o = cmd.op === 'list' ? cmd.options : undefined;
  const wholeTable = (cmd.op === 'list' && !cmd.service && !o!.connections && !o!.timeout && !o!.daemon) || cmd.op === 'save';
  if (!wholeTable || snap.services.length < 2) return undefined;
  if (o && !o.sort) return "--nosort prints the kernel's hash-table order";
  if (!sortIsTotal(snap.services)) return "ipvsadm's comparator is not total over these services (more than 2^31 apart): the sorted order depends on the kernel's hash order";
  return undefined;
}

/** The block `cmd` prints for each service of `snap`, to tell which service a recorded block is. */
function blockOwners(cmd: IpvsCommand, snap: IpvsSnapshot, env: IpvsadmEnv): Map<string, ServiceSnapshot> {
  const owners = new Map<string, ServiceSnapshot>();
  for (const svc of snap.services) {
    const [block] = serviceBlocks(formatIpvsadm(cmd, { ...snap, services: [svc] }, env));
    owners.set(block, svc);
  }
  return owners;
}

/**
 * The order check of a hash-order case: ipvsadm's sort (glibcMsort + cmpServices) fed the kernel's
 * dump order (`nosort`, the recorded `ipvsadm -Ln --nosort` after the case) must give the order of
 * `recorded`. Returns what went wrong, or undefined.
 */
export function sortedFromKernelOrder(cmd: IpvsCommand, snap: IpvsSnapshot, recorded: string, nosort: string, env: IpvsadmEnv): string | undefined {
  const owners = blockOwners(cmd, snap, env);
  const dumpOwners = blockOwners(parseIpvsadm(['-Ln', '--nosort'], env), snap, env);
  const kernelOrder = serviceBlocks(nosort).map((b) => dumpOwners.get(b));
  const listed = serviceBlocks(recorded).map((b) => owners.get(b));
  if (kernelOrder.includes(undefined) || listed.includes(undefined)) return 'the kernel listed a service the core does not have';
  const sorted = glibcMsort(kernelOrder as ServiceSnapshot[], cmpServices);
  const name = (s: ServiceSnapshot | undefined): string => JSON.stringify(s?.key);
  const want = listed.map(name).join(' ');
  const got = sorted.map(name).join(' ');
  return want === got ? undefined : `sorting the kernel's dump order gives\n  ${got}\nthe kernel's ipvsadm printed\n  ${want}`;
}
