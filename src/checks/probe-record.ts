// What the checks judge: probe outcomes seen from the client side. The lab's probes and the scenario
// runner turn their own results into these records, so every check works the same over either backend
// (DESIGN: checks judge from the outside, never the embedded core's internals).

/** One probe: who answered, when, how long it took, or why it failed. */
export interface ProbeRecord {
  /** the real server's identity as it answered (e.g. `RS1`); absent when nothing answered */
  server?: string;
  ok: boolean;
  /** when the probe was sent, in milliseconds (any fixed origin; timelines only use differences) */
  at: number;
  /** how long the probe took, in milliseconds */
  ms: number;
  /** why it failed (timeout, ECONNREFUSED, ...) */
  error?: string;
  /** the source address and port the probe left from, for stickiness per client or per source */
  source?: { addr: string; port: number };
}

/** What the checks accept as "a set of probe results": records, or anything carrying them. */
export type ProbeInput = readonly ProbeRecord[] | { readonly records: readonly ProbeRecord[] } | readonly string[];

/** Normalise a matcher's received value to records; a bare string array is a sequence of answers. */
export function toRecords(input: unknown): ProbeRecord[] {
  const list = Array.isArray(input)
    ? input
    : input && typeof input === 'object' && Array.isArray((input as { records?: unknown }).records)
      ? (input as { records: unknown[] }).records
      : undefined;
  if (!list) {
    throw new TypeError(
      `expected probe results (an array of records, an object with .records, or an array of server names), got ${describe(input)}`,
    );
  }
  return list.map((item, i) => {
    if (typeof item === 'string') return { server: item, ok: true, at: i, ms: 0 };
    if (item && typeof item === 'object' && typeof (item as ProbeRecord).ok === 'boolean') return item as ProbeRecord;
    throw new TypeError(`probe result [${i}] is not a probe record (needs at least 'ok'): ${describe(item)}`);
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v as object).join(', ') || '(none)'}`;
  return `${typeof v} ${String(v)}`;
}
