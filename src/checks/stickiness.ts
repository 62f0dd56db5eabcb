// Stickiness: does every client (source address) or every source (address and port) keep talking to
// one real server? That is what sh, persistence templates and UDP entries reusing a source port promise.
import type { ProbeRecord } from './probe-record.js';

/** `client`: group by source address; `source`: by address and port. */
export type StickKey = 'client' | 'source';

export interface StickinessResult {
  pass: boolean;
  by: StickKey;
  /** every group and the servers it reached, with how often */
  groups: { key: string; servers: Record<string, number> }[];
  /** the groups that reached more than one server */
  violations: { key: string; servers: Record<string, number> }[];
  /** answered probes that carried no source, so could not be grouped */
  withoutSource: number;
}

export function stickiness(records: readonly ProbeRecord[], by: StickKey): StickinessResult {
  if (by !== 'client' && by !== 'source') throw new TypeError(`stick by 'client' or 'source', got '${String(by)}'`);
  const groups = new Map<string, Record<string, number>>();
  let withoutSource = 0;
  for (const r of records) {
    if (!r.ok || r.server === undefined) continue;
    if (!r.source) {
      withoutSource++;
      continue;
    }
    const key = by === 'client' ? r.source.addr : `${r.source.addr}:${r.source.port}`;
    const servers = groups.get(key) ?? {};
    servers[r.server] = (servers[r.server] ?? 0) + 1;
    groups.set(key, servers);
  }
  const list = [...groups].map(([key, servers]) => ({ key, servers }));
  const violations = list.filter((g) => Object.keys(g.servers).length > 1);
  return { pass: list.length > 0 && withoutSource === 0 && violations.length === 0, by, groups: list, violations, withoutSource };
}
