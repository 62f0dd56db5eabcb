// `lvslab simulate TRACE --expect TRACE.golden` and the `toMatchKernelRecording` matcher: the trace
// run against the embedded IPVS (src/lb/simulate/run.ts) and compared, item by item, with what the
// kernel printed for it (golden.ts), by the rules of the live differential (../diff.ts): exact,
// except what is live in a kernel recording (-Lnc rows as a set with expiry within the time the
// replay took, --nosort blocks as a set, --rate by zero/non-zero, --stats TCP rows by Conns). The
// report names each differing trace line and shows its kernel (-) and embedded (+) lines.
import { kernelProfile, PINNED_KERNEL } from '../../ipvs/kernel.js';
import { parseTrace } from '../../ipvs/trace.js';
import { runTraceItems, type TraceOptions } from '../../simulate/run.js';
import { compareTraceItems, type ItemOutput } from '../diff.js';
import { describeProvenance, GoldenError, parseGolden, traceSha256, type Golden } from './golden.js';

export interface RecordingCheck {
  /** true when the embedded IPVS printed what the kernel printed (within the live rules) */
  ok: boolean;
  /** one paragraph: the verdict, where the recording came from, and on a mismatch each differing item */
  report: string;
  /** things worth knowing that do not fail the check (the trace changed since, another kernel) */
  notes: string[];
  /** how many trace items printed, on either side */
  items: number;
  golden: Golden;
}

export interface RecordingCheckOptions extends TraceOptions {
  /** names for messages: the trace's file and the recording's */
  traceName?: string;
  goldenName?: string;
}

/**
 * Checks a trace against its kernel recording. Throws a TraceError for a bad trace line and a
 * GoldenError for a recording that cannot be read or that was made from another trace (an item it
 * recorded is not on that line of this trace).
 */
export function checkAgainstRecording(traceText: string, goldenText: string, options: RecordingCheckOptions = {}): RecordingCheck {
  const traceName = options.traceName ?? 'trace';
  const goldenName = options.goldenName ?? 'recording';
  const golden = parseGolden(goldenText, goldenName);
  const items = new Map(parseTrace(traceText, traceName).map((i) => [i.line, i.text]));
  for (const g of golden.items) {
    const here = items.get(g.line);
    if (here === g.text) continue;
    throw new GoldenError(
      goldenName,
      g.fileLine ?? 1,
      `recorded from line ${g.line} of '${golden.trace.name}' ('${g.text}'), but line ${g.line} of ${traceName} is ${here === undefined ? 'blank or a comment' : `'${here}'`}: a recording of another trace? (re-record it: lvslab record ${traceName} > ${goldenName})`,
    );
  }
  const notes: string[] = [];
  if (traceSha256(traceText) !== golden.trace.sha256) {
    notes.push(`${traceName} changed since it was recorded (its items that printed are the same; a changed line such as a weight may change what the kernel would print)`);
  }
  const recordedOn = golden.provenance.kernel;
  if (options.kernel === undefined || options.kernel === PINNED_KERNEL) {
    if (!recordedOn.pinned) notes.push(`recorded on ${recordedOn.package} ${recordedOn.version}, not the pinned kernel the embedded IPVS models by default (--kernel VERSION models another, e.g. ${mainlineOf(recordedOn.release)})`);
  } else if (recordedOn.pinned) {
    notes.push(`the embedded IPVS models ${options.kernel.description}; the recording comes from the pinned kernel ${recordedOn.release}`);
  }

  const embedded: Array<ItemOutput & { status: number }> = [];
  for (const r of runTraceItems(traceText, options)) if (r.output !== '' || r.status !== 0) embedded.push({ line: r.line, output: r.output, status: r.status });
  const kernel = golden.items.map((g) => ({ line: g.line, output: g.output, atS: g.atS, status: g.status }));
  const reports: string[] = [];
  const outputs = compareTraceItems(traceText, kernel, embedded, golden.elapsedS);
  // one paragraph per differing item, each starting 'line N: '
  if (outputs !== '') reports.push(...outputs.split(/\n\n(?=line \d+: )/));
  const kStatus = new Map(kernel.map((k) => [k.line, k.status]));
  const eStatus = new Map(embedded.map((e) => [e.line, e.status]));
  for (const line of [...new Set([...kStatus.keys(), ...eStatus.keys()])].sort((a, b) => a - b)) {
    const k = kStatus.get(line) ?? 0;
    const e = eStatus.get(line) ?? 0;
    if (k !== e) reports.push(`line ${line}: ${items.get(line) ?? ''}\nipvsadm exit status: kernel ${k}, embedded ${e}`);
  }
  const printed = new Set([...kStatus.keys(), ...eStatus.keys()]).size;
  const from = `recording: ${describeProvenance(golden.provenance)}\nmade by: ${golden.provenance.how}`;
  const noteText = notes.map((n) => `note: ${n}\n`).join('');
  const ok = reports.length === 0;
  const report = ok
    ? `${traceName}: the embedded IPVS agrees with the kernel recording ${goldenName} (${printed} items)\n${from}\n${noteText}`
    : `${traceName}: the embedded IPVS disagrees with the kernel recording ${goldenName} on ${reports.length} item${reports.length === 1 ? '' : 's'} (kernel lines -, embedded +)\n${from}\n${noteText}\n${reports.join('\n\n')}\n`;
  return { ok, report, notes, items: printed, golden };
}

/** A release such as 6.12.0-1-amd64 as the version --kernel takes (6.12), when it has one. */
function mainlineOf(release: string): string {
  const m = /^(\d+\.\d+)/.exec(release);
  if (!m) return '6.7';
  try {
    kernelProfile(m[1]);
    return m[1];
  } catch {
    return '6.7';
  }
}
