// The `toMatchKernelRecording` matcher of `lvslab/vitest`: a trace (the `lvslab simulate` format)
// run against the embedded IPVS must print what the kernel printed in its recording
// (`lvslab record TRACE > TRACE.golden`), by the rules of `lvslab simulate --expect`
// (src/lb/kernel/recording/check.ts).
//
//   expect('traces/wrr.trace').toMatchKernelRecording('traces/wrr.trace.golden');
//   expect({ text: trace, name: 'inline' }).toMatchKernelRecording({ text: golden });
//
// A string is a file path; { text, name? } is content. A trace or recording that cannot be read
// (a bad line, no provenance header, a recording of another trace) throws: that is not a verdict.
import { readFileSync } from 'node:fs';
import { kernelProfile } from '../lb/ipvs/kernel.js';
import { checkAgainstRecording } from '../lb/kernel/recording/check.js';
import type { MatchResult } from '../checks/matchers.js';

/** A file path, or the content itself with a name for messages. */
export type TextSource = string | { text: string; name?: string };

export interface KernelRecordingMatchOptions {
  /** seed of the random source (default 1), as `lvslab simulate --seed` */
  seed?: number;
  /** the kernel the embedded IPVS models, as `lvslab simulate --kernel` (default: the pinned one) */
  kernel?: string;
}

function read(source: unknown, what: string): { text: string; name: string } {
  if (typeof source === 'string') {
    try {
      return { text: readFileSync(source, 'utf8'), name: source };
    } catch (err) {
      throw new Error(`toMatchKernelRecording: cannot read ${what} '${source}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (source !== null && typeof source === 'object' && typeof (source as { text?: unknown }).text === 'string') {
    const s = source as { text: string; name?: string };
    return { text: s.text, name: s.name ?? `the ${what}` };
  }
  throw new Error(`toMatchKernelRecording: the ${what} must be a file path or { text, name? }, got ${typeof source}`);
}

export function toMatchKernelRecording(received: unknown, recording: TextSource, options: KernelRecordingMatchOptions = {}): MatchResult {
  const trace = read(received, 'trace');
  const golden = read(recording, 'kernel recording');
  const r = checkAgainstRecording(trace.text, golden.text, {
    seed: options.seed,
    kernel: options.kernel === undefined ? undefined : kernelProfile(options.kernel),
    traceName: trace.name,
    goldenName: golden.name,
  });
  return { pass: r.ok, message: () => (r.ok ? `expected the embedded IPVS to disagree with the kernel recording, but:\n${r.report}` : r.report) };
}
