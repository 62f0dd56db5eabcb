// Verdict marks: one for "reject", one per destination. A DR destination's mark selects its policy
// routing table (keyed by address: DR cannot change the port); an offload NAT destination's mark
// selects its DNAT target (address and port). Marks are never reused while the daemon runs, so a
// conntrack entry carrying an old mark cannot land on a different destination.
import type { MarkTable } from './dataplane.js';
import type { RuleService } from './netfilter.js';

export const DEFAULT_MARK_BASE = 0x4c50000;

export class DestMarks implements MarkTable {
  readonly rejectMark: number;
  private next: number;
  private readonly byKey = new Map<string, number>();
  /** per-packet lookups by number, rebuilt on sync() */
  private fast = new Map<number, number>();

  constructor(private readonly base = DEFAULT_MARK_BASE) {
    this.rejectMark = base;
    this.next = base + 1;
  }

  static keyOf(forwarding: 'masq' | 'route', addr: string, port: number): string {
    return forwarding === 'masq' ? `masq ${addr}:${port}` : `route ${addr}`;
  }

  /** Assign marks to every destination of these services (existing ones keep theirs). */
  sync(services: RuleService[]): void {
    for (const s of services)
      for (const d of s.dests) {
        if (d.forwarding === 'local') continue;
        const key = DestMarks.keyOf(d.forwarding === 'masq' ? 'masq' : 'route', d.addr, d.port);
        if (!this.byKey.has(key)) {
          if (this.next >= this.base + 0xffff) throw new Error('out of destination marks');
          this.byKey.set(key, this.next++);
        }
      }
    const fast = new Map<number, number>();
    // IPv6 destinations are looked up by text (markFor6): only IPv4 ones get a numeric key
    for (const [key, mark] of this.byKey) if (key.split(':').length <= 2) fast.set(fastKeyOfString(key), mark);
    this.fast = fast;
  }

  /** The marks the rules need, keyed the way netfilter.ts looks them up (`addr:port` / `addr`). */
  forRules(services: RuleService[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of services)
      for (const d of s.dests) {
        if (d.forwarding === 'local') continue;
        const kind = d.forwarding === 'masq' ? 'masq' : 'route';
        const mark = this.byKey.get(DestMarks.keyOf(kind, d.addr, d.port));
        if (mark !== undefined) m.set(`${d.addr}:${d.port}`, mark);
      }
    return m;
  }

  markFor(forwarding: 'masq' | 'route', addr: number, port: number): number | undefined {
    return this.fast.get(forwarding === 'masq' ? 0x1000000000000 + addr * 0x10000 + port : addr);
  }

  /** An IPv6 destination's mark, by its inet_ntop text (as the core's snapshots spell it). */
  markFor6(forwarding: 'masq' | 'route', addr: string, port: number): number | undefined {
    return this.byKey.get(DestMarks.keyOf(forwarding, addr, port));
  }

  describe(): Array<{ dest: string; mark: number }> {
    return [...this.byKey].map(([dest, mark]) => ({ dest, mark }));
  }
}

function fastKeyOfString(key: string): number {
  const [kind, rest] = key.split(' ');
  const [addr, port] = rest.split(':');
  const n = addr.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  return kind === 'masq' ? 0x1000000000000 + n * 0x10000 + Number(port) : n;
}

