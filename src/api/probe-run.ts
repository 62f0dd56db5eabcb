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

export type PeerCounts = Map<string, Map<string, number>>; // "addr:port" -> server -> datagrams

/** Give records without a server the server that received datagrams from their source. */
export function attributeUdp(records: ProbeRecord[], before: PeerCounts, after: PeerCounts): ProbeRecord[] {
  const delta = new Map<string, Map<string, number>>();
  for (const [key, servers] of after) {
    for (const [server, n] of servers) {
      const d = n - (before.get(key)?.get(server) ?? 0);
      if (d > 0) delta.set(key, new Map([...(delta.get(key) ?? new Map<string, number>()), [server, d]]));
    }
  }
  const used = new Map<string, Map<string, number>>();
  return records.map((r) => {
    if (!r.ok || r.server !== undefined || !r.source) return r;
    const key = `${r.source.addr}:${r.source.port}`;
    const servers = delta.get(key);
    if (!servers) return { ...r, ok: false, error: 'no real server received it' };
    // Shared source port: hand out each server's datagrams in turn (order within a port is unknown).
    const taken = used.get(key) ?? new Map<string, number>();
    used.set(key, taken);
    for (const [server, n] of servers) {
      if ((taken.get(server) ?? 0) < n) {
        taken.set(server, (taken.get(server) ?? 0) + 1);
        return { ...r, server };
      }
    }
    return { ...r, ok: false, error: 'no real server received it' };
  });
}
