// Replaying the traffic recording (test/recordings/ipvsadm/traffic/traffic.json) on the embedded
// IPVS: its ipvsadm setup lines through runIpvsadm, each captured packet through the core's packet
// path (inbound: client to VIP with the lab's MARK rule applied; outbound: a real server's reply),
// each at its recorded time on a manual clock, and each listing the kernel's ipvsadm printed run at
// the moment it started. Nothing of the kernel's state is put into the core: it is what the packets
// made of it.
//
// The one thing the recording cannot give is the phase of the kernel's 2 s estimator timer against
// the captured times (it starts with the namespace's IPVS and drifts by its own latency), which
// moves --rate values and, by a second's rounding, connection expiry. So the replay runs once per
// phase — the core's estimator started 0, 100, ..., 1900 ms into a period — and the recorded values
// must lie within what the phases give.
import { readFileSync } from 'node:fs';
import type { Provenance } from './provenance.js';
import { parseIPv4 } from '../../src/lb/ipvs/addr.js';
import { ManualClock } from '../../src/lb/ipvs/clock.js';
import { Ipvs } from '../../src/lb/ipvs/ipvs.js';
import { EST_PERIOD_MS } from '../../src/lb/ipvs/est.js';
import { IPPROTO_TCP, IPPROTO_UDP, type IpvsadmResult } from '../../src/lb/ipvs/types.js';
import { filesResolver, runIpvsadm } from '../../src/lb/ipvsadm/index.js';

interface Timed {
  start: number;
  end: number;
  status: number;
  args: string;
}

export interface TrafficRecording {
  provenance: Provenance;
  lab: string;
  ipvsCreated: [number, number];
  marks: { proto: string; daddr: string; dport: number; mark: number }[];
  setup: Timed[];
  listings: (Timed & { stdout: string })[];
  packets: { t: number; dir: 'in' | 'out'; proto: 'tcp' | 'udp'; saddr: string; sport: number; daddr: string; dport: number; flags: number; length: number }[];
}

export function loadTrafficRecording(): TrafficRecording {
  const doc = JSON.parse(readFileSync(new URL('../recordings/ipvsadm/traffic/traffic.json', import.meta.url), 'utf8')) as Partial<TrafficRecording>;
  if (!doc.provenance || !doc.setup || !doc.listings || !doc.packets) {
    throw new Error('test/recordings/ipvsadm/traffic/traffic.json: needs provenance, setup, listings and packets (re-record with test/ipvsadm/record-traffic.ts)');
  }
  return doc as TrafficRecording;
}

/** The phases tried, ms into an estimator period. */
export const PHASES_MS = Array.from({ length: 20 }, (_, k) => k * 100);

/** A listing's outcome in one replay. */
export interface ReplayedListing {
  args: string;
  result: IpvsadmResult;
}

/**
 * The listings lvslab's ipvsadm prints on the core, its estimator `phase` ms into a period at t=0,
 * each run when the real one started (`readAt` 'start') or ended ('end'): the real ipvsadm read the
 * kernel's tables somewhere in between.
 */
export function replayTraffic(rec: TrafficRecording, phase: number, readAt: 'start' | 'end' = 'start'): { setup: IpvsadmResult[]; listings: ReplayedListing[] } {
  // the core is created at clock 0; every recorded time is shifted so that t=0 falls `phase` ms into an estimator period
  const shift = EST_PERIOD_MS - phase;
  const clock = new ManualClock(0);
  const core = new Ipvs({ clock });
  // no listing prints names (all are -n), so the resolver is never asked
  const env = { resolver: filesResolver({ hosts: '', services: '' }) };
  type Event = { t: number; run: () => void };
  const setup: IpvsadmResult[] = [];
  const listings: ReplayedListing[] = [];
  const events: Event[] = [
    ...rec.setup.map((s) => ({ t: s.start, run: () => void setup.push(runIpvsadm(core, s.args.split(' '), '', env)) })),
    ...rec.listings.map((l) => ({ t: readAt === 'start' ? l.start : l.end, run: () => void listings.push({ args: l.args, result: runIpvsadm(core, l.args.split(' '), '', env) }) })),
    ...rec.packets.map((p) => ({
      t: p.t,
      run: () => {
        const mark = p.dir === 'in' ? rec.marks.find((m) => m.proto === p.proto && m.daddr === p.daddr && m.dport === p.dport)?.mark ?? 0 : 0;
        const h = {
          proto: p.proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP,
          saddr: parseIPv4(p.saddr),
          daddr: parseIPv4(p.daddr),
          sport: p.sport,
          dport: p.dport,
          tcpFlags: p.flags,
          length: p.length,
          fwmark: mark,
        };
        if (p.dir === 'in') core.inbound(h);
        else core.outbound(h);
      },
    })),
  ];
  // stable: at equal times, setup before listings before packets, as listed above
  events.sort((a, b) => a.t - b.t);
  for (const e of events) {
    const at = e.t + shift;
    if (at > clock.now()) clock.advance(at - clock.now());
    e.run();
  }
  return { setup, listings };
}
