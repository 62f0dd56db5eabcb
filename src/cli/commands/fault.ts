// `lvslab fault <lab> <host> FAULT`: the faults the suites make, on a lab kept by `lvslab up` —
// kill, stop, start, restart or reboot a director, or kill and start its keepalived alone; pull or
// plug a host's links; partition hosts.
// The work is src/api/kept.ts; this file reads the command line.
import { UsageError, printedHelp, type Command } from '../command.js';
import { applyKeptFault, requireDirector, vrrpSettleBoundMs, waitForVrrp, type KeptFault } from '../../api/kept.js';
import { attachLab } from '../../lab/lab.js';
import type { Lab } from '../../lab/lab.js';
import { hostFrom, labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab fault <lab> <host> kill|stop|start|restart|reboot [--no-wait]
       lvslab fault <lab> <host> kill-keepalived|start-keepalived [--no-wait]
       lvslab fault <lab> <host> link-down|link-up [IF] [--no-wait]
       lvslab fault <lab> <host>[,<host>...] partition [HOST...] [--no-wait]
       lvslab fault <lab> heal [--no-wait]

The faults the suites make, on a running lab (see 'lvslab up'). On a director:

  kill           embedded: SIGKILL its load balancer (the director daemon and its keepalived): a
                 crash; its rules, its VIPs and what its peers heard stay behind. kernel: the
                 kernel's IPVS is no process, so the director dies: keepalived is SIGKILLed and
                 its links go down ('start' or 'reboot' brings it back as after a reboot).
  stop           stop it gracefully: VRRP sends priority 0 (a backup takes over at once), its
                 rules are removed.
  start          start it again, with the configuration it was given at 'lvslab up' (a killed
                 kernel director: links up, IPVS table and VIPs gone, then its configuration).
  restart        stop, then start.
  reboot         the director reboots: its links go down, its load balancer dies, its IPVS table,
                 VIPs, conntrack entries, neighbours, netfilter and policy rules are gone; its links
                 come back with the lab's addresses and routes, and its load balancer starts again
                 with its configuration (as keepalived enabled at boot would).
  kill-keepalived
                 SIGKILL keepalived alone (VRRP, health checks): its IPVS keeps forwarding with its
                 table and connections (-Ln, -Lnc), its VIPs stay, and a backup takes the VIP too
                 after its master-down interval: both hold it (split brain) until keepalived runs
                 again. Only for a director given a keepalived.conf at 'lvslab up'.
  start-keepalived
                 start keepalived again with its keepalived.conf, beside the running IPVS (VRRP's
                 priorities and preemption then decide who is master).

On any host:

  link-down [IF] pull the host's cable (one interface, or all) at its switch port: the host keeps
                 its addresses and routes, frames are lost.
  link-up [IF]   plug it back.
  partition [HOST...]
                 drop every frame between <host> (several: a comma list) and the hosts named
                 (default: every other host), until 'heal'.
  heal           remove the partition.

When the directors run VRRP (a keepalived.conf at 'lvslab up'), the command then waits until VRRP
has elected its masters again (at most its master-down interval and a few seconds; --no-wait: not
at all) and prints who holds what and how long it took. Each fault is also written to the lab's
logs ('lvslab logs').

  lvslab fault 3f9a2c ds1 kill
  lvslab fault 3f9a2c ds1 start
  lvslab fault 3f9a2c ds1 kill-keepalived
  lvslab fault 3f9a2c ds2 link-down eth0
  lvslab fault 3f9a2c ds1 partition ds2

Exit status: 0 done; 1 it cannot be done (the host is not a director, its load balancer or
keepalived is not running or already runs, it runs no keepalived, a command failed); 2 usage error
(unknown lab, host, fault, interface).`;

const PROCESS_FAULTS = ['kill', 'stop', 'start', 'restart', 'reboot', 'kill-keepalived', 'start-keepalived'];
const FAULTS = [...PROCESS_FAULTS, 'link-down', 'link-up', 'partition', 'heal'];

function parseFault(lab: Lab, hosts: string[], words: string[]): KeptFault {
  const [kind, ...rest] = words;
  if (!kind) throw new UsageError(`needs a fault (${FAULTS.join(', ')})`);
  const none = () => {
    if (rest.length > 0) throw new UsageError(`'${kind}' takes no arguments (got '${rest.join(' ')}')`);
  };
  const single = () => {
    if (hosts.length !== 1) throw new UsageError(`'${kind}' applies to one host (got ${hosts.join(',')})`);
  };
  switch (kind) {
    case 'kill':
    case 'stop':
    case 'start':
    case 'restart':
    case 'reboot':
    case 'kill-keepalived':
    case 'start-keepalived':
      none();
      single();
      return { kind };
    case 'link-down':
    case 'link-up': {
      single();
      if (rest.length > 1) throw new UsageError(`'${kind}' takes at most one interface (got '${rest.join(' ')}')`);
      const ifaces = lab.host(hosts[0]).spec.interfaces.map((i) => i.name);
      if (rest[0] !== undefined && !ifaces.includes(rest[0])) throw new UsageError(`host '${hosts[0]}' has no interface '${rest[0]}' (it has ${ifaces.join(', ')})`);
      return { kind, ...(rest[0] !== undefined ? { iface: rest[0] } : {}) };
    }
    case 'partition': {
      const to = rest.length > 0 ? rest.flatMap((w) => w.split(',')).map((h) => hostFrom(lab, h)) : lab.hosts.map((h) => h.name).filter((h) => !hosts.includes(h));
      const both = to.filter((h) => hosts.includes(h));
      if (both.length > 0) throw new UsageError(`partition: ${both.join(', ')} cannot be on both sides`);
      return { kind, from: hosts, to };
    }
    case 'heal':
      none();
      return { kind };
    default:
      throw new UsageError(`unknown fault '${kind}' (${FAULTS.join(', ')})`);
  }
}

export const faultCommand: Command = {
  name: 'fault',
  summary: 'kill, stop, start, restart or reboot a director (or its keepalived); pull links; partition hosts',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const noWait = argv.includes('--no-wait');
    const [typed, second, ...words] = argv.filter((a) => a !== '--no-wait');
    const lab = await attachLab(await labIdFrom(typed));
    // `lvslab fault LAB heal` names no host
    const healing = second === 'heal' && words.length === 0 && !lab.hosts.some((h) => h.name === 'heal');
    const hosts = healing ? [] : (second ?? '').split(',').map((h) => hostFrom(lab, h || undefined));
    const fault = healing ? ({ kind: 'heal' } as const) : parseFault(lab, hosts, words);
    if (PROCESS_FAULTS.includes(fault.kind)) requireDirector(lab, hosts[0], `'${fault.kind}'`);
    requireRoot('lvslab fault');
    const t0 = Date.now();
    process.stdout.write(`${await applyKeptFault(lab, hosts[0] ?? '', fault)}\n`);
    const bound = noWait ? 0 : vrrpSettleBoundMs(lab);
    if (bound > 0) {
      const v = await waitForVrrp(lab, bound);
      if (v.lines.length > 0) process.stdout.write(`VRRP ${v.settled ? `after ${((Date.now() - t0) / 1000).toFixed(1)} s` : `not settled after ${((Date.now() - t0) / 1000).toFixed(1)} s`}: ${v.lines.join('; ')}\n`);
    }
    return 0;
  },
};
