// Probe results from the lab's agents turned into what the checks read (ProbeRecord), with the
// sequence and counts precomputed, and the agent's raw results kept for anyone who wants more.
import { answerSequence, countByServer } from '../checks/distribution.js';
import type { ProbeRecord } from '../checks/probe-record.js';
import type { ProbeResult, Timeline } from '../lab/index.js';

export interface ProbeRun<Raw = ProbeResult> {
  /** one per probe, in the order sent */
  records: ProbeRecord[];
  /** the servers that answered, in order (failed probes left out) */
  sequence: string[];
  counts: Record<string, number>;
  /** probes that failed */
  failed: number;
  raw: Raw[];
}

export function recordOf(r: ProbeResult, defaultSource?: string): ProbeRecord {
  const addr = r.localAddress ?? defaultSource;
  return {
    ok: r.ok,
    at: r.start,
    ms: r.latencyMs,
    ...(r.server !== undefined ? { server: r.server } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(addr !== undefined && r.localPort !== undefined ? { source: { addr, port: r.localPort } } : {}),
  };
}

export function probeRun<Raw>(records: ProbeRecord[], raw: Raw[], servers: readonly string[] = []): ProbeRun<Raw> {
  return {
    records,
    sequence: answerSequence(records),
    counts: countByServer(records, servers),
    failed: records.filter((r) => !r.ok).length,
    raw,
  };
}

export function timelineRecords(t: Timeline, source?: string): ProbeRecord[] {
  return t.probes.map((p) => ({
    ok: p.ok,
    at: p.start,
    ms: p.latencyMs,
    ...(p.server !== undefined ? { server: p.server } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
    ...(source ? { source: { addr: source, port: 0 } } : {}),
  }));
}
