import { describe, expect, it } from 'vitest';
import { seededRandom } from './clock.js';
import { Conn } from './conn_entry.js';
import { ConnTable } from './conn_tab.js';
import { IP_VS_CONN_F_TEMPLATE } from './flags.js';
import type { Verdict } from './types.js';

const V = { action: 'accept' } as unknown as Verdict;
const VIP = 0xc0a80170 | 0;

function conn(proto: number, caddr: number, cport: number, vport = 80, flags = 0, daddr = 0x0a000065): Conn {
  return new Conn(proto, caddr, cport, VIP, vport, daddr, vport, flags, null, 0, V, V);
}

describe('ConnTable', () => {
  it('finds conns by client key and virtual or real address, templates apart', () => {
    const t = new ConnTable<Conn>();
    const a = conn(6, 0x0a000002, 40001);
    const tpl = conn(6, 0x0a000002, 0, 80, IP_VS_CONN_F_TEMPLATE);
    t.add(a);
    t.add(tpl);
    expect(t.size).toBe(2);
    expect(t.inGet(6, 0x0a000002, 40001, VIP, 80)).toBe(a);
    expect(t.inGet(17, 0x0a000002, 40001, VIP, 80)).toBeNull();
    expect(t.inGet(6, 0x0a000002, 40001, VIP, 81)).toBeNull();
    expect(t.outGet(6, 0x0a000065, 80, 0x0a000002, 40001)).toBe(a);
    expect(t.outGet(6, 0x0a000066, 80, 0x0a000002, 40001)).toBeNull();
    expect(t.templateGet(6, 0x0a000002, VIP, 80)).toBe(tpl);
    expect(t.inGet(6, 0x0a000002, 0, VIP, 80)).toBeNull(); // a template is no conn
    expect(t.remove(a)).toBe(true);
    expect(t.remove(a)).toBe(false);
    expect(t.inGet(6, 0x0a000002, 40001, VIP, 80)).toBeNull();
    expect(t.size).toBe(1);
  });

  it('chains conns of one client address/port newest first and lists them like the Map it replaced', () => {
    const t = new ConnTable<Conn>();
    const a = conn(6, 1, 1000, 80);
    const b = conn(6, 2, 1000, 80);
    const a2 = conn(6, 1, 1000, 443); // same client key as a, other service
    t.add(a);
    t.add(b);
    t.add(a2);
    expect([...t]).toEqual([a2, a, b]);
    expect(t.inGet(6, 1, 1000, VIP, 443)).toBe(a2);
    expect(t.inGet(6, 1, 1000, VIP, 80)).toBe(a);
    t.remove(a2);
    t.remove(a);
    t.add(a); // the key was gone: it lists last now
    expect([...t]).toEqual([b, a]);
  });

  it('refuses changes during iteration instead of skipping conns', () => {
    const t = new ConnTable<Conn>();
    const a = conn(6, 1, 1);
    t.add(a);
    t.add(conn(6, 2, 2));
    expect(() => {
      for (const c of t) t.remove(c);
    }).toThrow(/changed during iteration/);
  });

  it('rejects a key that does not fit its words', () => {
    expect(() => new ConnTable<Conn>().add(conn(6, 1, 70000))).toThrow(/client port 70000 out of range/);
  });

  it('agrees with a reference model through growth, churn (backward shift) and shrinking', () => {
    const t = new ConnTable<Conn>();
    const model = new Map<string, Conn>();
    const rnd = seededRandom(11);
    const live: Conn[] = [];
    // the listing order the Map-based table gave: keys by first insertion, each chain newest first
    const listing = new Map<string, Conn[]>();
    const ck = (c: Conn) => `${c.protocol}/${c.caddr}/${c.cport}`;
    // few addresses and ports so keys collide in slots and chains form; enough to grow past 1024 slots
    for (let step = 0; step < 40_000; step++) {
      const grow = step < 20_000 ? 0.7 : 0.25;
      if (live.length === 0 || rnd() < grow) {
        const c = conn(rnd() < 0.5 ? 6 : 17, (0x0b000000 + Math.floor(rnd() * 64)) | 0, 1024 + Math.floor(rnd() * 64), 80 + Math.floor(rnd() * 3));
        const k = `${c.protocol}/${c.caddr}/${c.cport}/${c.vport}`;
        if (model.has(k)) continue;
        model.set(k, c);
        live.push(c);
        const chain = listing.get(ck(c)) ?? [];
        listing.set(ck(c), [c, ...chain]);
        t.add(c);
      } else {
        const i = Math.floor(rnd() * live.length);
        const c = live[i];
        live[i] = live[live.length - 1];
        live.pop();
        model.delete(`${c.protocol}/${c.caddr}/${c.cport}/${c.vport}`);
        const chain = listing.get(ck(c))!.filter((x) => x !== c);
        if (chain.length === 0) listing.delete(ck(c));
        else listing.set(ck(c), chain);
        expect(t.remove(c)).toBe(true);
      }
      if (step % 997 === 0) {
        expect(live.filter((c) => t.inGet(c.protocol, c.caddr, c.cport, VIP, c.vport) !== c)).toEqual([]);
        expect([...t]).toEqual([...listing.values()].flat());
      }
    }
    expect(t.size).toBe(live.length);
    for (const c of live) expect(t.outGet(c.protocol, c.daddr, c.dport, c.caddr, c.cport)).not.toBeNull();
    for (const c of [...live]) t.remove(c);
    expect(t.size).toBe(0);
    expect([...t]).toEqual([]);
    expect(t.inGet(6, 0x0b000000, 1024, VIP, 80)).toBeNull();
  });
});
