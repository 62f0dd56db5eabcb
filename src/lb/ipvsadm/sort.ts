// The order ipvsadm lists services and real servers in: libipvs's comparators run by glibc's qsort().
// The comparators subtract unsigned 32-bit values and return the difference as an int, so two
// addresses more than 2^31 apart compare "backwards" (192.168.0.1 sorts before 10.0.0.1), and the
// comparison is not even transitive — so the result also depends on the sort algorithm. Debian 12's
// glibc (2.36) qsort is a top-down merge sort (msort.c); reproducing it step by step gives the same
// order for any input, including the non-transitive cases.
import { parseIPv6 } from '../ipvs/addr.js';
import { AF_INET, AF_INET6, type DestSnapshot, type ServiceSnapshot } from '../ipvs/types.js';
import { aton } from './numbers.js';

/** An address's union nf_inet_addr words in host order: IPv4 in the first, the rest 0. */
function words(addr: string): ArrayLike<number> {
  return addr.includes(':') ? parseIPv6(addr) : [aton(addr), 0, 0, 0];
}

/** The address comparison of both comparators: four words for an IPv6 first operand, else one. */
function cmpAddr(a1: string, a2: string): number {
  const w1 = words(a1);
  const w2 = words(a2);
  const n = a1.includes(':') ? 4 : 1;
  let r = 0;
  for (let i = 0; r === 0 && i < n; i++) r = intDiff(w1[i], w2[i]);
  return r;
}

/** glibc msort_with_tmp(): split n/2, sort both halves, merge taking the left one on cmp <= 0. */
export function glibcMsort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const b = items.slice();
  const tmp: T[] = new Array<T>(b.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    let n1 = Math.floor(n / 2);
    let n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i1 = lo;
    let i2 = lo + n1;
    let t = 0;
    while (n1 > 0 && n2 > 0) {
      if (cmp(b[i1], b[i2]) <= 0) {
        tmp[t++] = b[i1++];
        n1--;
      } else {
        tmp[t++] = b[i2++];
        n2--;
      }
    }
    while (n1 > 0) {
      tmp[t++] = b[i1++];
      n1--;
    }
    // the rest of the right half is already in place
    for (let k = 0; k < t; k++) b[lo + k] = tmp[k];
  };
  sort(0, b.length);
  return b;
}

/** `(int)(a - b)` for two unsigned 32-bit values. */
function intDiff(a: number, b: number): number {
  return (a - b) | 0;
}

const PROTO_NUMBER = { tcp: 6, udp: 17 } as const;

/** ipvs_cmp_services(): fwmark, af, protocol, address, port. */
export function cmpServices(s1: ServiceSnapshot, s2: ServiceSnapshot): number {
  const k1 = s1.key;
  const k2 = s2.key;
  const fw1 = k1.kind === 'fwmark' ? k1.fwmark : 0;
  const fw2 = k2.kind === 'fwmark' ? k2.fwmark : 0;
  let r = intDiff(fw1, fw2);
  if (r !== 0) return r;
  const af = (k: typeof k1): number => (k.kind === 'fwmark' ? (k.af ?? AF_INET) : k.addr.includes(':') ? AF_INET6 : AF_INET);
  r = af(k1) - af(k2);
  if (r !== 0) return r;
  // ipvsadm -f sets protocol TCP on fwmark services, and the kernel keeps it
  const p1 = k1.kind === 'fwmark' ? 6 : PROTO_NUMBER[k1.kind];
  const p2 = k2.kind === 'fwmark' ? 6 : PROTO_NUMBER[k2.kind];
  r = p1 - p2;
  if (r !== 0) return r;
  r = cmpAddr(k1.kind === 'fwmark' ? '0.0.0.0' : k1.addr, k2.kind === 'fwmark' ? '0.0.0.0' : k2.addr);
  if (r !== 0) return r;
  return (k1.kind === 'fwmark' ? 0 : k1.port) - (k2.kind === 'fwmark' ? 0 : k2.port);
}

/** ipvs_cmp_dests(): address, then port. */
export function cmpDests(d1: DestSnapshot, d2: DestSnapshot): number {
  const r = cmpAddr(d1.addr, d2.addr);
  if (r !== 0) return r;
  return d1.port - d2.port;
}
