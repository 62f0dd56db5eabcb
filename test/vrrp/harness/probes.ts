// Client-visible service through the VIP while VRRP moves it: each director's agent serves HTTP on
// port 80 (answering with its own name), the client probes http://VIP/ continuously, and the outage
// is read from the probe timeline. This measures VRRP + gratuitous ARP alone, without IPVS.
import type { Lab } from '../../../src/lab/index.js';
import type { Timeline } from '../../../src/lab/agent/protocol.js';
import { outageWindows, type OutageWindow } from '../../../src/checks/outage.js';
import type { ProbeRecord } from '../../../src/checks/probe-record.js';
import { VIP } from './directors.js';

export async function serveOnDirectors(lab: Lab): Promise<void> {
  for (const d of ['ds1', 'ds2']) await (await lab.host(d).agent()).serve({ protocol: 'tcp', port: 80 });
}

/** start probing now; resolves with the timeline when done (bounded: `forMs`, one probe per `everyMs`) */
export async function probeVip(lab: Lab, forMs: number, everyMs = 20): Promise<Timeline> {
  const agent = await lab.client.agent();
  return agent.probeContinuously(VIP, { protocol: 'http', port: 80, everyMs, forMs, timeoutMs: 200 });
}

export function records(t: Timeline): ProbeRecord[] {
  return t.probes.map((p) => ({ ok: p.ok, at: t.startedAt + p.t, ms: p.latencyMs, ...(p.server ? { server: p.server } : {}), ...(p.error ? { error: p.error } : {}) }));
}

export interface OutageSummary {
  windows: OutageWindow[];
  /** the longest window, ms; 0 with none */
  longestMs: number;
  /** the timeline ends answered */
  recovered: boolean;
  servers: string[];
}

export function summarize(t: Timeline): OutageSummary {
  const recs = records(t);
  const windows = outageWindows(recs);
  const last = recs[recs.length - 1];
  return {
    windows,
    longestMs: windows.reduce((m, w) => Math.max(m, w.durationMs), 0),
    recovered: Boolean(last?.ok),
    servers: [...new Set(recs.filter((r) => r.ok).map((r) => r.server ?? '?'))],
  };
}
