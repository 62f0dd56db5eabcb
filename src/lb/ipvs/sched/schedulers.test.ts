// Each scheduler against the kernel's rules (docs/kernel-behaviour.md 1, 2.0-2.14, 2.21): list order
// newest first, the pinned kernel's overhead (active << 8) + totalconns, cross-multiplied compares
// with ties to the earlier dest.
import { describe, expect, it } from 'vitest';
import { kernelProfile } from '../kernel.js';
import { parseIPv4 } from '../addr.js';
import { lab, picks } from '../../../../test/ipvs/testkit.js';
import { MH_TAB_SIZE, MaglevHashing } from './mh.js';
import { SourceHashing } from './sh.js';
import { DestinationHashing } from './dh.js';
import { weightedLeast, wlcLeast } from './wlc.js';
import { LeastConnection } from './lc.js';

const VIP = '192.168.1.112:80';
const svc = (l: ReturnType<typeof lab>) => l.ipvs.services[0];

function build(sched: string, dests: [string, number][], proto: 't' | 'u' = 't', extra = '') {
  const l = lab();
  l.run(`-A -${proto} ${VIP} -s ${sched} ${extra}`.trim());
  for (const [rs, w] of dests) l.run(`-a -${proto} ${VIP} -r 10.0.0.${rs}:80 -m -w ${w}`);
  return l;
}

describe('rr', () => {
  it('starts with the newest dest: -a .101 then .102 gives .102 .101 .102 .101', () => {
    const l = build('rr', [['101', 1], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 4)).toEqual(['102', '101', '102', '101']);
  });

  it('three dests cycle newest first and stay within 1 of each other', () => {
    const l = build('rr', [['101', 1], ['102', 1], ['103', 1]]);
    const p = picks(l, 'tcp', VIP, 10);
    expect(p.slice(0, 4)).toEqual(['103', '102', '101', '103']);
    const counts = ['101', '102', '103'].map((x) => p.filter((y) => y === x).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('deleting the current dest moves the pointer back: the next pick is the dest that followed it', () => {
    const l = build('rr', [['101', 1], ['102', 1], ['103', 1]]);
    expect(picks(l, 'tcp', VIP, 2)).toEqual(['103', '102']);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(picks(l, 'tcp', VIP, 3, 20000)).toEqual(['101', '103', '101']);
  });

  it('adding a dest does not move the pointer', () => {
    const l = build('rr', [['101', 1], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 1)).toEqual(['102']);
    l.run(`-a -t ${VIP} -r 10.0.0.103:80 -m`);
    expect(picks(l, 'tcp', VIP, 3, 20000)).toEqual(['101', '103', '102']);
  });

  it('skips weight 0 and overloaded dests', () => {
    const l = build('rr', [['101', 1], ['102', 0], ['103', 1]]);
    expect(picks(l, 'tcp', VIP, 4)).toEqual(['103', '101', '103', '101']);
  });
});

describe('wrr', () => {
  it('weights added A=4, B=3, C=2 give C B A A B A C B A', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s wrr`);
    l.run(`-a -t ${VIP} -r 10.0.0.1:80 -m -w 4`, `-a -t ${VIP} -r 10.0.0.2:80 -m -w 3`, `-a -t ${VIP} -r 10.0.0.3:80 -m -w 2`);
    const names: Record<string, string> = { '1': 'A', '2': 'B', '3': 'C' };
    expect(picks(l, 'tcp', VIP, 9).map((x) => names[x]).join(' ')).toBe('C B A A B A C B A');
  });

  it("reproduces the kernel-verified sequence .101=5 .102=2 .103=3 (cw = 1 first)", () => {
    const l = build('wrr', [['101', 5], ['102', 2], ['103', 3]]);
    expect(picks(l, 'tcp', VIP, 10)).toEqual(['103', '102', '101', '101', '101', '103', '101', '103', '102', '101']);
    // per full cycle the counts match the weights
    const next = picks(l, 'tcp', VIP, 10, 30000);
    expect(['101', '102', '103'].map((x) => next.filter((y) => y === x).length)).toEqual([5, 2, 3]);
  });

  it('any dest change resets the position to the head of the list', () => {
    const l = build('wrr', [['101', 1], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 1)).toEqual(['102']);
    l.run(`-e -t ${VIP} -r 10.0.0.101:80 -m -w 1`);
    expect(picks(l, 'tcp', VIP, 2, 20000)).toEqual(['102', '101']);
  });

  it('steps cw by the gcd: weights 4 and 2 give B A A per cycle', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s wrr`, `-a -t ${VIP} -r 10.0.0.1:80 -m -w 4`, `-a -t ${VIP} -r 10.0.0.2:80 -m -w 2`);
    expect(picks(l, 'tcp', VIP, 6)).toEqual(['2', '1', '1', '2', '1', '1']);
  });

  it('a -A with dests already bound (scheduler switched by -E) starts at the full weight', () => {
    const l = build('rr', [['101', 1], ['102', 3]]);
    l.run(`-E -t ${VIP} -s wrr`);
    expect(picks(l, 'tcp', VIP, 4)).toEqual(['102', '102', '102', '101']);
  });

  it('never picks weight 0; no dest with weight gives none', () => {
    const l = build('wrr', [['101', 0], ['102', 2]]);
    expect(picks(l, 'tcp', VIP, 3)).toEqual(['102', '102', '102']);
    l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(picks(l, 'tcp', VIP, 1, 20000)).toEqual(['none']);
  });
});

describe('lc / wlc', () => {
  it('lc: ties go to the newest dest; an active TCP conn weighs 256 inactive ones', () => {
    const l = build('lc', [['101', 1], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 4)).toEqual(['102', '101', '102', '101']);
  });

  it('lc ignores weights other than 0', () => {
    const l = build('lc', [['101', 10], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 4)).toEqual(['102', '101', '102', '101']);
  });

  it('wlc compares overhead/weight by cross-multiplication (w 1 and 3)', () => {
    const l = build('wlc', [['101', 1], ['102', 3]]);
    expect(picks(l, 'tcp', VIP, 6)).toEqual(['102', '101', '102', '102', '102', '101']);
  });

  it('wlc is the default scheduler', () => {
    const l = lab();
    l.run(`-A -t ${VIP}`);
    expect(l.ipvs.services[0].scheduler.name).toBe('wlc');
  });

  it('wlcLeast and lc (their overhead written out) pick what the generic loops with Dest.overhead pick, pinned and mainline counting', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const kernel of [undefined, kernelProfile('6.7')]) {
      const l = lab({ kernel });
      l.run(`-A -t ${VIP} -s wlc`);
      for (let i = 1; i <= 12; i++) l.run(`-a -t ${VIP} -r 10.0.0.${i}:80 -m -w 1`);
      const dests = svc(l).dests;
      const lc = new LeastConnection();
      const seen = new Set<string>();
      for (let trial = 0; trial < 2000; trial++) {
        for (const d of dests) {
          d.weight = rnd(4); // 0 included: skipped as the first pick, kept after it (as the kernel)
          d.activeConns = rnd(3);
          d.inactConns = rnd(600);
          d.overload = rnd(5) === 0;
        }
        const want = weightedLeast(dests, (d) => d.overhead());
        expect(wlcLeast(dests)).toBe(want);
        // lc: the least overhead among dests with weight > 0, not overloaded, ties to the earlier
        let lcWant: (typeof dests)[number] | null = null;
        for (const d of dests) if (!d.overload && d.weight > 0 && (lcWant === null || d.overhead() < lcWant.overhead())) lcWant = d;
        expect(lc.schedule(svc(l))).toBe(lcWant);
        seen.add(want?.addrStr ?? 'none');
      }
      // the trials reached every dest and the no-dest case
      expect(seen.size).toBe(13);
    }
  });

  it('lc on the pinned kernel counts an active connection as 257 (active << 8 + totalconns), mainline as 256', () => {
    for (const [kernel, want] of [[undefined, '10.0.0.2:80'], [kernelProfile('6.7'), '10.0.0.1:80']] as const) {
      const l = lab({ kernel });
      l.run(`-A -t ${VIP} -s lc`, `-a -t ${VIP} -r 10.0.0.2:80 -m`, `-a -t ${VIP} -r 10.0.0.1:80 -m`);
      const [first, second] = svc(l).dests; // newest first: .1 then .2
      first.activeConns = 1; // 257 pinned, 256 mainline
      second.inactConns = 256; // 256 either way
      // pinned: .2 has less; mainline: a tie, which the earlier dest (.1) keeps
      expect(new LeastConnection().schedule(svc(l))?.addrStr + ':80').toBe(want);
    }
  });

  it('wlc on UDP compares inactive conns only (UDP never becomes active)', () => {
    const l = build('wlc', [['101', 1], ['102', 1]], 'u');
    expect(picks(l, 'udp', VIP, 4)).toEqual(['102', '101', '102', '101']);
    expect(l.counts('10.0.0.101:80')).toEqual({ active: 0, inact: 2, persist: 0 });
  });
});

describe('sed / nq', () => {
  it('sed: (active+1)/weight', () => {
    const l = build('sed', [['101', 1], ['102', 3]]);
    expect(picks(l, 'tcp', VIP, 5)).toEqual(['102', '102', '102', '101', '102']);
  });

  it('sed on UDP always takes the highest weight', () => {
    const l = build('sed', [['101', 3], ['102', 1], ['103', 3]], 'u');
    expect(picks(l, 'udp', VIP, 5)).toEqual(['103', '103', '103', '103', '103']);
  });

  it('nq: an idle dest first, else the sed rule', () => {
    const l = build('nq', [['101', 1], ['102', 3]]);
    expect(picks(l, 'tcp', VIP, 3)).toEqual(['102', '101', '102']);
  });

  it('nq on UDP always takes the newest eligible dest, whatever the weights', () => {
    const l = build('nq', [['101', 5], ['102', 1]], 'u');
    expect(picks(l, 'udp', VIP, 4)).toEqual(['102', '102', '102', '102']);
    l.run(`-e -u ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(picks(l, 'udp', VIP, 2, 20000)).toEqual(['101', '101']);
  });
});

describe('fo / ovf / twos', () => {
  it('fo: highest weight, first of equals in list order', () => {
    const l = build('fo', [['101', 5], ['102', 5], ['103', 2]]);
    expect(picks(l, 'tcp', VIP, 3)).toEqual(['102', '102', '102']);
    l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(picks(l, 'tcp', VIP, 1, 20000)).toEqual(['101']);
  });

  it('ovf: a weight-2 dest takes 3 active conns, a weight-1 dest 2, then none', () => {
    const l = build('ovf', [['101', 2], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 6)).toEqual(['101', '101', '101', '102', '102', 'none']);
  });

  it('ovf on UDP never overflows', () => {
    const l = build('ovf', [['101', 2], ['102', 1]], 'u');
    expect(picks(l, 'udp', VIP, 5)).toEqual(['101', '101', '101', '101', '101']);
  });

  it('twos: two weighted draws (random 0 maps to the first dest), the less loaded wins', () => {
    const seq = [0, 0.99];
    let k = 0;
    // a kernel whose build has ip_vs_twos (the pinned Debian build has not)
    const l = lab({ random: () => seq[k++ % seq.length], kernel: kernelProfile('6.7') });
    l.run(`-A -t ${VIP} -s twos`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
    // total 2+1 = 3: draw 0 -> .102 (head), draw floor(0.99*3)=2 -> .101; equal load keeps choice1
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    // now .102 has an active conn: choice2 .101 is less loaded
    expect(l.conn('tcp', '10.9.0.1:2', VIP)).toBe('10.0.0.101:80');
  });

  it('twos is refused on the pinned kernel, whose build has no ip_vs_twos module', () => {
    const l = lab();
    expect(l.ipvsadm(['-A', '-t', VIP, '-s', 'twos'])).toEqual({ stdout: '', stderr: 'Scheduler or persistence engine not found\n', status: 255 });
    l.run(`-A -t ${VIP} -s rr`);
    expect(l.ipvsadm(['-E', '-t', VIP, '-s', 'twos'])).toEqual({ stdout: '', stderr: 'Scheduler or persistence engine not found\n', status: 255 });
  });
});

describe('sh', () => {
  it('tiles the 256 buckets with `weight` consecutive buckets per dest, in list order', () => {
    const l = build('sh', [['101', 2], ['102', 3]]);
    const s = svc(l).scheduler as SourceHashing;
    const names = s.buckets.map((d) => d!.addrStr.split('.')[3]);
    expect(names.slice(0, 10)).toEqual(['102', '102', '102', '101', '101', '102', '102', '102', '101', '101']);
    expect(names.filter((n) => n === '102').length).toBe(Math.ceil(256 / 5) * 3 - 2);
  });

  it('maps a client address by hash_32(saddr, 8), the same server for every port', () => {
    const l = build('sh', [['101', 1], ['102', 1]]);
    for (const client of ['10.9.0.1', '10.9.0.2', '172.16.5.9', '192.168.77.3']) {
      const bucket = Number(((BigInt(parseIPv4(client)) * 0x61c88647n) & 0xffffffffn) >> 24n);
      const want = bucket % 2 === 0 ? '10.0.0.102:80' : '10.0.0.101:80';
      expect(l.conn('tcp', `${client}:1111`, VIP)).toBe(want);
      expect(l.conn('tcp', `${client}:2222`, VIP)).toBe(want);
    }
  });

  it('sh-port hashes the source port too', () => {
    const l = build('sh', [['101', 1], ['102', 1]], 't', '-b sh-port');
    const got = new Set<string>();
    for (let p = 1000; p < 1010; p++) got.add(l.conn('tcp', `10.9.0.1:${p}`, VIP));
    expect(got.size).toBe(2);
  });

  it('weight 0: no destination, unless sh-fallback walks on', () => {
    const l = build('sh', [['101', 1], ['102', 1]]);
    const client = [...Array(50).keys()].map((i) => `10.9.1.${i}`).find((c) => l.conn('tcp', `${c}:1`, VIP) === '10.0.0.102:80')!;
    l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(l.conn('tcp', `${client}:2`, VIP)).toBe('none');
    l.run(`-E -t ${VIP} -s sh -b sh-fallback`);
    expect(l.conn('tcp', `${client}:3`, VIP)).toBe('10.0.0.101:80');
  });
});

describe('dh', () => {
  it('one bucket per dest round-robin, looked up by destination address; no fallback', () => {
    const l = build('dh', [['101', 5], ['102', 1]]);
    const s = svc(l).scheduler as DestinationHashing;
    expect(s.buckets.slice(0, 4).map((d) => d!.addrStr)).toEqual(['10.0.0.102', '10.0.0.101', '10.0.0.102', '10.0.0.101']);
    const bucket = Number(((BigInt(parseIPv4('192.168.1.112')) * 0x61c88647n) & 0xffffffffn) >> 24n);
    const want = bucket % 2 === 0 ? '10.0.0.102:80' : '10.0.0.101:80';
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe(want);
    expect(l.conn('tcp', '10.9.0.2:1', VIP)).toBe(want);
    l.run(`-e -t ${VIP} -r ${want} -m -w 0`);
    expect(l.conn('tcp', '10.9.0.3:1', VIP)).toBe('none');
  });

  it('deleting and re-adding a dest changes the list order and so the mapping', () => {
    const l = build('dh', [['101', 1], ['102', 1]]);
    const first = l.conn('tcp', '10.9.0.1:1', VIP);
    // .101 is the older dest (at the tail); re-added it goes to the head and the buckets flip
    l.run(`-d -t ${VIP} -r 10.0.0.101:80`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    const second = l.conn('tcp', '10.9.0.2:1', VIP);
    expect(second).not.toBe(first);
    // re-adding the newest dest keeps the order, and so the mapping
    l.run(`-d -t ${VIP} -r 10.0.0.101:80`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
    expect(l.conn('tcp', '10.9.0.3:1', VIP)).toBe(second);
  });
});

describe('mh', () => {
  it('fills all 4093 slots, equal weights within one slot of each other', () => {
    const l = build('mh', [['101', 1], ['102', 1], ['103', 1]]);
    const s = svc(l).scheduler as MaglevHashing;
    expect(MH_TAB_SIZE).toBe(4093);
    const counts = new Map<string, number>();
    for (const d of s.lookup) counts.set(d!.addrStr, (counts.get(d!.addrStr) ?? 0) + 1);
    const v = [...counts.values()];
    expect(v.reduce((a, b) => a + b, 0)).toBe(4093);
    expect(Math.max(...v) - Math.min(...v)).toBeLessThanOrEqual(1);
  });

  it('weights 2:1 give twice the slots', () => {
    const l = build('mh', [['101', 2], ['102', 1]]);
    const s = svc(l).scheduler as MaglevHashing;
    const n101 = s.lookup.filter((d) => d!.addrStr === '10.0.0.101').length;
    expect(Math.abs(n101 - (4093 * 2) / 3)).toBeLessThanOrEqual(1);
  });

  it('deleting a dest moves only (almost only) its own clients; quiescing keeps the table', () => {
    const l = build('mh', [['101', 1], ['102', 1], ['103', 1]]);
    const clients = [...Array(300).keys()].map((i) => `10.${(i >> 8) + 20}.${i & 255}.7`);
    const before = clients.map((c) => l.conn('tcp', `${c}:1`, VIP));
    const s = svc(l).scheduler as MaglevHashing;
    const table = [...s.lookup];
    l.run(`-e -t ${VIP} -r 10.0.0.102:80 -m -w 0`);
    expect(s.lookup).toEqual(table); // last_weight keeps the table
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    const after = clients.map((c) => l.conn('tcp', `${c}:2`, VIP));
    let kept = 0;
    let others = 0;
    before.forEach((b, i) => {
      if (b === '10.0.0.102:80') expect(after[i]).not.toBe(b);
      else {
        others++;
        if (after[i] === b) kept++;
      }
    });
    expect(kept / others).toBeGreaterThan(0.95);
  });

  it('the same client lands on the same dest whatever the port (mh-port off)', () => {
    const l = build('mh', [['101', 1], ['102', 1], ['103', 1]]);
    const a = l.conn('tcp', '10.9.0.1:1000', VIP);
    for (let p = 1001; p < 1010; p++) expect(l.conn('tcp', `10.9.0.1:${p}`, VIP)).toBe(a);
  });
});

describe('lblc / lblcr', () => {
  it('lblc sticks to its cached dest until it is overloaded while another is below half weight', () => {
    const l = build('lblc', [['101', 1], ['102', 1]]);
    expect(picks(l, 'tcp', VIP, 6)).toEqual(['102', '102', '101', '101', '101', '101']);
  });

  it('lblc expires idle entries in the 30-minute full check (lblc_expiration)', () => {
    for (const [expiration, want] of [
      [60, '10.0.0.101:80'],
      [24 * 3600, '10.0.0.102:80'],
    ] as const) {
      const l = lab({ sysctl: { lblcExpiration: expiration } });
      l.run(`-A -t ${VIP} -s lblc`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
      expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
      l.packet('tcp', '10.9.0.1:1', VIP, 'out', 'SA');
      l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A');
      // keep the established conn alive for 31 minutes
      for (let t = 0; t < 31; t += 5) {
        l.advance(300);
        l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A');
      }
      expect(l.conn('tcp', '10.9.0.2:1', VIP)).toBe(want);
    }
  });

  it('lblcr adds a dest to the set when the least loaded member is overloaded', () => {
    const l = build('lblcr', [['101', 1], ['102', 1]]);
    // set {102}; 102 overloaded -> wlc adds 101 at the set's head; then the set's least loaded, ties
    // to the earlier member (101), as long as it is not overloaded in lblc's sense
    expect(picks(l, 'tcp', VIP, 6)).toEqual(['102', '102', '101', '101', '101', '102']);
  });

  it('lblcr drops the most loaded member once the set was not modified for lblcr_expiration', () => {
    const l = lab({ sysctl: { lblcrExpiration: 10 } });
    l.run(`-A -t ${VIP} -s lblcr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`, `-a -t ${VIP} -r 10.0.0.102:80 -m`);
    expect(picks(l, 'tcp', VIP, 3)).toEqual(['102', '102', '101']); // set {101, 102}
    const s = svc(l).scheduler as unknown as { table: { get(a: number): { set: { list: { addrStr: string }[] } } } };
    const set = () => s.table.get(parseIPv4('192.168.1.112'))!.set.list.map((d) => d.addrStr);
    expect(set()).toEqual(['10.0.0.101', '10.0.0.102']);
    l.advance(11);
    picks(l, 'tcp', VIP, 1, 30000);
    // .102 carried two conns (now expired... SYN_RECV lasts 60 s, so still counted): it is the most loaded
    expect(set()).toEqual(['10.0.0.101']);
  });
});
