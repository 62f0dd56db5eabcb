// The traces recorded from the kernel (test/recordings/ipvs/): one per scheduler with the changes
// that trip reimplementations up (weight changes, deletions, quiesced servers, persistence, held vs
// closed TCP connections, UDP), the kernel rules of cases-kernel.ts (thresholds, expiry, templates,
// one-packet, RST, -E/-D/-C), the ipvsadm output formats, and ipvsadm's errors for bad input.
// Each trace also runs in the differential suite, through the kernel and through the embedded core.
import { A, B, C, D, T, U, V, client } from './addresses.js';
import { kernelRuleTraces } from './cases-kernel.js';
import { ipv6ErrorCommands, ipv6ErrorSetup, ipv6Traces } from './cases-ipv6.js';
import { TraceBuilder } from './trace-builder.js';

export interface GoldenTrace {
  name: string;
  /** what the trace exercises (goes into the goldens README) */
  about: string;
  text: string;
}

const tcpSvc = (sched: string, extra = '') => `-A -t ${T} -s ${sched}${extra}`;
const udpSvc = (sched: string, extra = '') => `-A -u ${U} -s ${sched}${extra}`;
const realT = (rip: string, w = 1) => `-a -t ${T} -r ${rip}:80 -m -w ${w}`;
const realU = (rip: string, w = 1) => `-a -u ${U} -r ${rip}:9999 -m -w ${w}`;

function rr(): GoldenTrace {
  const t = new TraceBuilder(['rr: newest-added first, pointer kept across deletion, re-add, quiesce; UDP rr']);
  t.ipvsadm(tcpSvc('rr'), realT(A), realT(B), realT(C));
  for (let i = 0; i < 6; i++) t.request(client(0), T);
  t.ipvsadm(`-d -t ${T} -r ${B}:80`);
  for (let i = 0; i < 3; i++) t.request(client(0), T);
  t.ipvsadm(realT(B));
  for (let i = 0; i < 3; i++) t.request(client(0), T);
  t.ipvsadm(`-e -t ${T} -r ${C}:80 -m -w 0`);
  for (let i = 0; i < 4; i++) t.request(client(0), T);
  t.ipvsadm(udpSvc('rr'), realU(A), realU(B), realU(C));
  for (let i = 0; i < 5; i++) t.udp(client(1), U);
  t.ipvsadm('-Ln');
  return { name: 'sched-rr', about: 'rr over TCP and UDP: list order, deletion of the next dest, re-add, weight 0', text: t.text() };
}

function wrr(): GoldenTrace {
  const t = new TraceBuilder(['wrr: weights 4,3,2 (added in that order), then weight change, then a new dest']);
  t.ipvsadm(tcpSvc('wrr'), realT(A, 4), realT(B, 3), realT(C, 2));
  for (let i = 0; i < 9; i++) t.request(client(0), T);
  t.ipvsadm(`-e -t ${T} -r ${B}:80 -m -w 1`);
  for (let i = 0; i < 7; i++) t.request(client(0), T);
  t.ipvsadm(realT(D, 2));
  for (let i = 0; i < 9; i++) t.request(client(0), T);
  t.ipvsadm(udpSvc('wrr'), realU(A, 3), realU(B, 1));
  for (let i = 0; i < 8; i++) t.udp(client(1), U);
  t.ipvsadm('-Ln');
  return { name: 'sched-wrr', about: 'wrr: the first cycle (cw = 1), gcd stepping, reset on weight edit and on a new dest; UDP wrr 3:1', text: t.text() };
}

/** lc/wlc/sed/nq: held connections make ActiveConn matter; closed ones leave InActConn. */
function leastConn(sched: 'lc' | 'wlc' | 'sed' | 'nq', weights: [number, number, number]): GoldenTrace {
  const t = new TraceBuilder([`${sched}: weights ${weights.join(',')} (A,B,C added in that order); held vs closed TCP; quiesce; UDP`]);
  t.ipvsadm(tcpSvc(sched), realT(A, weights[0]), realT(B, weights[1]), realT(C, weights[2]));
  const held: string[] = [];
  for (let i = 0; i < 5; i++) held.push(t.open(client(i % 3), T));
  t.close(held[0], T).close(held[2], T);
  for (let i = 0; i < 4; i++) held.push(t.open(client(3), T));
  for (let i = 0; i < 3; i++) t.request(client(4), T);
  t.ipvsadm('-Ln');
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 0`);
  for (let i = 0; i < 3; i++) held.push(t.open(client(5), T));
  t.close(held[1], T).close(held[3], T).close(held[5], T);
  for (let i = 0; i < 3; i++) held.push(t.open(client(6), T));
  t.ipvsadm('-Ln');
  t.ipvsadm(udpSvc(sched), realU(A, weights[0]), realU(B, weights[1]), realU(C, weights[2]));
  for (let i = 0; i < 5; i++) t.udp(client(7), U);
  t.ipvsadm('-Ln');
  return {
    name: `sched-${sched}`,
    about: `${sched}: TCP connections held open (active) and closed (inactive), weight 0 mid-trace, UDP (never active)`,
    text: t.text(),
  };
}

function sh(): GoldenTrace {
  const t = new TraceBuilder(['sh: source hashing over 8 clients; weight 0 with and without sh-fallback; sh-port']);
  t.ipvsadm(tcpSvc('sh'), realT(A), realT(B), realT(C));
  const round = () => {
    for (let i = 0; i < 8; i++) t.request(client(i), T);
  };
  round();
  round();
  t.ipvsadm(`-e -t ${T} -r ${B}:80 -m -w 0`);
  round();
  t.ipvsadm(`-E -t ${T} -s sh -b sh-fallback`);
  round();
  t.ipvsadm(`-E -t ${T} -s sh -b sh-port`);
  round();
  t.ipvsadm(`-d -t ${T} -r ${A}:80`);
  round();
  t.ipvsadm('-Ln');
  return { name: 'sched-sh', about: 'sh: per-client stickiness, weight 0 (no fallback -> none), sh-fallback, sh-port, deletion', text: t.text() };
}

function dh(): GoldenTrace {
  // dh hashes the destination address: one dh service per VIP, same real servers behind each
  const vips = [112, 113, 114, 115, 116, 117].map((n) => `192.168.1.${n}`);
  const t = new TraceBuilder(['dh: one dh service on each of 6 VIPs, same three real servers; weight 0 (no fallback); delete + re-add']);
  for (const v of vips) t.ipvsadm(`-A -t ${v}:80 -s dh`, `-a -t ${v}:80 -r ${A}:80 -m`, `-a -t ${v}:80 -r ${B}:80 -m`, `-a -t ${v}:80 -r ${C}:80 -m`);
  const round = () => {
    for (const v of vips) t.request(client(0), `${v}:80`);
  };
  round();
  round();
  for (const v of vips) t.ipvsadm(`-e -t ${v}:80 -r ${B}:80 -m -w 0`);
  round();
  for (const v of vips.slice(0, 3)) t.ipvsadm(`-d -t ${v}:80 -r ${A}:80`, `-a -t ${v}:80 -r ${A}:80 -m`);
  round();
  t.ipvsadm('-Ln');
  return { name: 'sched-dh', about: 'dh: the VIP picks the dest; weight 0 gives none; delete + re-add reorders the table', text: t.text() };
}

function fo(): GoldenTrace {
  const t = new TraceBuilder(['fo: weights 1,3,2; highest weight takes all; quiesce; reweight']);
  t.ipvsadm(tcpSvc('fo'), realT(A, 1), realT(B, 3), realT(C, 2));
  for (let i = 0; i < 4; i++) t.open(client(0), T);
  t.ipvsadm(`-e -t ${T} -r ${B}:80 -m -w 0`);
  for (let i = 0; i < 3; i++) t.request(client(1), T);
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 2`);
  for (let i = 0; i < 3; i++) t.request(client(2), T);
  t.ipvsadm('-Ln');
  return { name: 'sched-fo', about: 'fo: weighted failover, ties to the newest dest, weight 0 and weight edits', text: t.text() };
}

function ovf(): GoldenTrace {
  const t = new TraceBuilder(['ovf: weights A=2, B=1 (A added first); held connections overflow']);
  t.ipvsadm(tcpSvc('ovf'), realT(A, 2), realT(B, 1));
  const held: string[] = [];
  for (let i = 0; i < 6; i++) held.push(t.open(client(0), T));
  t.ipvsadm('-Ln');
  t.close(held[0], T).close(held[1], T);
  for (let i = 0; i < 3; i++) held.push(t.open(client(1), T));
  t.ipvsadm('-Ln');
  return { name: 'sched-ovf', about: 'ovf: a dest is skipped only when activeconns > weight; what happens when all overflow', text: t.text() };
}

function mh(): GoldenTrace {
  const t = new TraceBuilder(['mh: Maglev hashing over 10 clients; delete one dest, re-add it, mh-port']);
  t.ipvsadm(tcpSvc('mh'), realT(A), realT(B), realT(C), realT(D));
  const round = () => {
    for (let i = 0; i < 10; i++) t.request(client(i), T);
  };
  round();
  t.ipvsadm(`-d -t ${T} -r ${B}:80`);
  round();
  t.ipvsadm(realT(B));
  round();
  t.ipvsadm(`-e -t ${T} -r ${C}:80 -m -w 3`);
  round();
  t.ipvsadm(`-E -t ${T} -s mh -b mh-port`);
  round();
  t.ipvsadm('-Ln');
  return { name: 'sched-mh', about: 'mh: client stickiness, minimal disruption on delete, re-add, weight change, mh-port', text: t.text() };
}

function lblc(sched: 'lblc' | 'lblcr'): GoldenTrace {
  const t = new TraceBuilder([`${sched}: weights 1,1,1; held connections to one VIP overload the cached dest`]);
  t.ipvsadm(tcpSvc(sched), realT(A), realT(B), realT(C));
  const held: string[] = [];
  for (let i = 0; i < 9; i++) held.push(t.open(client(i % 4), T));
  t.ipvsadm('-Ln');
  for (const c of held.slice(0, 4)) t.close(c, T);
  for (let i = 0; i < 4; i++) held.push(t.open(client(5), T));
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 0`);
  for (let i = 0; i < 3; i++) t.request(client(6), T);
  t.ipvsadm('-Ln');
  return { name: `sched-${sched}`, about: `${sched}: cache per destination address, overload test (activeconns > weight and a dest under half load), weight 0`, text: t.text() };
}

function persistence(): GoldenTrace {
  const t = new TraceBuilder(['rr with persistence 60 s: templates, quiesced dest keeps its clients, deleted dest loses them']);
  t.ipvsadm(tcpSvc('rr', ' -p 60'), realT(A), realT(B), realT(C));
  const round = (n: number) => {
    for (let i = 0; i < n; i++) t.request(client(i), T);
  };
  round(4);
  round(4);
  t.ipvsadm(`-e -t ${T} -r ${A}:80 -m -w 0`);
  round(6);
  t.ipvsadm(`-d -t ${T} -r ${B}:80`);
  round(6);
  t.ipvsadm('-Ln', '-Ln --persistent-conn');
  t.ipvsadm(udpSvc('wrr', ' -p 30 -M 255.255.255.0'), realU(A, 2), realU(B, 1));
  for (let i = 0; i < 6; i++) t.udp(client(i), U);
  t.ipvsadm('-Ln');
  return { name: 'persistence', about: 'persistence templates (TCP rr -p 60; UDP wrr -p 30 -M /24): quiesce vs delete mid-trace', text: t.text() };
}

function noDest(): GoldenTrace {
  const t = new TraceBuilder(['no destination available: all weights 0 (TCP refused, UDP unreachable); then one comes back']);
  t.ipvsadm(tcpSvc('wlc'), realT(A, 0), realT(B, 0), udpSvc('rr'), realU(A, 0));
  t.open(client(0), T);
  t.udp(client(0), U);
  t.ipvsadm(`-e -t ${T} -r ${B}:80 -m -w 1`, `-e -u ${U} -r ${A}:9999 -m -w 1`);
  t.open(client(0), T);
  t.udp(client(0), U);
  t.ipvsadm('-Ln');
  return { name: 'no-dest', about: 'no dest available: `-> none`, and no connection entry counted', text: t.text() };
}

export function schedulerTraces(): GoldenTrace[] {
  return [
    rr(),
    wrr(),
    leastConn('lc', [1, 1, 1]),
    leastConn('wlc', [3, 1, 2]),
    leastConn('sed', [3, 1, 2]),
    leastConn('nq', [1, 2, 3]),
    sh(),
    dh(),
    fo(),
    ovf(),
    mh(),
    lblc('lblc'),
    lblc('lblcr'),
    persistence(),
    noDest(),
  ];
}

// ---- ipvsadm output formats -------------------------------------------------------------------

function listFormats(): GoldenTrace {
  const t = new TraceBuilder(['ipvsadm listing formats over several services, forwarding methods and flags']);
  t.ipvsadm('-Ln', '-S -n');
  t.ipvsadm(
    `-A -u 192.168.1.113:53 -s wlc -p 300 -M 255.255.255.0`,
    `-a -u 192.168.1.113:53 -r ${B}:53 -g -w 2`,
    `-a -u 192.168.1.113:53 -r ${A}:5353 -m -w 1`,
    tcpSvc('rr'),
    realT(C, 3),
    realT(A, 1),
    `-a -t ${T} -r ${B}:8080 -m -w 2 -x 100 -y 50`,
    `-a -t ${T} -r ${D}:80 -i -w 0`,
    `-A -t 192.168.1.114:443 -s sh -b sh-fallback,sh-port`,
    `-a -t 192.168.1.114:443 -r ${A}:443 -m`,
    `-A -u ${U} -s mh -b mh-fallback -o`,
    realU(B, 5),
    `-A -t 10.0.0.100:80`,
    `-a -t 10.0.0.100:80 -r ${A}:80`,
  );
  t.ipvsadm('-Ln', `-Ln -t ${T}`, '-Ln --thresholds', '-Ln --persistent-conn', '-Ln --tun-info', '-S -n', `-S -n -u 192.168.1.113:53`, '-Ln --nosort', '-Ln --exact');
  return { name: 'format-list', about: '-Ln (sorting, forwarding names, flags, persistence, ops), one service, --thresholds, --persistent-conn, --tun-info, -S -n, --nosort', text: t.text() };
}

function statsFormats(): GoldenTrace {
  const t = new TraceBuilder(['--stats / --rate / --exact / -Z after real traffic, built so that the kernel\'s own numbers are deterministic']);
  t.ipvsadm(tcpSvc('rr'), realT(A), realT(B), udpSvc('rr'), realU(A), realU(B));
  for (let i = 0; i < 6; i++) t.request(client(i), T);
  for (let i = 0; i < 4; i++) t.udp(client(i), U);
  // kernel 6.1 folds its per-CPU counters into what --stats shows only when the 2 s estimator
  // runs: after 3 s every packet is in
  t.advance(3);
  t.ipvsadm('-Ln --stats', '-Ln --stats --exact');
  // -Z zeroes the rates too: from here on only the UDP burst moves them, so the TCP rows stay 0 and
  // the UDP ones are well above the rounding edge however the burst falls into estimator periods
  t.ipvsadm('-Z');
  for (let i = 0; i < 60; i++) t.udp(client(i % 8), U);
  t.advance(4);
  t.ipvsadm('-Ln --rate', '-Ln --rate --exact', '-Ln --stats');
  t.ipvsadm(`-Z -t ${T}`, '-Ln --stats', '-Z', '-Ln --stats', '-Ln --rate');
  return { name: 'format-stats', about: '--stats (after the estimator ran: 6.1 shows counters folded every 2 s), --rate after -Z and a UDP burst (zero/non-zero), --exact, -Z per service and global', text: t.text() };
}

function listVariants(): GoldenTrace {
  const t = new TraceBuilder(['-L variants: one service (-t, -u, -f), --exact, --thresholds, --persistent-conn, --tun-info, --stats, --rate, -S, --timeout']);
  t.ipvsadm(
    tcpSvc('wrr', ' -p 120 -M 255.255.255.0'),
    realT(A, 3),
    `-a -t ${T} -r ${B}:80 -m -w 1 -x 10 -y 5`,
    udpSvc('sh', ' -b sh-port -o'),
    realU(A),
    realU(C, 2),
    '-A -f 7 -s rr',
    `-a -f 7 -r ${A}:80 -m`,
    `-a -f 7 -r ${B} -g -w 2`,
    '-A -f 8 -s mh -b mh-fallback -p',
    `-a -f 8 -r ${C} -i`,
  );
  for (let i = 0; i < 4; i++) t.request(client(i), T);
  for (let i = 0; i < 4; i++) t.udp(client(i), U);
  t.advance(3);
  t.ipvsadm(`-Ln -t ${T}`, `-Ln -u ${U}`, '-Ln -f 7', '-Ln -f 8', `-Ln -t ${V}:81`, '-Ln -f 9');
  t.ipvsadm('-Ln --exact', `-Ln -t ${T} --exact`, `-Ln --thresholds -t ${T}`, `-Ln --persistent-conn -t ${T}`, '-Ln --persistent-conn -f 8', '-Ln --tun-info -f 7');
  t.ipvsadm(`-Ln --stats -t ${T}`, `-Ln --stats --exact -u ${U}`, `-Ln --rate -f 7`, '-Ln --thresholds', '-Ln --persistent-conn');
  t.ipvsadm(`-S -n -t ${T}`, '-S -n -f 7', '-S -n', '-L --timeout', '-Ln --daemon');
  t.ipvsadm(`-Lnc -t ${T}`, '-Lnc --exact');
  return { name: 'format-list-variants', about: '-L variants: single-service listings (-t, -u, -f, unknown service), --exact, --thresholds, --persistent-conn, --tun-info, --stats, --rate, -S -n per service, --timeout', text: t.text() };
}

function connFormats(): GoldenTrace {
  const t = new TraceBuilder(['-Lnc with held, closed, UDP and persistence-template entries']);
  t.ipvsadm(tcpSvc('rr'), realT(A), realT(B), udpSvc('rr', ' -p 120'), realU(A), realU(B));
  t.open(client(0), T);
  t.open(client(1), T);
  t.request(client(2), T);
  t.udp(client(3), U);
  t.udp(client(4), U);
  t.ipvsadm('-Lnc', '-Lnc --persistent-conn', '-Ln');
  return { name: 'format-conns', about: '-Lnc and -Lnc --persistent-conn (row order is hash order and expiry is live: compare rows as a set, expiry within a few seconds)', text: t.text() };
}

function timeoutAndDaemon(): GoldenTrace {
  const t = new TraceBuilder(['--timeout before/after --set; --daemon after --start-daemon (interface dc is the director\'s client side)']);
  t.ipvsadm('-L --timeout', '--set 100 20 50', '-L --timeout', '--set 0 0 0', '-L --timeout');
  t.ipvsadm('-L --daemon', '--start-daemon master --mcast-interface dc', '-L --daemon');
  t.ipvsadm('--start-daemon backup --mcast-interface dc --syncid 5', '-L --daemon');
  t.ipvsadm('--stop-daemon master', '-L --daemon', '--stop-daemon backup', '-L --daemon');
  // a service so the trace has a real server (the replay lab needs one)
  t.ipvsadm(tcpSvc('rr'), realT(A), '-Ln');
  return { name: 'format-timeout-daemon', about: '--timeout (defaults, --set, --set 0 0 0 keeps), --daemon master/backup listing, --stop-daemon', text: t.text() };
}

export function formatTraces(): GoldenTrace[] {
  return [listFormats(), statsFormats(), connFormats(), timeoutAndDaemon(), listVariants()];
}

/** Every recorded trace: schedulers, the kernel rules of cases-kernel.ts, the listing formats. */
export function allTraces(): GoldenTrace[] {
  return [...schedulerTraces(), ...kernelRuleTraces(), ...formatTraces(), ...ipv6Traces()];
}

/** Bad input, one command each, after a small valid setup; status and stderr are the point. */
export function errorCommands(): { setup: string[]; commands: string[] } {
  return {
    setup: [tcpSvc('rr'), realT(A), ...ipv6ErrorSetup],
    commands: [
      `-A -t ${T} -s rr`,
      `-A -t 192.168.1.113:80 -s nosuch`,
      // Debian's 6.1 build has no ip_vs_twos module
      `-A -t 192.168.1.113:80 -s twos`,
      `-E -t ${T} -s twos`,
      `-a -t 192.168.1.113:81 -r ${A}:80 -m`,
      `-a -t ${T} -r ${A}:80 -m`,
      `-d -t ${T} -r ${D}:80`,
      `-e -t ${T} -r ${D}:80 -m -w 2`,
      `-D -t 192.168.1.112:99`,
      `-E -t 192.168.1.112:99 -s rr`,
      `-A -t 300.1.1.1:80 -s rr`,
      `-A -t 192.168.1.113 -s rr`,
      `-A -t 192.168.1.113:99999 -s rr`,
      `-a -t ${T} -r ${B}:80 -m -w -1`,
      `-a -t ${T} -r ${B}:80 -m -w 70000`,
      `-a -t ${T} -r ${B}:80 -m -w abc`,
      `-A -t 192.168.1.113:80 -s rr -p abc`,
      `-A -t 192.168.1.113:80 -s rr -M 255.255.255.0`,
      `-A -t 192.168.1.113:80 -s rr -b nosuchflag`,
      `-a -t ${T} -r ${B}:80 -m -s rr`,
      `-Q`,
      `-A`,
      `-a -t ${T}`,
      `-L -n -t 192.168.1.112:99`,
      `--set 1 2`,
      `-A -t ${T} -u ${U}`,
      `-a -t ${T} -r ${B}:80 -m -x 5 -y 10`,
      `-Ln --stats --rate`,
      `-C -t ${T}`,
      ...ipv6ErrorCommands,
    ],
  };
}
