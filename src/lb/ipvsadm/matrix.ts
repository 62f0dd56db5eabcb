// ipvsadm's table of which options each command takes (commands_v_options in ipvsadm.c) and the
// checks that read it, with their exact messages.
import { fail } from './errors.js';

/** optnames[], in OPTC_* order: the bit number of each option is its index here. */
export const OPT_NAMES = [
  'numeric',
  'connection',
  'service-address',
  'scheduler',
  'persistent',
  'netmask',
  'real-server',
  'forwarding-method',
  'weight',
  'u-threshold',
  'l-threshold',
  'mcast-interface',
  'timeout',
  'daemon',
  'stats',
  'rate',
  'thresholds',
  'persistent-conn',
  'nosort',
  'syncid',
  'exact',
  'ops',
  'pe',
  'sched-flags',
  'mcast-group',
  'mcast-port',
  'mcast-ttl',
  'sync-maxlen',
  'tun-info',
  'tun-type',
  'tun-port',
  'tun-nocsum',
  'tun-csum',
  'tun-remcsum',
] as const;
export type OptName = (typeof OPT_NAMES)[number];

/** cmdnames[], in CMD_* order. */
export const CMD_NAMES = [
  'add-service',
  'edit-service',
  'delete-service',
  'flush',
  'list',
  'add-server',
  'delete-server',
  'edit-server',
  'set',
  'start-daemon',
  'stop-daemon',
  'restore',
  'save',
  'zero',
] as const;
export type CmdName = (typeof CMD_NAMES)[number];

// '+' compulsory, 'x' illegal, '1' at most one of the '1' options, ' ' optional. One string per
// command, one character per option in OPT_NAMES order (copied cell by cell from ipvsadm.c).
const MATRIX: Record<CmdName, string> = {
  //               -n -c svc -s -p -M -r fwd -w -x -y mc tot dmn st rt thr pc srt sid ex ops pe -b grp port ttl size tinf type tprt nocs csum remc
  'add-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list: ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server': 'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  set: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon': 'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon': 'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  restore: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save: ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero: 'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

/** generic_opt_check(): fails with ipvsadm's message at the first offending option. */
export function genericOptCheck(cmd: CmdName, options: ReadonlySet<OptName>): void {
  const row = MATRIX[cmd];
  let last: OptName | undefined;
  OPT_NAMES.forEach((name, j) => {
    const cell = row[j];
    if (!options.has(name)) {
      if (cell === '+') fail(`You need to supply the '${name}' option for the '${cmd}' command`);
      return;
    }
    if (cell === 'x') fail(`Illegal '${name}' option with the '${cmd}' command`);
    if (cell === '1') {
      if (last === undefined) {
        last = name;
        return;
      }
      fail(`The option '${name}' conflicts with the '${last}' option in the '${cmd}' command`);
    }
  });
}

export type TunnelType = 'ipip' | 'gue' | 'gre';
const TUN_OPTS: readonly OptName[] = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];
const TUN_MATRIX: Record<TunnelType, string> = { ipip: 'xxxx', gue: '+111', gre: 'x11x' };

/** tunnel_opt_check(): the same rules per tunnel type (tunnel_types_v_options). */
export function tunnelOptCheck(type: TunnelType, options: ReadonlySet<OptName>): void {
  const row = TUN_MATRIX[type];
  let last: OptName | undefined;
  TUN_OPTS.forEach((name, j) => {
    const cell = row[j];
    if (!options.has(name)) {
      if (cell === '+') fail(`You need to supply the '${name}' option for the '${type}' tunnel type`);
      return;
    }
    if (cell === 'x') fail(`Illegal '${name}' option with the '${type}' tunnel type`);
    if (cell === '1') {
      if (last === undefined) {
        last = name;
        return;
      }
      fail(`The option '${name}' conflicts with the '${last}' option in the '${type}' tunnel type`);
    }
  });
}
