// The IPv6 traces recorded from the kernel (test/recordings/ipvs/traces/ipv6-*): services and real
// servers over IPv6 NAT with real IPv6 connections — rr/wrr/sh/mh/lblc choices (sh/mh/lblc hash
// the XOR fold of the address), persistence with an IPv6 prefix (-M 64), and ipvsadm's IPv6 text in
// -Ln/-Lnc/--stats/--rate/-S, with the mixed-family and fwmark -6 listings.
import type { GoldenTrace } from './cases.js';
import { TraceBuilder } from './trace-builder.js';

/** the IPv6 VIP, its TCP service, and real servers fd00::11-14 (each its own namespace) */
export const V6 = '2001:db8::112';
export const T6 = `[${V6}]:80`;
export const T6B = `[${V6}]:8080`;
export const A6 = 'fd00::11';
export const B6 = 'fd00::12';
export const C6 = 'fd00::13';
export const D6 = 'fd00::14';
/** client n, in brackets as a trace endpoint takes it; `net` picks the /64 (2001:db8:1:NET::/64) */
export const client6 = (n: number, net = 0): string => `[2001:db8:1:${net}::${(0x20 + n).toString(16)}]`;

const svc6 = (sched: string, extra = '', vip = T6) => `-A -t ${vip} -s ${sched}${extra}`;
const real6 = (rip: string, w = 1, vip = T6, port = 80) => `-a -t ${vip} -r [${rip}]:${port} -m -w ${w}`;

function rrWrr(): GoldenTrace {
  const t = new TraceBuilder(['IPv6 NAT: rr (newest first, deletion, re-add, weight 0) and wrr 3:2:1 on a second port']);
  t.ipvsadm(svc6('rr'), real6(A6), real6(B6), real6(C6));
  for (let i = 0; i < 4; i++) t.request(client6(0), T6);
  t.ipvsadm(`-d -t ${T6} -r [${B6}]:80`);
  for (let i = 0; i < 3; i++) t.request(client6(0), T6);
  t.ipvsadm(real6(B6), `-e -t ${T6} -r [${C6}]:80 -m -w 0`);
  for (let i = 0; i < 3; i++) t.request(client6(1), T6);
  t.ipvsadm(svc6('wrr', '', T6B), real6(A6, 3, T6B, 8080), real6(B6, 2, T6B, 8080), real6(C6, 1, T6B, 8080));
  for (let i = 0; i < 7; i++) t.request(client6(2), T6B);
  t.ipvsadm('-Ln');
  return { name: 'ipv6-rr-wrr', about: 'IPv6 NAT: rr and wrr choices, deletion, re-add, weight 0, -Ln with brackets', text: t.text() };
}

function hashing(): GoldenTrace {
  const t = new TraceBuilder(['IPv6 sh and mh: 10 clients hashed by the fold of their address; deletion and re-add']);
  t.ipvsadm(svc6('sh'), real6(A6), real6(B6, 2), real6(C6), real6(D6));
  const round = (vip: string) => {
    for (let i = 0; i < 10; i++) t.request(client6(i, i % 3), vip);
  };
  round(T6);
  t.ipvsadm(`-d -t ${T6} -r [${B6}]:80`);
  round(T6);
  t.ipvsadm(svc6('mh', '', T6B), real6(A6, 1, T6B, 8080), real6(B6, 1, T6B, 8080), real6(C6, 1, T6B, 8080), real6(D6, 1, T6B, 8080));
  round(T6B);
  t.ipvsadm(`-d -t ${T6B} -r [${C6}]:8080`);
  round(T6B);
  t.ipvsadm('-Ln');
  return { name: 'ipv6-sh-mh', about: 'IPv6 sh and mh: the kernel hashes the XOR fold of the client address; deletion (sh re-tiles, mh barely moves)', text: t.text() };
}

function lblc(): GoldenTrace {
  const t = new TraceBuilder(['IPv6 lblc: the cache keyed by the destination address; held connections overload the cached dest']);
  t.ipvsadm(svc6('lblc'), real6(A6), real6(B6), real6(C6));
  const held: string[] = [];
  for (let i = 0; i < 5; i++) held.push(t.open(client6(i), T6));
  t.ipvsadm('-Ln');
  for (const c of held.slice(0, 3)) t.close(c, T6);
  for (let i = 0; i < 3; i++) t.request(client6(6), T6);
  t.ipvsadm('-Ln');
  return { name: 'ipv6-lblc', about: 'IPv6 lblc: cache per destination address, overload test, -Ln', text: t.text() };
}

function persistence(): GoldenTrace {
  const t = new TraceBuilder(['IPv6 persistence: rr -p 60 -M 64 — clients of one /64 share a template; -Lnc shows the prefix']);
  t.ipvsadm(svc6('rr', ' -p 60 -M 64'), real6(A6), real6(B6), real6(C6));
  for (let i = 0; i < 6; i++) t.request(client6(i, i % 3), T6);
  t.ipvsadm(`-e -t ${T6} -r [${A6}]:80 -m -w 0`);
  for (let i = 0; i < 6; i++) t.request(client6(i + 6, i % 4), T6);
  t.ipvsadm('-Ln', '-Ln --persistent-conn', '-Lnc');
  return { name: 'ipv6-persistence', about: 'IPv6 persistence with -M 64: templates keyed by the /64 prefix, quiesced dest keeps its clients, -Lnc', text: t.text() };
}

function formats(): GoldenTrace {
  const t = new TraceBuilder(['IPv6 listings: -Ln, -Lnc, --stats, --rate, -S -n, -Ln --tun-info; fwmark -6; a mixed-family tunnel dest; long names']);
  t.ipvsadm(svc6('rr', ' -p 120'), real6(A6), real6(B6, 2));
  t.ipvsadm('-A -t [2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535 -s wlc', '-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535 -r [fd00:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 -m');
  t.ipvsadm('-a -t [2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535 -r 10.0.0.11 -i');
  t.ipvsadm('-A -f 7 -6 -s sh -p 30 -M 48', '-a -f 7 -6 -r [fd00::11]:0 -m', '-A -f 7 -s rr');
  const held = t.open(client6(0), T6);
  t.request(client6(1), T6);
  t.advance(3);
  t.ipvsadm('-Ln', '-Lnc', '-Ln --stats', '-Ln --rate', '-S -n', '-Ln --tun-info', '-Ln --thresholds', '-Ln -t [2001:db8:0::112]:80', '-Ln -f 7 -6');
  t.close(held, T6);
  return { name: 'ipv6-formats', about: 'IPv6 text in every listing: brackets, uncut names, "mask 48", "FWM  7 IPv6", a mixed-family tunnel dest', text: t.text() };
}

export function ipv6Traces(): GoldenTrace[] {
  return [rrWrr(), hashing(), lblc(), persistence(), formats()];
}

/** Bad IPv6 input for ipvsadm-errors (after its setup and ipv6ErrorSetup). */
export const ipv6ErrorSetup = [svc6('rr'), real6(A6)];
export const ipv6ErrorCommands = [
  `-A -t [${V6}] -s rr`,
  `-A -t [${V6}:80 -s rr`,
  `-A -t ${V6} -s rr`,
  `-A -t [10.0.0.1]:80 -s rr`,
  `-A -t [${V6}]:81 -s rr -p -M 0`,
  `-A -t [${V6}]:81 -s rr -p -M 129`,
  `-A -t [${V6}]:81 -s rr -p -M ffff::`,
  `-A -t [${V6}]:80 -s rr`,
  `-a -t ${T6} -r 10.0.0.11:80 -m`,
  `-a -t ${T6} -r 10.0.0.11:80 -g`,
  // (not fe80::1: the replay lab's director has that address, and the kernel takes a local one)
  `-a -t ${T6} -r [fe80::99]:80 -m`,
  `-a -t ${T6} -r [ff02::1]:80 -m`,
  `-a -t ${T6} -r [${A6}]:80 -m`,
  `-a -t ${T6} -r [${A6}] -m`,
  `-d -t ${T6} -r [${D6}]:80`,
  `-A -6 -f 3 -s rr`,
  `-a -f 3 -r [${A6}]:80 -m`,
  `-L -n -t [${V6}]:99`,
];
