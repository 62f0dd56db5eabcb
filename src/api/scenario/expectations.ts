// A scenario step's `expect:` block judged against what the step produced. Probe expectations use
// the same matchers as `lvslab/vitest`, so YAML and TypeScript checks say the same things.
import { spread } from '../../checks/distribution.js';
import type { IpvsConnRow, IpvsTable } from '../../checks/ipvsadm-text.js';
import { connectionMatches, formatConnectionTable, toBeRoundRobin, toFailOverWithin, toHaveConnection, toMatchWeights, toStickBy, type MatchResult } from '../../checks/matchers.js';
import type { CheckVerdict } from '../../checks/report/model.js';
import type { ProbeRun } from '../probe-run.js';
import type { ConnectionExpectation, Expectations } from './schema.js';

function verdict(name: string, r: MatchResult): CheckVerdict {
  return { name, pass: r.pass, message: r.pass ? '' : r.message() };
}

function simple(name: string, pass: boolean, message: () => string): CheckVerdict {
  return { name, pass, message: pass ? '' : message() };
}

const showCounts = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)';
const showSeq = (s: readonly string[]) => s.join(' ') || '(no answers)';

/** What the runner learned about the real servers' side of a probe step. */
export interface ServerSide {
  /** client addresses the real servers saw during the step */
  clientAddresses?: string[];
  /** sendFile: every file arrived byte-identical */
  deliveries?: { file: string; server?: string; bytes: number; receivedBytes: number; intact: boolean }[];
}

export function judgeProbes(e: Expectations, run: ProbeRun<unknown>, side: ServerSide = {}): CheckVerdict[] {
  const out: CheckVerdict[] = [];
  const { sequence, counts, records } = run;
  if (e.sequence) {
    const want = e.sequence;
    out.push(simple(`answers are ${want.join(' ')}`, want.length === sequence.length && want.every((s, i) => s === sequence[i]) && run.failed === 0, () => `expected answers ${showSeq(want)}\n     got answers ${showSeq(sequence)}${run.failed ? ` (${run.failed} probes failed)` : ''}`));
  }
  if (e.roundRobin) {
    const rr = Array.isArray(e.roundRobin) ? { servers: e.roundRobin, exactOrder: false } : e.roundRobin;
    out.push(verdict(`round robin over ${rr.servers.join(', ')}`, toBeRoundRobin(records, rr.servers, { exactOrder: rr.exactOrder })));
  }
  if (e.weights) {
    out.push(verdict(`shares match weights ${showCounts(e.weights)}`, toMatchWeights(records, e.weights, { alpha: e.alpha })));
  }
  if (e.stickBy) out.push(verdict(`each ${e.stickBy} sticks to one real server`, toStickBy(records, e.stickBy)));
  if (e.counts) {
    const want = e.counts;
    const pass = Object.entries(want).every(([s, n]) => (counts[s] ?? 0) === n);
    out.push(simple(`counts ${showCounts(want)}`, pass, () => `expected counts ${showCounts(want)}\n     got counts ${showCounts(counts)}\nanswers: ${showSeq(sequence)}`));
  }
  if (e.maxSpread !== undefined) {
    const max = e.maxSpread;
    out.push(simple(`max-min spread at most ${max}`, spread(counts) <= max, () => `spread ${spread(counts)} > ${max}: ${showCounts(counts)}`));
  }
  if (e.allAnswered) {
    const errors = [...new Set(records.filter((r) => !r.ok).map((r) => r.error ?? 'no answer'))];
    out.push(simple(`all ${records.length} probes answered`, run.failed === 0 && records.length > 0, () => `${run.failed} of ${records.length} probes failed: ${errors.join(', ')}\nanswers: ${showSeq(sequence)}`));
  }
  if (e.noneAnswered) {
    out.push(simple('no probe answered', sequence.length === 0, () => `expected no answer, got ${sequence.length}: ${showSeq(sequence)}`));
  }
  if (e.distinctServers !== undefined) {
    const distinct = sequence.length === records.length && new Set(sequence).size === sequence.length;
    out.push(simple(e.distinctServers ? 'each answer from a different real server' : 'answers repeat a real server', distinct === e.distinctServers, () => `answers: ${showSeq(sequence)}${run.failed ? ` (${run.failed} failed)` : ''}`));
  }
  if (e.answeredBy) {
    const want = [...e.answeredBy].sort();
    const got = [...new Set(sequence)].sort();
    out.push(simple(`answered by ${want.join(', ')}`, want.join() === got.join(), () => `expected answers from ${want.join(', ')}, got them from ${got.join(', ') || 'nobody'}: ${showCounts(counts)}`));
  }
  if (e.failOverWithin !== undefined) out.push(verdict(`service back within ${e.failOverWithin} ms`, toFailOverWithin(records, e.failOverWithin)));
  if (e.intact) {
    const d = side.deliveries ?? [];
    out.push(
      simple(`every file arrived byte-identical`, d.length > 0 && d.every((x) => x.intact), () =>
        d.map((x) => `  ${x.file}: ${x.bytes} bytes sent, ${x.receivedBytes} received by ${x.server ?? 'no real server'}${x.intact ? '' : ' — differs'}`).join('\n'),
      ),
    );
  }
  if (e.clientAddressSeen) {
    const want = e.clientAddressSeen;
    const seen = [...new Set(side.clientAddresses ?? [])];
    out.push(simple(`real servers saw client address ${want}`, seen.length > 0 && seen.every((a) => a === want), () => `the real servers saw ${seen.join(', ') || 'no client at all'} during this step`));
  }
  return out;
}

function serviceKey(proto: string, address: string): string {
  return `${proto} ${address}`;
}

export function judgeIpvsadm(e: Expectations, out: { stdout: string; status: number }, parse: { table: () => IpvsTable; connections: () => IpvsConnRow[] }): CheckVerdict[] {
  const checks: CheckVerdict[] = [];
  if (e.status !== undefined) {
    const want = e.status;
    checks.push(simple(`exit status ${want}`, out.status === want, () => `ipvsadm exited ${out.status}`));
  }
  for (const text of e.contains ?? []) {
    checks.push(simple(`output contains '${text}'`, out.stdout.includes(text), () => `not in the output:\n${out.stdout}`));
  }
  if (e.services || e.noServices) {
    let table: IpvsTable;
    try {
      table = parse.table();
    } catch (err) {
      checks.push({ name: 'service table readable', pass: false, message: (err as Error).message });
      return checks;
    }
    if (e.noServices) checks.push(simple('no virtual services', table.services.length === 0, () => `${table.services.length} services listed:\n${out.stdout}`));
    for (const want of e.services ?? []) {
      const [proto, address] = want.service.split(/\s+/);
      const svc = table.services.find((s) => serviceKey(s.proto, s.address) === serviceKey(proto, address));
      const name = `service ${want.service}${want.scheduler ? ` ${want.scheduler}` : ''}${want.dests ? ` with ${want.dests.map((d) => `${d.address}${d.forward ? ` ${d.forward}` : ''}${d.weight !== undefined ? ` w${d.weight}` : ''}`).join(', ')}` : ''}`;
      if (!svc) {
        checks.push({ name, pass: false, message: `no service ${want.service}; listed: ${table.services.map((s) => serviceKey(s.proto, s.address)).join(', ') || 'none'}` });
        continue;
      }
      const problems: string[] = [];
      if (want.scheduler && svc.scheduler !== want.scheduler) problems.push(`scheduler is ${svc.scheduler}, not ${want.scheduler}`);
      for (const d of want.dests ?? []) {
        const got = svc.dests.find((x) => x.address === d.address);
        if (!got) problems.push(`no real server ${d.address} (has ${svc.dests.map((x) => x.address).join(', ') || 'none'})`);
        else {
          if (d.forward && got.forward !== d.forward) problems.push(`${d.address} forwards ${got.forward}, not ${d.forward}`);
          if (d.weight !== undefined && got.weight !== d.weight) problems.push(`${d.address} has weight ${got.weight}, not ${d.weight}`);
        }
      }
      checks.push(simple(name, problems.length === 0, () => `${problems.join('; ')}\n${out.stdout}`));
    }
  }
  if (e.connections || e.noConnections) {
    let rows: IpvsConnRow[];
    try {
      rows = parse.connections();
    } catch (err) {
      checks.push({ name: 'connection table readable', pass: false, message: (err as Error).message });
      return checks;
    }
    for (const p of e.connections ?? []) {
      const { expiresBelow, ...pattern } = p;
      const found = toHaveConnection(rows, pattern);
      const name = `connection ${describePattern(p)}`;
      if (!found.pass || expiresBelow === undefined) {
        checks.push(verdict(name, found));
        continue;
      }
      const late = rows.filter((r) => connectionMatches(r, pattern) && r.expiresIn >= expiresBelow);
      checks.push(simple(name, late.length === 0, () => `entries expiring in ${expiresBelow} s or later:\n${formatConnectionTable(late)}`));
    }
    for (const p of e.noConnections ?? []) {
      const { expiresBelow: _ignored, ...pattern } = p;
      const hits = rows.filter((r) => connectionMatches(r, pattern));
      checks.push(simple(`no connection ${describePattern(p)}`, hits.length === 0, () => `found:\n${formatConnectionTable(hits)}`));
    }
  }
  return checks;
}

function describePattern(p: ConnectionExpectation): string {
  const parts: string[] = [];
  if (p.proto) parts.push(p.proto.toUpperCase());
  if (p.state) parts.push(p.state);
  if (p.client) parts.push(`from ${p.client}`);
  if (p.virtual) parts.push(`to ${p.virtual}`);
  if (p.destination) parts.push(`via ${p.destination}`);
  if (p.expiresBelow !== undefined) parts.push(`expiring within ${p.expiresBelow} s`);
  return parts.join(' ') || '(any)';
}

