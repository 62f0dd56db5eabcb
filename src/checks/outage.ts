// Outage windows from a probe timeline (probeContinuously): where the client lost service and when it
// got it back. A window runs from the first lost probe to the first answered one after it; a window
// still open at the end of the timeline has no recovery and counts until the last probe.
import type { ProbeRecord } from './probe-record.js';

export interface OutageWindow {
  /** when the first probe of the window was sent */
  firstLost: number;
  /** when the first probe answered after it was sent; absent if service never came back */
  firstRecovered?: number;
  /** firstRecovered - firstLost, or last probe - firstLost for a window still open */
  durationMs: number;
  lostProbes: number;
  /** who answered just before and just after: a failover shows two different directors' servers or the same */
  serverBefore?: string;
  serverAfter?: string;
  /** the errors seen in the window, with counts */
  errors: Record<string, number>;
}

export function outageWindows(timeline: readonly ProbeRecord[]): OutageWindow[] {
  const sorted = [...timeline].sort((a, b) => a.at - b.at);
  const windows: OutageWindow[] = [];
  let open: OutageWindow | undefined;
  let lastServer: string | undefined;
  for (const r of sorted) {
    if (!r.ok) {
      if (!open) {
        open = { firstLost: r.at, durationMs: 0, lostProbes: 0, serverBefore: lastServer, errors: {} };
        windows.push(open);
      }
      open.lostProbes++;
      const why = r.error ?? 'no answer';
      open.errors[why] = (open.errors[why] ?? 0) + 1;
      open.durationMs = r.at - open.firstLost;
      continue;
    }
    if (open) {
      open.firstRecovered = r.at;
      open.durationMs = r.at - open.firstLost;
      open.serverAfter = r.server;
      open = undefined;
    }
    lastServer = r.server;
  }
  return windows;
}

export interface FailoverVerdict {
  pass: boolean;
  windows: OutageWindow[];
  /** the longest window, 0 with none */
  longestMs: number;
  problem?: string;
}

/**
 * Service was lost for at most `ms` at a time and came back: every window closed within the budget and
 * the timeline ends answered. An empty timeline proves nothing and fails.
 */
export function checkFailover(timeline: readonly ProbeRecord[], ms: number): FailoverVerdict {
  if (!(ms >= 0)) throw new RangeError(`failover budget must be a number of milliseconds >= 0, got ${ms}`);
  const windows = outageWindows(timeline);
  const longestMs = windows.reduce((m, w) => Math.max(m, w.durationMs), 0);
  if (timeline.length === 0) return { pass: false, windows, longestMs, problem: 'the timeline is empty' };
  if (!timeline.some((r) => r.ok)) return { pass: false, windows, longestMs, problem: 'no probe was ever answered' };
  const unrecovered = windows.find((w) => w.firstRecovered === undefined);
  if (unrecovered) {
    return { pass: false, windows, longestMs, problem: `service was lost after ${unrecovered.firstLost} ms and never came back (${unrecovered.lostProbes} probes lost)` };
  }
  const over = windows.find((w) => w.durationMs > ms);
  if (over) return { pass: false, windows, longestMs, problem: `an outage lasted ${Math.round(over.durationMs)} ms, more than ${ms} ms` };
  return { pass: true, windows, longestMs };
}

/** A compact, readable timeline: runs of the same outcome, e.g. `RS1 ×12 (0–1100 ms)`. */
export function formatTimeline(timeline: readonly ProbeRecord[], origin?: number): string {
  const sorted = [...timeline].sort((a, b) => a.at - b.at);
  if (sorted.length === 0) return '(no probes)';
  const t0 = origin ?? sorted[0].at;
  const lines: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const label = (r: ProbeRecord) => (r.ok ? (r.server ?? 'answered') : `lost (${r.error ?? 'no answer'})`);
    const first = sorted[i];
    let j = i;
    while (j + 1 < sorted.length && label(sorted[j + 1]) === label(first)) j++;
    const from = Math.round(first.at - t0);
    const to = Math.round(sorted[j].at - t0);
    lines.push(`  ${label(first)} ×${j - i + 1} (${from === to ? `${from}` : `${from}–${to}`} ms)`);
    i = j + 1;
  }
  return lines.join('\n');
}
