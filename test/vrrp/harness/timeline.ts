// The failover timeline a scenario prints: VRRP state changes (from the embedded speakers' state
// files) interleaved with the client's first lost and first recovered probe, in ms from the fault.
import { formatTimeline } from '../../../src/checks/outage.js';
import type { Timeline } from '../../../src/lab/agent/protocol.js';
import type { DirectorVrrp } from './directors.js';
import { records, summarize } from './probes.js';

export function failoverTimeline(title: string, faultAt: number, timeline: Timeline, directors: DirectorVrrp[], more: Array<{ at: number; text: string }> = []): string {
  // `more`: what the suite saw itself (VIP holders, a second fault, the client's ARP entry)
  const events: { at: number; text: string }[] = [{ at: faultAt, text: 'fault injected' }, ...more];
  for (const d of directors) {
    for (const t of d.status()?.transitions ?? []) {
      if (t.wall >= faultAt - 1000) events.push({ at: t.wall, text: `${d.director} ${t.instance} ${t.from} -> ${t.to} (${t.reason})` });
    }
  }
  const s = summarize(timeline);
  for (const w of s.windows) {
    events.push({ at: w.firstLost, text: `client: first lost probe (${w.lostProbes} lost${w.serverBefore ? `, last answer from ${w.serverBefore}` : ''})` });
    if (w.firstRecovered !== undefined) events.push({ at: w.firstRecovered, text: `client: first recovered probe (${w.serverAfter ?? '?'}), outage ${Math.round(w.durationMs)} ms` });
  }
  events.sort((a, b) => a.at - b.at);
  const lines = events.map((e) => `  ${String(Math.round(e.at - faultAt)).padStart(6)} ms  ${e.text}`);
  // round robin alternates servers on every probe: fold answers into one run per outcome when long
  let probes = formatTimeline(records(timeline), faultAt);
  if (probes.split('\n').length > 30) {
    probes = formatTimeline(records(timeline).map((r) => (r.ok ? { ...r, server: 'answered' } : r)), faultAt);
  }
  return `${title}\n${lines.join('\n')}\nprobes:\n${probes}`;
}
