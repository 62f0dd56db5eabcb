// The lab matchers as plain functions: (received, expected) -> { pass, message }. vitest.ts registers
// them with expect.extend; the scenario runner calls them directly, so a YAML expectation and a
// TypeScript assertion give the same verdict and the same message.
import { answerSequence, checkRoundRobin, countByServer } from './distribution.js';
import { formatEndpoint, parseIpvsConnections, type IpvsConnRow } from './ipvsadm-text.js';
import { checkFailover, formatTimeline } from './outage.js';
import { toRecords, type ProbeRecord } from './probe-record.js';
import { stickiness, type StickKey } from './stickiness.js';
import { weightedShareTest } from './weights.js';

export interface MatchResult {
  pass: boolean;
  /** what went wrong (or, for a passing `.not`, what matched), with the sequence or table shown */
  message: () => string;
}

function showSequence(seq: readonly string[], mark?: number): string {
  if (seq.length === 0) return '  (no answers)';
  const shown = seq.map((s, i) => (i === mark ? `[${s}]` : s));
  const cut = shown.length > 60 ? [...shown.slice(0, 60), `... (${shown.length - 60} more)`] : shown;
  return `  ${cut.join(' ')}`;
}

function showCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([s, n]) => `${s}=${n}`)
    .join(' ');
}

function failures(records: readonly ProbeRecord[]): string {
  const failed = records.filter((r) => !r.ok);
  if (failed.length === 0) return '';
  const why = new Map<string, number>();
  for (const r of failed) why.set(r.error ?? 'no answer', (why.get(r.error ?? 'no answer') ?? 0) + 1);
  return `\n${failed.length} of ${records.length} probes failed: ${[...why].map(([e, n]) => `${e} ×${n}`).join(', ')}`;
}

export function toBeRoundRobin(received: unknown, servers: readonly string[], options: { exactOrder?: boolean } = {}): MatchResult {
  const records = toRecords(received);
  const seq = answerSequence(records);
  const verdict = checkRoundRobin(seq, servers, options);
  const pass = verdict.pass && records.every((r) => r.ok);
  return {
    pass,
    message: () =>
      pass
        ? `expected answers not to be round robin over ${servers.join(', ')}, but they cycle ${verdict.cycle.join(' ')}:\n${showSequence(seq)}`
        : `expected round robin over ${servers.join(', ')}${options.exactOrder ? ` in that order` : ''}: ${verdict.problem ?? 'some probes failed'}\n` +
          `answers (${seq.length}):\n${showSequence(seq, verdict.at)}\ncounts: ${showCounts(countByServer(records, servers))}${failures(records)}`,
  };
}

export function toMatchWeights(received: unknown, weights: Readonly<Record<string, number>>, options: { alpha?: number } = {}): MatchResult {
  const records = toRecords(received);
  const counts = countByServer(records, Object.keys(weights));
  const r = weightedShareTest(counts, weights, options.alpha);
  const table = r.rows
    .map((row) => `  ${row.server.padEnd(10)} weight ${String(row.weight).padEnd(4)} got ${String(row.observed).padStart(5)} (${(row.share * 100).toFixed(1)}%)  expected ${row.expected.toFixed(1).padStart(7)} (${(row.expectedShare * 100).toFixed(1)}%)`)
    .join('\n');
  const extra = r.unexpected.map((u) => `\n  ${u.server.padEnd(10)} weight 0    got ${u.observed} (should get none)`).join('');
  const stats = `chi-square ${r.statistic.toFixed(3)}, df ${r.degreesOfFreedom}, p = ${r.pValue.toPrecision(3)} (alpha ${r.alpha})${r.lowExpected ? '; some expected counts are below 5, send more probes for a sharper test' : ''}`;
  return {
    pass: r.pass,
    message: () =>
      r.pass
        ? `expected the answers not to match weights ${showCounts({ ...weights })}, but they do:\n${table}\n${stats}`
        : `expected the answers to split by weights ${showCounts({ ...weights })}${r.total === 0 ? ' but nothing answered' : ''}:\n${table}${extra}\n${stats}${failures(records)}`,
  };
}

export function toStickBy(received: unknown, by: StickKey): MatchResult {
  const records = toRecords(received);
  const r = stickiness(records, by);
  const show = (groups: typeof r.groups) =>
    groups
      .slice(0, 20)
      .map((g) => `  ${g.key.padEnd(22)} -> ${showCounts(g.servers)}`)
      .join('\n');
  return {
    pass: r.pass,
    message: () =>
      r.pass
        ? `expected some ${by} to reach more than one real server, but each stuck to one:\n${show(r.groups)}`
        : `expected every ${by} to stick to one real server` +
          (r.groups.length === 0 ? ': no answered probe carried a source' : '') +
          (r.withoutSource ? ` (${r.withoutSource} answers carried no source address)` : '') +
          (r.violations.length ? `; ${r.violations.length} of ${r.groups.length} did not:\n${show(r.violations)}` : '') +
          failures(records),
  };
}

export interface ConnectionPattern {
  proto?: string;
  state?: string;
  /** `addr` or `addr:port` */
  client?: string;
  virtual?: string;
  destination?: string;
}

/** Accepts parsed rows, `-Lnc` text, or an object carrying either (`{ connections }`, `{ stdout }`). */
export function toConnectionRows(received: unknown): IpvsConnRow[] {
  if (typeof received === 'string') return parseIpvsConnections(received);
  if (Array.isArray(received)) return received as IpvsConnRow[];
  if (received && typeof received === 'object') {
    const o = received as { connections?: unknown; stdout?: unknown };
    if (Array.isArray(o.connections)) return o.connections as IpvsConnRow[];
    if (typeof o.stdout === 'string') return parseIpvsConnections(o.stdout);
  }
  throw new TypeError('expected a connection table: rows, ipvsadm -Lnc text, or an object with .connections or .stdout');
}

/** `a.b.c.d:port` / `[x:x::x]:port` match address and port; a bare address (IPv6 without brackets too) the address. */
function endpointMatches(want: string | undefined, got: { addr: string; port: number }): boolean {
  if (want === undefined) return true;
  const withPort = /^\[[^\]]+\]:\d+$/.test(want) || (!want.startsWith('[') && want.split(':').length === 2);
  if (withPort) return want === formatEndpoint(got);
  return want.replace(/^\[|\]$/g, '') === got.addr;
}

export function connectionMatches(row: IpvsConnRow, p: ConnectionPattern): boolean {
  return (
    (p.proto === undefined || p.proto.toUpperCase() === row.proto.toUpperCase()) &&
    (p.state === undefined || p.state.toUpperCase() === row.state.toUpperCase()) &&
    endpointMatches(p.client, row.client) &&
    endpointMatches(p.virtual, row.virtual) &&
    endpointMatches(p.destination, row.destination)
  );
}

export function formatConnectionTable(rows: readonly IpvsConnRow[]): string {
  if (rows.length === 0) return '  (no connection entries)';
  const head = `  ${'pro'.padEnd(4)}${'expire'.padEnd(7)}${'state'.padEnd(12)}${'source'.padEnd(22)}${'virtual'.padEnd(22)}destination`;
  const body = rows.map(
    (r) => `  ${r.proto.padEnd(4)}${(r.expire ?? String(r.expiresIn)).padEnd(7)}${r.state.padEnd(12)}${formatEndpoint(r.client).padEnd(22)}${formatEndpoint(r.virtual).padEnd(22)}${formatEndpoint(r.destination)}`,
  );
  return [head, ...body].join('\n');
}

export function toHaveConnection(received: unknown, pattern: ConnectionPattern): MatchResult {
  const rows = toConnectionRows(received);
  const hits = rows.filter((r) => connectionMatches(r, pattern));
  const want = Object.entries(pattern)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return {
    pass: hits.length > 0,
    message: () =>
      hits.length > 0
        ? `expected no connection with ${want}, found ${hits.length}:\n${formatConnectionTable(hits)}`
        : `expected a connection with ${want}; the table has ${rows.length}:\n${formatConnectionTable(rows)}`,
  };
}

export function toFailOverWithin(received: unknown, ms: number): MatchResult {
  const records = toRecords(received);
  const v = checkFailover(records, ms);
  const windows = v.windows
    .map((w, i) => `  outage ${i + 1}: ${Math.round(w.durationMs)} ms, ${w.lostProbes} probes lost, ${w.serverBefore ?? '?'} -> ${w.serverAfter ?? 'never recovered'}`)
    .join('\n');
  const origin = records.length ? Math.min(...records.map((r) => r.at)) : 0;
  return {
    pass: v.pass,
    message: () =>
      v.pass
        ? `expected service to be lost for more than ${ms} ms, but the longest outage was ${Math.round(v.longestMs)} ms\n${windows || '  (no outage)'}`
        : `expected every outage to end within ${ms} ms: ${v.problem}\n${windows}\ntimeline:\n${formatTimeline(records, origin)}`,
  };
}

export const labMatchers = { toBeRoundRobin, toMatchWeights, toStickBy, toHaveConnection, toFailOverWithin };
