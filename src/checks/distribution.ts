// Distribution of answers over real servers: the exact sequence, per-server counts, the max-min spread,
// and whether a sequence is round robin (a fixed cycle through every server, repeated).
import type { ProbeRecord } from './probe-record.js';

/** The servers that answered, in probe order; failed probes are left out. */
export function answerSequence(records: readonly ProbeRecord[]): string[] {
  return records.filter((r) => r.ok && r.server !== undefined).map((r) => r.server as string);
}

/** Answers per server. Servers named in `expected` appear with 0 when they never answered. */
export function countByServer(records: readonly ProbeRecord[], expected: readonly string[] = []): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of expected) counts[s] = 0;
  for (const s of answerSequence(records)) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** max - min over the counts (0 for no servers): rr over N new connections keeps it at most 1. */
export function spread(counts: Record<string, number>): number {
  const values = Object.values(counts);
  return values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
}

export interface RoundRobinVerdict {
  pass: boolean;
  /** the cycle the sequence follows (taken from its first turn) */
  cycle: string[];
  /** why it is not round robin, naming the first place it breaks */
  problem?: string;
  /** index in the sequence where it breaks */
  at?: number;
}

/**
 * Is `sequence` round robin over exactly `servers`? The first `servers.length` answers must be the
 * servers, each once, in some order (the kernel starts from the most recently added real server, so
 * the order is not the listed one unless `exactOrder`), and every later answer repeats the cycle.
 */
export function checkRoundRobin(
  sequence: readonly string[],
  servers: readonly string[],
  options: { exactOrder?: boolean } = {},
): RoundRobinVerdict {
  const n = servers.length;
  if (n === 0) throw new TypeError('round robin over no servers: name at least one server');
  if (new Set(servers).size !== n) throw new TypeError(`round robin servers contain duplicates: ${servers.join(', ')}`);
  if (sequence.length < n) {
    return { pass: false, cycle: [...sequence], problem: `only ${sequence.length} answers for ${n} servers: need at least one full turn` };
  }
  const cycle = sequence.slice(0, n);
  const wanted = new Set(servers);
  for (let i = 0; i < n; i++) {
    const s = cycle[i];
    if (!wanted.has(s)) return { pass: false, cycle, at: i, problem: `answer #${i + 1} came from ${s}, which is not one of ${servers.join(', ')}` };
    if (cycle.indexOf(s) !== i) return { pass: false, cycle, at: i, problem: `answer #${i + 1} repeats ${s} before every server answered once` };
  }
  if (options.exactOrder) {
    for (let i = 0; i < n; i++) {
      if (cycle[i] !== servers[i]) return { pass: false, cycle, at: i, problem: `the cycle is ${cycle.join(' ')}, expected ${servers.join(' ')}` };
    }
  }
  for (let i = n; i < sequence.length; i++) {
    if (sequence[i] !== cycle[i % n]) {
      return { pass: false, cycle, at: i, problem: `answer #${i + 1} came from ${sequence[i]}, the cycle ${cycle.join(' ')} wants ${cycle[i % n]}` };
    }
  }
  return { pass: true, cycle };
}
