// Traces of the kernel rules that reimplementations get wrong beyond the schedulers: connection
// thresholds (-x/-y) with their overload hysteresis under every scheduler that honours OVERLOAD,
// expiry after `--set` timeouts, persistence templates (netmasks, port-zero services, the 60 s
// retry of a template still in use), one-packet scheduling, RST closes and connection reuse, the
// sh/mh fallback and port flags, -E / -D / -C while connections are live, -e on live dests,
// persistence around quiesced and deleted dests, and hashing schedulers with weights.
//
// Expiry checks are built so that emulation cannot flip them: an entry the trace expects gone has
// expired seconds before the listing (a slow replay only makes it more expired), and one it expects
// alive has far more time left than the replay can lose.
import { A, B, C, T, U, V, client } from './addresses.js';
import type { GoldenTrace } from './cases.js';
import { TraceBuilder } from './trace-builder.js';

const realT = (rip: string, extra = '') => `-a -t ${T} -r ${rip}:80 -m${extra}`;
const realU = (rip: string, extra = '') => `-a -u ${U} -r ${rip}:9999 -m${extra}`;

/** Schedulers that skip a dest whose OVERLOAD flag is set, with the -b flags of the variant. */
const THRESHOLD_SCHEDULERS: Array<[string, string]> = [
  ['rr', ''],
  ['wrr', ''],
  ['lc', ''],
  ['wlc', ''],
  ['sed', ''],
  ['nq', ''],
  ['fo', ''],
  ['ovf', ''],
  ['lblc', ''],
  ['lblcr', ''],
  ['dh', ''],
  ['sh', ''],
  ['sh', ' -b sh-fallback'],
  ['mh', ''],
  ['mh', ' -b mh-fallback'],
];

/**
 * Thresholds: every dest has an upper threshold (A -x 3 -y 1, B -x 2 so its lower one is 2 - 2/4 =
 * 2, C -x 4 -y 2); held connections push them over, RST-closed ones expire after CLOSE's 10 s and
 * bring them back down through the lower threshold, closed ones (TIME_WAIT) keep counting, and
 * threshold edits re-evaluate the flag.
 */
function thresholds(sched: string, flags: string): GoldenTrace {
  const name = `thresholds-${sched}${flags.includes('fallback') ? '-fallback' : ''}`;
  const t = new TraceBuilder([`${sched}${flags}: -x/-y on every dest; overload set at the upper threshold, kept in between, cleared at the lower`]);
  t.ipvsadm(`-A -t ${T} -s ${sched}${flags}`, realT(A, ' -w 1 -x 3 -y 1'), realT(B, ' -w 1 -x 2'), realT(C, ' -w 2 -x 4 -y 2'));
  const held: string[] = [];
  for (let i = 0; i < 6; i++) held.push(t.open(client(i), T));
  t.ipvsadm('-Ln --thresholds');
  for (let i = 6; i < 10; i++) held.push(t.open(client(i), T));
  t.ipvsadm('-Ln --thresholds');
  for (const c of held.slice(0, 4)) t.reset(c, T);
  t.close(held[4], T);
  t.ipvsadm('-Ln --thresholds');
  t.advance(11);
  t.ipvsadm('-Ln --thresholds');
  for (let i = 0; i < 4; i++) held.push(t.open(client(i), T));
  t.ipvsadm('-Ln --thresholds');
  for (const c of held.slice(5, 8)) t.reset(c, T);
  t.advance(11);
  t.ipvsadm('-Ln --thresholds');
  for (let i = 4; i < 7; i++) held.push(t.open(client(i), T));
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 1 -x 1`, `-e -t ${T} -r ${C}:80 -m -w 2`, '-Ln --thresholds');
  for (let i = 7; i < 10; i++) held.push(t.open(client(i), T));
  t.ipvsadm('-Ln --thresholds', '-Ln');
  return { name, about: `${sched}${flags}: connection thresholds, the overload hysteresis both ways, RST-expired vs TIME_WAIT conns, threshold edits`, text: t.text() };
}

/** Thresholds under persistence: templates count in PersistConn, not toward -x (mainline counted them). */
function thresholdsPersistent(): GoldenTrace {
  const t = new TraceBuilder(['rr -p 60 with -x 2 on A and B: templates do not count toward the thresholds; TCP and UDP']);
  t.ipvsadm(`-A -t ${T} -s rr -p 60`, realT(A, ' -w 1 -x 2'), realT(B, ' -w 1 -x 2'), realT(C, ' -w 1'));
  for (let i = 0; i < 6; i++) t.open(client(i), T);
  t.ipvsadm('-Ln --thresholds', '-Ln --persistent-conn');
  for (let i = 0; i < 6; i++) t.open(client(i), T);
  for (let i = 6; i < 9; i++) t.open(client(i), T);
  t.ipvsadm('-Ln --thresholds', '-Ln --persistent-conn');
  t.ipvsadm(`-A -u ${U} -s rr -p 60`, realU(A, ' -w 1 -x 2'), realU(B, ' -w 1 -x 3 -y 1'));
  for (let i = 0; i < 5; i++) t.udp(client(i), U);
  for (let i = 0; i < 5; i++) t.udp(client(i), U);
  t.ipvsadm('-Ln --thresholds', '-Ln --persistent-conn', '-Lnc');
  return { name: 'thresholds-persistent', about: 'thresholds with persistence: templates count in PersistConn, never toward -x/-y (TCP and UDP)', text: t.text() };
}

export function thresholdTraces(): GoldenTrace[] {
  return [...THRESHOLD_SCHEDULERS.map(([s, f]) => thresholds(s, f)), thresholdsPersistent()];
}

/** `--set` applies to entries as their next packet sets their timeout; old entries keep theirs. */
function expirySet(): GoldenTrace {
  const t = new TraceBuilder(['--set: new timeouts for new entries and for entries at their next packet; expiry after them']);
  t.ipvsadm(`-A -t ${T} -s rr`, realT(A), realT(B), `-A -u ${U} -s rr`, realU(A), realU(B));
  t.ipvsadm('-L --timeout');
  const c1 = t.open(client(0), T);
  t.request(client(1), T);
  const u1 = t.port();
  t.udp(client(2), U, u1);
  t.ipvsadm('--set 5 5 3', '-L --timeout');
  t.open(client(3), T);
  t.udp(client(4), U);
  t.ipvsadm('-Lnc');
  t.advance(8);
  // the two new entries are gone; the old ones keep 900 / 120 (TIME_WAIT) / 300 s
  t.ipvsadm('-Lnc', '-Ln');
  t.send(c1, T);
  t.udp(client(2), U, u1);
  t.ipvsadm('-Lnc');
  t.advance(8);
  // c1 and u1 took the new timeouts with their last packet and are gone too
  t.ipvsadm('-Lnc', '-Ln', '-Ln --stats');
  t.ipvsadm('--set 0 0 0', '-L --timeout', '--set 900 120 300', '-L --timeout');
  return { name: 'expiry-set', about: '--set: which entries take the new timeouts and when; expiry of ESTABLISHED and UDP entries after them; TIME_WAIT unaffected', text: t.text() };
}

/** Persistence templates: the 60 s retry of a template still controlling entries, and what it keeps. */
function expiryTemplates(): GoldenTrace {
  const t = new TraceBuilder(['persistence -p 5 with UDP entries of 20 s: the template outlives its timeout while it controls entries']);
  t.ipvsadm('--set 0 0 20', `-A -u ${U} -s rr -p 5`, realU(A), realU(B));
  t.udp(client(0), U);
  t.udp(client(1), U);
  t.ipvsadm('-Lnc');
  t.advance(8);
  // the templates' timers fired at 5 s with an entry still under them: retried 60 s later
  t.ipvsadm('-Lnc');
  t.advance(15);
  // the entries expired at 20 s; the templates wait for their retry
  t.ipvsadm('-Lnc', '-Ln --persistent-conn');
  t.udp(client(0), U);
  // a new entry under client 0's template: the template's timer restarts with its timeout, now 60 s
  t.ipvsadm('-Lnc', '-Ln --persistent-conn');
  t.ipvsadm(`-A -t ${T} -s wrr -p 4`, realT(A, ' -w 1'), realT(B, ' -w 2'));
  const held = t.open(client(2), T);
  t.request(client(3), T);
  t.advance(6);
  t.ipvsadm('-Lnc');
  t.reset(held, T);
  t.advance(12);
  t.ipvsadm('-Lnc', '-Ln --persistent-conn');
  t.ipvsadm('--set 900 120 300');
  return { name: 'expiry-templates', about: 'persistence templates: timeout, the 60 s retry while they control entries (and the 60 s they keep after), TCP and UDP', text: t.text() };
}

function onePacket(): GoldenTrace {
  const t = new TraceBuilder(['one-packet scheduling (-o): every UDP datagram scheduled, no entries']);
  t.ipvsadm(`-A -u ${U} -s rr -o`, realU(A), realU(B), realU(C));
  const p = t.port();
  for (let i = 0; i < 4; i++) t.udp(client(0), U, p);
  for (let i = 0; i < 3; i++) t.udp(client(1), U);
  t.ipvsadm('-Lnc', '-Ln');
  t.ipvsadm(`-A -u ${V}:5353 -s sh -o`, `-a -u ${V}:5353 -r ${A}:5353 -m`, `-a -u ${V}:5353 -r ${B}:5353 -m`);
  for (let i = 0; i < 6; i++) t.udp(client(i % 3), `${V}:5353`);
  t.ipvsadm(`-A -u ${V}:53 -s wrr -o -p 30`, `-a -u ${V}:53 -r ${A}:53 -m -w 1`, `-a -u ${V}:53 -r ${C}:53 -m -w 3`);
  for (let i = 0; i < 6; i++) t.udp(client(i % 2), `${V}:53`);
  t.ipvsadm('-Lnc', '-Ln --persistent-conn');
  // ipvsadm refuses -o for a TCP service
  t.ipvsadm(`-A -t ${T} -s rr -o`);
  t.advance(3);
  t.ipvsadm('-Lnc', '-Ln', '-Ln --stats', '-S -n');
  return { name: 'one-packet', about: 'one-packet scheduling: rr per datagram (same source port too), sh, with persistence (templates only), refused for TCP, --stats conns per datagram', text: t.text() };
}

function persistenceNetmask(): GoldenTrace {
  const t = new TraceBuilder(['persistence granularity: -M masks the client address of the template; port-zero persistent service']);
  t.ipvsadm(`-A -t ${T} -s rr -p 60 -M 255.255.255.252`, realT(A), realT(B), realT(C));
  for (let round = 0; round < 2; round++) for (let i = 0; i < 8; i++) t.request(client(i), T);
  t.ipvsadm('-Lnc', '-Ln --persistent-conn');
  t.ipvsadm(`-E -t ${T} -s rr -p 60 -M 255.255.255.0`);
  for (let i = 0; i < 8; i++) t.request(client(i), T);
  t.ipvsadm('-Ln', '-Ln --persistent-conn');
  t.ipvsadm(`-A -u ${U} -s wlc -p 30 -M 255.255.0.0`, realU(A), realU(B));
  for (let i = 0; i < 4; i++) t.udp(client(i), U);
  t.ipvsadm(`-A -t ${V}:0 -s rr -p 60`, `-a -t ${V}:0 -r ${B} -m`, `-a -t ${V}:0 -r ${C} -m`);
  for (const port of [8080, 8443, 8080]) for (let i = 0; i < 3; i++) t.request(client(10 + i), `${V}:${port}`);
  t.ipvsadm('-Lnc', '-Ln', '-Ln --persistent-conn', '-S -n');
  return { name: 'persistence-netmask', about: 'persistence with -M /30, /24 (after -E), /16 (UDP), templates keyed by the masked client; port-zero persistent service on two ports', text: t.text() };
}

function rstCloses(): GoldenTrace {
  const t = new TraceBuilder(['RST closes: CLOSE for 10 s (inactive), then gone; a SYN on a CLOSE entry is rescheduled, unless a template controls it']);
  t.ipvsadm(`-A -t ${T} -s wlc`, realT(A), realT(B));
  const held: string[] = [];
  for (let i = 0; i < 4; i++) held.push(t.open(client(i), T));
  t.reset(held[0], T);
  t.close(held[1], T);
  t.ipvsadm('-Lnc', '-Ln');
  held.push(t.open(client(4), T));
  t.reset(held[2], T);
  t.ipvsadm('-Ln');
  // same client port again: the CLOSE entry is expired at once and the SYN scheduled anew
  const again = Number(held[2].split(':')[1]);
  held.push(t.open(client(2), T, again));
  t.ipvsadm('-Lnc', '-Ln');
  t.advance(11);
  t.ipvsadm('-Lnc', '-Ln');
  t.ipvsadm(`-A -t ${V}:443 -s rr -p 60`, `-a -t ${V}:443 -r ${A}:443 -m`, `-a -t ${V}:443 -r ${B}:443 -m`);
  const p = t.port();
  const ctl = t.open(client(5), `${V}:443`, p);
  t.reset(ctl, `${V}:443`);
  // a template controls this entry: no reschedule, the SYN moves the CLOSE entry on (SYN_RECV)
  t.open(client(5), `${V}:443`, p);
  t.ipvsadm('-Lnc', '-Ln');
  return { name: 'rst-close', about: 'RST closes: CLOSE state and its 10 s, counted inactive; SYN reuse of a CLOSE entry (rescheduled; not when a template controls it)', text: t.text() };
}

function hashFlags(): GoldenTrace {
  const t = new TraceBuilder(['sh and mh flags: fallback past a quiesced dest, port hashing, both; -E switches them live']);
  t.ipvsadm(`-A -t ${T} -s sh`, realT(A), realT(B), realT(C));
  t.ipvsadm(`-A -t ${V}:8080 -s mh`, `-a -t ${V}:8080 -r ${A}:8080 -m`, `-a -t ${V}:8080 -r ${B}:8080 -m`, `-a -t ${V}:8080 -r ${C}:8080 -m`);
  const round = () => {
    for (let i = 0; i < 6; i++) t.request(client(i), T);
    for (let i = 0; i < 6; i++) t.request(client(i), `${V}:8080`);
  };
  round();
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 0`, `-e -t ${V}:8080 -r ${A}:8080 -m -w 0`);
  round();
  t.ipvsadm(`-E -t ${T} -s sh -b sh-fallback`, `-E -t ${V}:8080 -s mh -b mh-fallback`);
  round();
  t.ipvsadm(`-E -t ${T} -s sh -b sh-port`, `-E -t ${V}:8080 -s mh -b mh-port`);
  round();
  t.ipvsadm(`-E -t ${T} -s sh -b sh-fallback,sh-port`, `-E -t ${V}:8080 -s mh -b mh-fallback,mh-port`);
  round();
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 1`, `-e -t ${V}:8080 -r ${A}:8080 -m -w 1`);
  round();
  t.ipvsadm('-Ln', '-S -n');
  return { name: 'sched-hash-flags', about: 'sh-fallback, sh-port, mh-fallback, mh-port and both together, switched with -E, around a quiesced dest', text: t.text() };
}

function editDeleteClear(): GoldenTrace {
  const t = new TraceBuilder(['-E, -D and -C while connections are live: entries outlive their service; dests come back from the trash']);
  t.ipvsadm(`-A -t ${T} -s rr`, realT(A), realT(B), `-A -u ${U} -s rr`, realU(A), realU(B));
  for (let i = 0; i < 4; i++) t.open(client(i), T);
  t.udp(client(0), U);
  t.udp(client(1), U);
  t.ipvsadm(`-E -t ${T} -s wlc`);
  for (let i = 4; i < 6; i++) t.open(client(i), T);
  t.ipvsadm(`-E -t ${T} -s wlc -p 60`);
  t.open(client(6), T);
  t.open(client(6), T);
  t.ipvsadm(`-E -t ${T} -s wlc`);
  t.open(client(6), T);
  t.ipvsadm('-Ln', '-Ln --persistent-conn');
  t.ipvsadm(`-D -t ${T}`, '-Ln');
  t.ipvsadm('-Lnc');
  t.ipvsadm(`-A -t ${T} -s rr`, realT(A), '-Ln');
  t.open(client(7), T);
  t.open(client(8), T);
  t.ipvsadm('-Ln');
  t.ipvsadm('-C', '-Ln');
  t.ipvsadm('-Lnc');
  t.ipvsadm(`-A -u ${U} -s rr`, realU(B), '-Ln');
  t.udp(client(2), U);
  t.ipvsadm('-Ln');
  return { name: 'edit-delete-clear', about: '-E (scheduler, persistence on and off), -D and -C with live connections: entries stay, dests return from the trash with their counters', text: t.text() };
}

/**
 * -e on live dests: a weight change takes effect on the next scheduling (wrr), weight 0 quiesces, a
 * changed forwarding method (and -e without one: ipvsadm then sends DR) keeps the dest where it is in
 * the kernel's list (--nosort shows the list as the kernel keeps it), and a dest deleted and added
 * again comes back from the trash to the head of the list.
 */
function editDests(): GoldenTrace {
  const t = new TraceBuilder(['-e on live dests: weights, quiescing, forwarding method; where each dest sits in the list']);
  t.ipvsadm(`-A -t ${T} -s wrr`, realT(A), realT(B), realT(C), '-Ln --nosort');
  for (let i = 0; i < 3; i++) t.open(client(i), T);
  t.ipvsadm(`-e -t ${T} -r ${B}:80 -m -w 3`, '-Ln --nosort');
  for (let i = 3; i < 8; i++) t.open(client(i), T);
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 0`);
  for (let i = 8; i < 11; i++) t.open(client(i), T);
  t.ipvsadm('-Ln --nosort', `-e -t ${T} -r ${C}:80 -g -w 1`, `-e -t ${T} -r ${B}:80 -w 3`, '-Ln --nosort');
  t.ipvsadm(`-d -t ${T} -r ${A}:80`, `-a -t ${T} -r ${A}:80 -m -w 2`, '-Ln --nosort', '-Ln', '-Lnc');
  return { name: 'edit-dests', about: '-e on live dests: weights (wrr), weight 0, NAT to DR and -e without a method, a deleted dest back from the trash; --nosort order', text: t.text() };
}

/**
 * Persistence around quiesced and deleted dests: a client whose template points to a dest of weight
 * 0 still goes there (the template, not the scheduler, decides), a new client finds no dest at all;
 * a dest deleted and added again comes back from the trash with its counters; one-packet UDP with
 * persistence keeps only templates.
 */
function persistenceQuiesce(): GoldenTrace {
  const t = new TraceBuilder(['persistence around quiesced and deleted dests; one-packet UDP with persistence']);
  t.ipvsadm(`-A -t ${T} -s rr -p 60`, realT(A), realT(B), `-A -u ${U} -s rr -o -p 30`, realU(A), realU(B));
  t.open(client(0), T);
  t.request(client(0), T);
  t.open(client(1), T);
  t.ipvsadm('-Ln --persistent-conn', `-e -t ${T} -r ${A}:80 -m -w 0`, `-e -t ${T} -r ${B}:80 -m -w 0`);
  t.open(client(0), T);
  t.open(client(2), T);
  t.ipvsadm('-Ln --persistent-conn', `-e -t ${T} -r ${B}:80 -m -w 1`);
  t.open(client(1), T);
  t.open(client(3), T);
  t.ipvsadm(`-d -t ${T} -r ${A}:80`);
  t.open(client(0), T);
  t.ipvsadm(realT(A));
  t.open(client(4), T);
  t.open(client(0), T);
  t.ipvsadm('-Ln --persistent-conn', '-Lnc');
  for (const n of [0, 0, 1, 0]) t.udp(client(n), U);
  t.ipvsadm('-Ln', '-Lnc');
  return { name: 'persistence-quiesce', about: 'persistence around quiesced (weight 0) and deleted dests, back from the trash; one-packet UDP with persistence', text: t.text() };
}

/**
 * Hashing schedulers with weights (sh with sh-port: weight 3, 1 and 0 — a weight-0 dest takes no
 * bucket; dh), a /24 persistent wlc service with thresholds, and the listings a user reaches for:
 * -S -n, one service (-t / -u), --stats --exact, --persistent-conn, --thresholds, -Z of one service,
 * and an edited weight re-spreading sh's buckets.
 */
function hashWeightsListings(): GoldenTrace {
  const t = new TraceBuilder(['sh-port and dh with weights, /24 persistence with thresholds; -S, one-service listings, --exact, -Z']);
  const W = `${V.replace(/\d+$/, '113')}:80`;
  t.ipvsadm(`-A -t ${T} -s sh -b sh-port`, realT(A, ' -w 3'), realT(B, ' -w 1'), realT(C, ' -w 0'));
  t.ipvsadm(`-A -u ${U} -s dh`, realU(A, ' -w 1'), realU(B, ' -w 2'));
  t.ipvsadm(`-A -t ${W} -s wlc -p 120 -M 255.255.255.0`, `-a -t ${W} -r ${A}:80 -m -w 2 -x 2 -y 1`, `-a -t ${W} -r ${B}:80 -m -w 1`);
  for (let i = 0; i < 8; i++) t.open(client(i % 3), T);
  for (let i = 0; i < 4; i++) t.udp(client(i), U);
  for (let i = 0; i < 5; i++) t.open(client(10 + i), W);
  t.open('192.168.2.40', W);
  // the kernel's --stats counters are what its estimator last copied (every 2 s): wait one tick out
  t.advance(3);
  t.ipvsadm('-S -n', `-L -n -t ${T}`, `-L -n -u ${U} --stats --exact`, `-L -n -t ${W} --persistent-conn`, '-L -n --thresholds', '-Lnc');
  t.ipvsadm(`-Z -u ${U}`, `-L -n -u ${U} --stats --exact`, `-e -t ${T} -r ${C}:80 -m -w 2`);
  for (let i = 0; i < 6; i++) t.open(client(i % 3), T);
  t.ipvsadm('-Ln');
  return { name: 'hash-weights-listings', about: 'sh-port and dh with weights (0 takes no bucket), /24 persistence with thresholds; -S -n, -t/-u listings, --stats --exact, -Z of one service', text: t.text() };
}

export function kernelRuleTraces(): GoldenTrace[] {
  return [
    ...thresholdTraces(),
    expirySet(),
    expiryTemplates(),
    onePacket(),
    persistenceNetmask(),
    rstCloses(),
    hashFlags(),
    editDeleteClear(),
    editDests(),
    persistenceQuiesce(),
    hashWeightsListings(),
  ];
}
