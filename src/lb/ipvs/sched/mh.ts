// Maglev hashing (ip_vs_mh.c): a 4093-entry lookup table filled from per-dest permutations derived
// with the kernel's fixed-key hsiphash, so the same client lands on the same dest as on an x86_64
// kernel, bucket for bucket. Weights count as `last_weight`, so quiescing to 0 does not reshuffle.
import type { Dest, Scheduler, Service } from '../ip_vs.js';
import { IP_VS_SVC_F_SCHED_MH_FALLBACK, IP_VS_SVC_F_SCHED_MH_PORT } from '../flags.js';
import type { PacketHeaders } from '../types.js';
import { lookupWithFallback } from './buckets.js';
import { fls, gcd, hsiphash32 } from './hash.js';

const CONFIG_IP_VS_MH_TAB_INDEX = 12;
const PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];
export const MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX >> 1;
export const MH_TAB_SIZE = PRIMES[CONFIG_IP_VS_MH_TAB_INDEX - 8];
// generate_hash_secret(): fixed keys, both words of each key equal
const HASH1_KEY = 2654435761;
const HASH2_KEY = 2654446892;

function hashkey(addr: number, port: number, key: number, offset: number): number {
  // v = offset + ntohs(port) + ntohl(addr) as a u32
  return hsiphash32((offset + port + addr) >>> 0, key, key);
}

export class MaglevHashing implements Scheduler {
  readonly name = 'mh';
  readonly lookup: (Dest | null)[] = new Array<Dest | null>(MH_TAB_SIZE).fill(null);

  constructor(svc: Service) {
    this.reassign(svc);
  }

  private reassign(svc: Service): void {
    const dests = svc.dests;
    if (dests.length > MH_TAB_SIZE) throw new Error(`mh: ${dests.length} destinations exceed the table size ${MH_TAB_SIZE}`);
    let g = 0;
    let maxw = 0;
    for (const d of dests) {
      const w = d.lastWeight;
      if (w > 0) g = g > 0 ? gcd(w, g) : w;
      if (w > maxw) maxw = w;
    }
    if (g < 1) {
      this.lookup.fill(null);
      return;
    }
    const shift = fls(Math.trunc(maxw / g)) - MH_TAB_BITS;
    const rshift = shift >= 0 ? shift : 0;
    // ip_vs_mh_permutate
    const n = dests.length;
    const skip = new Array<number>(n);
    const perm = new Array<number>(n);
    const turns = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const d = dests[i];
      perm[i] = hashkey(d.addr, d.port, HASH1_KEY, 0) % MH_TAB_SIZE;
      skip[i] = (hashkey(d.addr, d.port, HASH2_KEY, 0) % (MH_TAB_SIZE - 1)) + 1;
      const lw = d.lastWeight;
      turns[i] = Math.trunc(lw / g) >> rshift || (lw !== 0 ? 1 : 0);
    }
    // ip_vs_mh_populate
    const taken = new Uint8Array(MH_TAB_SIZE);
    let filled = 0;
    let dtCount = 0;
    for (;;) {
      let i = 0;
      while (i < n) {
        if (turns[i] < 1) {
          i++;
          continue;
        }
        let c = perm[i];
        while (taken[c]) {
          perm[i] += skip[i];
          if (perm[i] >= MH_TAB_SIZE) perm[i] -= MH_TAB_SIZE;
          c = perm[i];
        }
        taken[c] = 1;
        this.lookup[c] = dests[i];
        if (++filled === MH_TAB_SIZE) return;
        if (++dtCount >= turns[i]) {
          dtCount = 0;
          i++;
        }
      }
    }
  }

  addDest(svc: Service): void {
    this.reassign(svc);
  }
  delDest(svc: Service): void {
    this.reassign(svc);
  }
  updDest(svc: Service): void {
    this.reassign(svc);
  }

  schedule(svc: Service, h: PacketHeaders): Dest | null {
    const port = svc.flags & IP_VS_SVC_F_SCHED_MH_PORT ? h.sport : 0;
    const addr = h.saddr >>> 0;
    const ihash = hashkey(addr, port, HASH1_KEY, 0) % MH_TAB_SIZE;
    const fallback = (svc.flags & IP_VS_SVC_F_SCHED_MH_FALLBACK) !== 0;
    return lookupWithFallback(this.lookup, ihash, fallback, (roffset) => hashkey(addr, port, HASH1_KEY, roffset) % MH_TAB_SIZE);
  }
}
