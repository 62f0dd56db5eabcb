// `lvslab record`: a user's trace (the `lvslab simulate` format) through the real kernel IPVS with
// real connections (../replay/replay.ts), natively where the host kernel has IPVS or inside the
// kernel VM (src/lab/vm/runner.ts) where it has not, written as a recording with its provenance
// (golden.ts). The trace is checked on the host before anything boots, so a bad line costs no VM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledPath } from '../../../lab/dist-path.js';
import { findVmKernel, kernelPin, repoRoot, type VmKernel } from '../../../lab/vm/kernel-cache.js';
import { runInVmRetryingBootPanic } from '../../../lab/vm/boot-retry.js';
import { hostHasIpvs } from '../capability.js';
import { replayTraceOnKernel, type ReplayResult } from '../replay/replay.js';
import { parseReplayTrace, traceAddresses } from '../replay/trace.js';
import { lvslabSettingsEnv, outputTail, VM_BOOT_MS, VM_LAB_MS, VM_PROGRESS, VM_SLOWDOWN } from '../vm-run.js';
import { formatGolden, traceSha256, type Golden, type GoldenItem } from './golden.js';
import { hostKernelPackage, provenanceOf, readFacts, type RecordingFacts } from './provenance.js';

export type RecordKernel = 'vm' | 'native';

/** A trace or a machine that cannot record (bad line, no real server, no VM kernel, not root): nothing ran. */
export class RecordingInputError extends Error {
  override name = 'RecordingInputError';
}

export interface RecordOptions {
  /** where to record: the kernel VM or this host's kernel (default: native where it has IPVS, else vm) */
  kernel?: RecordKernel;
  /** the trace's name in the header and in errors (its file name) */
  name?: string;
  onProgress?: (message: string) => void;
}

/** What the replay hands back, the same natively and from the VM. */
export interface RecordingRun {
  result: Pick<ReplayResult, 'ipvsadm' | 'items' | 'elapsedS'>;
  facts: RecordingFacts;
}

/** The bound the replay keeps for a trace's `advance` sleeps (ReplayOptions.maxAdvanceSeconds). */
export const MAX_RECORDED_ADVANCE_S = 300;

/** Checks that the replay can carry a trace; errors name the trace, the line and the problem. */
export function checkRecordable(text: string, name: string): void {
  let items;
  try {
    items = parseReplayTrace(text, name);
  } catch (err) {
    throw new RecordingInputError((err as Error).message);
  }
  if (items.length === 0) throw new RecordingInputError(`${name}: the trace has no items (nothing to record)`);
  if (traceAddresses(items).reals.length === 0) throw new RecordingInputError(`${name}: the trace adds no real server (-a ... -r ADDRESS:PORT): the replay needs one to answer connections`);
  const advances = items.reduce((s, i) => s + (i.kind === 'advance' ? i.seconds : 0), 0);
  if (advances > MAX_RECORDED_ADVANCE_S) throw new RecordingInputError(`${name}: the trace advances ${advances} s in all; a recording sleeps for real and takes at most ${MAX_RECORDED_ADVANCE_S} s`);
}

/** The items the recording keeps: those that printed, and ipvsadm lines that failed silently. */
export function goldenItems(text: string, run: RecordingRun['result']): GoldenItem[] {
  const lines = new Map(parseReplayTrace(text).map((i) => [i.line, i.text]));
  const status = new Map(run.ipvsadm.map((r) => [r.line, r.status]));
  const at = new Map(run.items.map((i) => [i.line, i.atS]));
  const out = new Map(run.items.map((i) => [i.line, i.output]));
  const keep = [...new Set([...out.keys(), ...run.ipvsadm.filter((r) => r.status !== 0).map((r) => r.line)])].sort((a, b) => a - b);
  return keep.map((line) => ({ line, text: lines.get(line) ?? '', output: out.get(line) ?? '', status: status.get(line) ?? 0, atS: at.get(line) ?? 0 }));
}

/** Where to record when the caller did not say. */
export async function defaultRecordKernel(): Promise<RecordKernel> {
  return (await hostHasIpvs()).ok ? 'native' : 'vm';
}

/** Records a trace on the kernel and returns the recording's text (header and items). */
export async function recordTrace(text: string, options: RecordOptions = {}): Promise<string> {
  const name = options.name ?? 'trace';
  checkRecordable(text, name);
  const where = options.kernel ?? (await defaultRecordKernel());
  const progress = options.onProgress ?? (() => undefined);
  const pin = kernelPin();
  let golden: Golden;
  if (where === 'native') {
    if (process.getuid?.() !== 0) throw new RecordingInputError('recording on the host kernel needs root (it builds network namespaces)');
    const host = await hostHasIpvs();
    if (!host.ok) throw new RecordingInputError(`${host.reason}: record in the kernel VM instead (--kernel vm)`);
    progress(`replaying ${name} through the host kernel's IPVS`);
    const result = await replayTraceOnKernel(text, name, { connTimeoutMs: 15_000, maxAdvanceSeconds: MAX_RECORDED_ADVANCE_S });
    const facts = await readFacts();
    const pkg = await hostKernelPackage(facts.release);
    const how = `lvslab record --kernel native: the trace replayed through this host's kernel IPVS with real TCP and UDP connections from a client namespace to one namespace per real server (src/lb/kernel/replay/replay.ts); ipvsadm lines run by the real ipvsadm in the director namespace`;
    golden = toGolden(text, name, { result, facts }, provenanceOf(facts, { release: facts.release, ...pkg }, pin, how));
  } else {
    const found = findVmKernel();
    if (!found.ok) throw new RecordingInputError(`no kernel to record on: ${found.reason}`);
    const run = await recordInVm(text, name, found.kernel, progress);
    const how = `lvslab record --kernel vm: the trace replayed in the kernel VM (qemu, no KVM) through its kernel IPVS with real TCP and UDP connections from a client namespace to one namespace per real server (src/lb/kernel/replay/replay.ts); ipvsadm lines run by the real ipvsadm in the director namespace`;
    golden = toGolden(text, name, run, provenanceOf(run.facts, found.kernel, pin, how));
  }
  return formatGolden(golden);
}

function toGolden(text: string, name: string, run: RecordingRun, provenance: Golden['provenance']): Golden {
  return { trace: { name, sha256: traceSha256(text) }, provenance, elapsedS: run.result.elapsedS, items: goldenItems(text, run.result) };
}

/**
 * The bound for one recording in the VM: boot, the replay lab, and the trace's own time (its advance
 * sleeps plus a second per item) slowed down as emulation slows JavaScript (vm-run.ts).
 */
export function vmRecordTimeoutMs(text: string): number {
  const items = parseReplayTrace(text);
  const advanceMs = items.reduce((s, i) => s + (i.kind === 'advance' ? i.ms : 0), 0);
  return VM_BOOT_MS + VM_LAB_MS + advanceMs + VM_SLOWDOWN * 1000 * items.length;
}

async function recordInVm(text: string, name: string, kernel: VmKernel, progress: (m: string) => void): Promise<RecordingRun> {
  const entry = compiledPath(new URL('./vm-entry.js', import.meta.url), 'kernel recording VM entry');
  const share = mkdtempSync(join(tmpdir(), 'lvslab-record-'));
  try {
    const traceFile = join(share, 'trace');
    const out = join(share, 'recording.json');
    writeFileSync(traceFile, text);
    const timeoutMs = vmRecordTimeoutMs(text);
    progress(`booting the kernel VM (${kernel.release}) to record ${name}`);
    let pending = '';
    const r = await runInVmRetryingBootPanic(
      {
        command: [process.execPath, entry, traceFile, name, out],
        cwd: repoRoot(),
        shareDir: share,
        timeoutMs,
        kernel,
        env: lvslabSettingsEnv(),
        onConsole: (chunk) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const at = line.indexOf(VM_PROGRESS);
            if (at >= 0) progress(`[VM] ${line.slice(at + VM_PROGRESS.length).trimEnd()}`);
          }
        },
      },
      (attempt) => progress(`the VM's kernel panicked at boot (timer check under load); boot ${attempt} of 3`),
    );
    if (r.exitCode !== 0 || !existsSync(out)) {
      const why = r.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : `the VM's job exited ${r.exitCode}`;
      throw new Error(`recording ${name} in the kernel VM failed (${why}); its output ends:\n${outputTail(r.output || r.console)}`);
    }
    return JSON.parse(readFileSync(out, 'utf8')) as RecordingRun;
  } finally {
    rmSync(share, { recursive: true, force: true });
  }
}
