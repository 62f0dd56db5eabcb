// ipvsadm 1.31's command line, decision by decision as ipvsadm.c's parse_options() and
// process_options() take it, ending in an IpvsCommand instead of a kernel call. Every check runs in
// ipvsadm's order, so the first error reported is the one ipvsadm reports.
import type {
  DestOptions,
  Forwarding,
  IpvsCommand,
  ListOptions,
  Persistence,
  ServiceKey,
  ServiceOptions,
  SyncDaemonOptions,
  TunnelOptions,
} from '../ipvs/types.js';
import { EXIT_POPT, IpvsadmUsageError, fail, tryHelp } from './errors.js';
import {
  type CmdName,
  type OptName,
  type TunnelType,
  genericOptCheck,
  tunnelOptCheck,
} from './matrix.js';
import { inetPton4, ntoa, stringToNumber, strtolExact } from './numbers.js';
import { hostToAddr, parseService } from './service-address.js';
import { formatIPv6 } from '../ipvs/addr.js';
import { AF_INET, AF_INET6, type AddressFamily, type In6Addr } from '../ipvs/types.js';
import { type IpvsadmEnv, programOf, resolverOf } from './env.js';
import { PoptContext, POPT_ERRORS } from './popt.js';
import { isIPv6 } from 'node:net';

/** ipvsadm's compile-time constants. */
export const DEF_SCHED = 'wlc';
export const DEF_MCAST_IFN = 'eth0';
export const IPVS_SVC_PERSISTENT_TIMEOUT = 360;
export const MAX_TIMEOUT = 86400 * 31;
const IP_VS_SCHEDNAME_MAXLEN = 16;
const IP_VS_PENAME_MAXLEN = 16;
const IP_VS_IFNAME_MAXLEN = 16;

/** Scheduler flag bits (IP_VS_SVC_F_SCHED1..3); sh-/mh- names are aliases of the first two. */
export const SCHED_FLAG_BITS: Record<string, number> = {
  'flag-1': 1,
  'flag-2': 2,
  'flag-3': 4,
  'sh-fallback': 1,
  'sh-port': 2,
  'mh-fallback': 1,
  'mh-port': 2,
};

/** print_sched_flags(): the names ipvsadm shows for flag bits under a scheduler. */
export function schedFlagNames(scheduler: string, bits: number): string[] {
  const names: string[] = [];
  if (scheduler === 'sh') {
    if (bits & 1) names.push('sh-fallback');
    if (bits & 2) names.push('sh-port');
  } else if (scheduler === 'mh') {
    if (bits & 1) names.push('mh-fallback');
    if (bits & 2) names.push('mh-port');
  } else {
    if (bits & 1) names.push('flag-1');
    if (bits & 2) names.push('flag-2');
    if (bits & 4) names.push('flag-3');
  }
  return names;
}

/**
 * Every flag bit by a name the core takes back to the same bit: print_sched_flags' names, and flag-3,
 * which sh and mh leave unnamed (ipvsadm -b flag-3 -s sh sets it; -Ln then shows "sh ()").
 */
export function schedFlagsOf(scheduler: string, bits: number): string[] {
  const names = schedFlagNames(scheduler, bits);
  if ((scheduler === 'sh' || scheduler === 'mh') && bits & 4) names.push('flag-3');
  return names;
}

/** The bits of a list of flag names (unknown names count as nothing). */
export function schedFlagBits(names: readonly string[]): number {
  return names.reduce((bits, n) => bits | (SCHED_FLAG_BITS[n] ?? 0), 0);
}

type Cmd = CmdName | 'none';

/** struct ipvs_command_entry, reduced to what lvslab models (TCP/UDP/fwmark). */
interface Entry {
  cmd: Cmd;
  svc: {
    protocol: 'tcp' | 'udp' | undefined;
    /** 0 until -t/-u/-f set it (ipvsadm's memset entry) */
    af: AddressFamily | 0;
    addr: number;
    addr6: In6Addr | null;
    port: number;
    fwmark: number;
    sched: string;
    persistent: boolean;
    timeout: number;
    /** an IPv4 mask, or an IPv6 service's prefix length */
    netmask: number;
    ops: boolean;
    pe: string;
    schedBits: number;
  };
  dest: {
    af: AddressFamily | 0;
    addr: number;
    addr6: In6Addr | null;
    port: number;
    forwarding: Forwarding;
    weight: number;
    uThreshold: number;
    lThreshold: number;
    tunType: TunnelType;
    tunPort: number;
    tunCsum: TunnelOptions['csum'];
  };
  daemon: Partial<SyncDaemonOptions>;
  timeout: { tcp: number; tcpfin: number; udp: number };
}

function newEntry(): Entry {
  return {
    cmd: 'none',
    svc: {
      protocol: undefined,
      af: 0,
      addr: 0,
      addr6: null,
      port: 0,
      fwmark: 0,
      sched: '',
      persistent: false,
      timeout: 0,
      netmask: 0xffffffff,
      ops: false,
      pe: '',
      schedBits: 0,
    },
    // ipvsadm's defaults: weight 1, direct routing, ipip tunnels without checksum
    dest: {
      af: 0,
      addr: 0,
      addr6: null,
      port: 0,
      forwarding: 'route',
      weight: 1,
      uThreshold: 0,
      lThreshold: 0,
      tunType: 'ipip',
      tunPort: 0,
      tunCsum: 'nocsum',
    },
    daemon: {},
    timeout: { tcp: 0, tcpfin: 0, udp: 0 },
  };
}

/** C atoi(): leading blanks, a sign, digits; 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) | 0 : 0;
}

/** An address's text from parse_service()'s pieces. */
function addrText(addr: number, addr6: In6Addr | null): string {
  return addr6 !== null ? formatIPv6(addr6) : ntoa(addr);
}

function failWithHint(message: string, hint: string): never {
  throw new IpvsadmUsageError(`${message}\n${hint}\n`, 2);
}

/** parse_timeout(): NULL means the persistence default; bad text fails. */
function parseTimeout(buf: string | null, min: number, max: number): number {
  if (buf === null) return IPVS_SVC_PERSISTENT_TIMEOUT;
  const i = stringToNumber(buf, min, max);
  if (i === -1) fail(`invalid timeout value \`${buf}' specified`);
  return i;
}

/** parse_fwmark(): base-10 strtol, 1..UINT_MAX. */
function parseFwmark(buf: string): number {
  const l = strtolExact(buf);
  if (l === undefined || l <= 0 || l > 0xffffffff) fail(`invalid fwmark value \`${buf}' specified`);
  return l;
}

/** parse_sched_flags(): comma-separated names, each checked against the scheduler given so far. */
function parseSchedFlags(sched: string, arg: string): number {
  const scheduler = sched !== '' ? sched : DEF_SCHED;
  // strtok() skips empty fields; with none left ipvsadm 1.31 dereferences NULL and crashes, which
  // lvslab reports as an invalid flag instead.
  const flags = arg.split(',').filter((f) => f !== '');
  if (flags.length === 0) fail("invalid scheduler flag `'");
  let bits = 0;
  for (const flag of flags) {
    const bit = SCHED_FLAG_BITS[flag];
    if (bit === undefined) fail(`invalid scheduler flag \`${flag}'`);
    bits |= bit;
    const owner = flag.startsWith('sh-') ? 'sh' : flag.startsWith('mh-') ? 'mh' : undefined;
    if (owner !== undefined && scheduler !== owner) fail(`incompatible scheduler flag \`${flag}'`);
  }
  return bits;
}

function serviceKey(svc: Entry['svc']): ServiceKey {
  if (svc.fwmark) return svc.af === AF_INET6 ? { kind: 'fwmark', fwmark: svc.fwmark, af: AF_INET6 } : { kind: 'fwmark', fwmark: svc.fwmark };
  return { kind: svc.protocol ?? 'tcp', addr: addrText(svc.addr, svc.addr6), port: svc.port };
}

/**
 * Turn one ipvsadm command line (without the program name) into an IpvsCommand, or throw
 * IpvsadmUsageError with ipvsadm's exact stderr text and exit status.
 */
export function parseIpvsadm(argv: readonly string[], env: IpvsadmEnv = {}): IpvsCommand {
  // "ipvsadm" alone lists the table (main(): argc == 1)
  if (argv.length === 0) return { op: 'list', options: listOptions(new Set()) };
  const program = programOf(env);
  const resolver = resolverOf(env);

  const ce = newEntry();
  const options = new Set<OptName>();
  const con = new PoptContext([program, ...argv]);

  const setCommand = (cmd: CmdName): void => {
    if (ce.cmd !== 'none') fail('multiple commands specified');
    ce.cmd = cmd;
  };
  const setOption = (name: OptName): void => {
    if (options.has(name)) fail(`multiple '${name}' options specified`);
    options.add(name);
  };

  // The first option must be the command.
  const first = con.getNextOpt();
  if (first.kind !== 'option') tryHelp(program);
  const daemonState = (arg: string | null, message: string): 'master' | 'backup' => {
    if (arg === 'master' || arg === 'backup') return arg;
    fail(message);
  };
  switch (first.def.tag) {
    case 'A': setCommand('add-service'); break;
    case 'E': setCommand('edit-service'); break;
    case 'D': setCommand('delete-service'); break;
    case 'a': setCommand('add-server'); break;
    case 'e': setCommand('edit-server'); break;
    case 'd': setCommand('delete-server'); break;
    case 'C': setCommand('flush'); break;
    case 'L': case 'l': setCommand('list'); break;
    case 'Z': setCommand('zero'); break;
    case 'set': setCommand('set'); break;
    case 'R': setCommand('restore'); break;
    case 'S': setCommand('save'); break;
    case 'start-daemon':
      setCommand('start-daemon');
      ce.daemon.state = daemonState(first.arg, 'illegal start-daemon parameter specified');
      break;
    case 'stop-daemon':
      setCommand('stop-daemon');
      ce.daemon.state = daemonState(first.arg, 'illegal start_daemon specified');
      break;
    case 'h': return { op: 'help' };
    case 'v': return { op: 'version' };
    default: tryHelp(program);
  }

  let schedFlagsArg = '';
  let r = con.getNextOpt();
  for (; r.kind === 'option'; r = con.getNextOpt()) {
    const optarg = r.arg ?? '';
    switch (r.def.tag) {
      case 't':
      case 'u': {
        setOption('service-address');
        ce.svc.protocol = r.def.tag === 't' ? 'tcp' : 'udp';
        const p = parseService(optarg, ce.svc.protocol, resolver);
        if (p.result === 0) fail('illegal virtual server address[:port] specified');
        ce.svc.af = p.af;
        ce.svc.addr = p.addr;
        ce.svc.addr6 = p.addr6;
        // parse_service() gives an IPv6 service the full prefix, whatever -M said before
        if (p.af === AF_INET6) ce.svc.netmask = 128;
        if (p.port !== undefined) ce.svc.port = p.port;
        break;
      }
      case 'sctp-service':
        setOption('service-address');
        failWithHint('illegal virtual server address[:port] specified', 'lvslab: SCTP services are not supported');
      case 'f':
        setOption('service-address');
        ce.svc.af = AF_INET; // -6 after -f makes it IPv6
        ce.svc.protocol = 'tcp'; // "a sane value, even though it is not used"
        ce.svc.fwmark = parseFwmark(optarg);
        break;
      case 's':
        setOption('scheduler');
        ce.svc.sched = optarg.slice(0, IP_VS_SCHEDNAME_MAXLEN - 1);
        break;
      case 'p':
        setOption('persistent');
        ce.svc.persistent = true;
        ce.svc.timeout = parseTimeout(r.arg, 1, MAX_TIMEOUT);
        break;
      case 'M': {
        setOption('netmask');
        if (ce.svc.af === AF_INET6) {
          // an IPv6 service (given before -M) takes a prefix length, read with atoi()
          const plen = atoi(optarg);
          if (plen < 1 || plen > 128) fail('illegal ipv6 netmask specified');
          ce.svc.netmask = plen;
          break;
        }
        // parse_netmask(): inet_aton(), else gethostbyname()
        const mask = hostToAddr(optarg, resolver);
        if (mask === undefined) fail('illegal virtual server persistent mask specified');
        ce.svc.netmask = mask;
        break;
      }
      case 'r': {
        setOption('real-server');
        // parse_service() on a copy of the service: a port name is looked up for the protocol given so far
        const p = parseService(optarg, ce.svc.protocol, resolver);
        if (p.result === 0) fail('illegal real server address[:port] specified');
        ce.dest.af = p.af;
        ce.dest.addr = p.addr;
        ce.dest.addr6 = p.addr6;
        // a real server without a port takes the service port as known at this point of argv
        ce.dest.port = p.port ?? ce.svc.port;
        break;
      }
      case 'i': setOption('forwarding-method'); ce.dest.forwarding = 'tunnel'; break;
      case 'g': setOption('forwarding-method'); ce.dest.forwarding = 'route'; break;
      case 'm': setOption('forwarding-method'); ce.dest.forwarding = 'masq'; break;
      case 'w':
        setOption('weight');
        // upstream 1.31 allows 0..65535; Debian's build (the one recorded in test/recordings/ipvsadm/) allows 0..INT_MAX
        ce.dest.weight = stringToNumber(optarg, 0, 2 ** 31 - 1);
        if (ce.dest.weight === -1) fail('illegal weight specified');
        break;
      case 'x':
        setOption('u-threshold');
        ce.dest.uThreshold = stringToNumber(optarg, 0, 2 ** 31 - 1);
        if (ce.dest.uThreshold === -1) fail('illegal u_threshold specified');
        break;
      case 'y':
        setOption('l-threshold');
        ce.dest.lThreshold = stringToNumber(optarg, 0, 2 ** 31 - 1);
        if (ce.dest.lThreshold === -1) fail('illegal l_threshold specified');
        break;
      case 'c': setOption('connection'); break;
      case 'n': setOption('numeric'); break;
      case 'mcast-interface':
        setOption('mcast-interface');
        ce.daemon.mcastInterface = optarg.slice(0, IP_VS_IFNAME_MAXLEN - 1);
        break;
      case 'syncid': {
        setOption('syncid');
        const v = stringToNumber(optarg, 0, 255);
        if (v === -1) fail('illegal syncid specified');
        ce.daemon.syncId = v;
        break;
      }
      case 'timeout': setOption('timeout'); break;
      case 'daemon': setOption('daemon'); break;
      case 'stats': setOption('stats'); break;
      case 'rate': setOption('rate'); break;
      case 'thresholds': setOption('thresholds'); break;
      case 'persistent-conn': setOption('persistent-conn'); break;
      case 'nosort': setOption('nosort'); break;
      case 'sort': break; // "Sort is the default, this is a no-op for compatibility"
      case 'X': setOption('exact'); break;
      case '6':
        if (!ce.svc.fwmark) fail('-6 used before -f\n');
        ce.svc.af = AF_INET6;
        ce.svc.netmask = 128;
        break;
      case 'o': setOption('ops'); ce.svc.ops = true; break;
      case 'pe':
        setOption('pe');
        ce.svc.pe = optarg.slice(0, IP_VS_PENAME_MAXLEN);
        break;
      case 'b':
        setOption('sched-flags');
        schedFlagsArg = optarg.slice(0, 127);
        break;
      case 'mcast-group': {
        setOption('mcast-group');
        if (optarg.includes(':')) {
          if (!isIPv6(optarg) || optarg.includes('%') || !/^ff/i.test(optarg)) {
            fail(`invalid IPv6 mcast-group \`${optarg}'`);
          }
        } else {
          const g = inetPton4(optarg);
          if (g === undefined || g >>> 28 !== 0xe) fail(`invalid IPv4 mcast-group \`${optarg}'`);
        }
        ce.daemon.mcastGroup = optarg;
        break;
      }
      case 'mcast-port': {
        setOption('mcast-port');
        const v = stringToNumber(optarg, 1, 65535);
        if (v === -1) fail('illegal mcast-port specified');
        ce.daemon.mcastPort = v;
        break;
      }
      case 'mcast-ttl': {
        setOption('mcast-ttl');
        const v = stringToNumber(optarg, 1, 255);
        if (v === -1) fail('illegal mcast-ttl specified');
        ce.daemon.mcastTtl = v;
        break;
      }
      case 'sync-maxlen': {
        setOption('sync-maxlen');
        const v = stringToNumber(optarg, 1, 65535 - 20 - 8);
        if (v === -1) fail('illegal sync-maxlen specified');
        ce.daemon.syncMaxLen = v;
        break;
      }
      case 'tun-info': setOption('tun-info'); break;
      case 'tun-type':
        setOption('tun-type');
        if (optarg !== 'ipip' && optarg !== 'gue' && optarg !== 'gre') fail('illegal tunnel type specified');
        ce.dest.tunType = optarg;
        break;
      case 'tun-port': {
        setOption('tun-port');
        const v = stringToNumber(optarg, 1, 65535);
        if (v === -1) fail('illegal tunnel port specified');
        ce.dest.tunPort = v;
        break;
      }
      // ipvsadm ORs the flag bits together; csum | remcsum is not a name tunflags[] has, but the
      // tunnel checks below reject that combination for every type.
      case 'tun-nocsum': setOption('tun-nocsum'); break;
      case 'tun-csum': setOption('tun-csum'); ce.dest.tunCsum = 'csum'; break;
      case 'tun-remcsum': setOption('tun-remcsum'); ce.dest.tunCsum = 'remcsum'; break;
      default:
        // a second command, -h or -v after the command
        fail(`invalid option \`${con.badOption()}'`);
    }
  }

  if (r.kind === 'error') {
    // parse_options() prints this and returns -1: not an exit, so `-R` goes on with the next line
    throw new IpvsadmUsageError(`${con.badOption()}: ${POPT_ERRORS[r.code]}\n`, EXIT_POPT, false);
  }

  if (ce.cmd === 'set') {
    const a = con.getArg();
    const b = a !== null ? con.getArg() : null;
    const c = b !== null ? con.getArg() : null;
    if (a === null || b === null || c === null) fail('--set option requires 3 timeout values');
    ce.timeout = {
      tcp: parseTimeout(a, 0, MAX_TIMEOUT),
      tcpfin: parseTimeout(b, 0, MAX_TIMEOUT),
      udp: parseTimeout(c, 0, MAX_TIMEOUT),
    };
  }

  const extra = con.getArg();
  if (extra !== null) fail(`unexpected argument ${extra}`);

  if (schedFlagsArg !== '') ce.svc.schedBits = parseSchedFlags(ce.svc.sched, schedFlagsArg);

  const cmd = ce.cmd as CmdName;
  genericOptCheck(cmd, options);

  if (cmd === 'add-service' || cmd === 'edit-service') {
    if (!ce.svc.fwmark && !ce.svc.port && !ce.svc.persistent) {
      fail('Zero port specified for non-persistent service');
    }
    if (ce.svc.ops && !ce.svc.fwmark && ce.svc.protocol !== 'udp') {
      fail('One-Packet Scheduling is only for UDP virtual services');
    }
    if (ce.svc.sched === '') ce.svc.sched = DEF_SCHED;
  }

  if (cmd === 'start-daemon' && !ce.daemon.mcastInterface) ce.daemon.mcastInterface = DEF_MCAST_IFN;

  if (cmd === 'add-server' || cmd === 'edit-server') {
    // DR and TUN deliver to the service port: ipvsadm overrides whatever -r said
    if (!ce.svc.fwmark && (ce.dest.forwarding === 'tunnel' || ce.dest.forwarding === 'route')) {
      ce.dest.port = ce.svc.port;
    }
    // tunnelling allows a real server of the other family
    if (ce.dest.af !== ce.svc.af && ce.dest.forwarding !== 'tunnel') fail('Different address family is allowed only for tunneling servers');
    const tunOpts: OptName[] = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];
    if (tunOpts.some((o) => options.has(o)) && ce.dest.forwarding !== 'tunnel') {
      fail('Tunnel options conflict with forward method');
    }
    tunnelOptCheck(ce.dest.tunType, options);
  }

  if (cmd === 'list') {
    const has = (...names: OptName[]): boolean => names.some((n) => options.has(n));
    if (
      (has('connection', 'timeout', 'daemon') && has('stats', 'rate', 'thresholds')) ||
      (has('timeout', 'daemon') && has('persistent-conn'))
    ) {
      fail('options conflicts in the list command');
    }
  }

  return toCommand(cmd, ce, options);
}

function listOptions(options: ReadonlySet<OptName>): ListOptions {
  return {
    numeric: options.has('numeric'),
    connections: options.has('connection'),
    stats: options.has('stats'),
    rate: options.has('rate'),
    thresholds: options.has('thresholds'),
    persistentConn: options.has('persistent-conn'),
    exact: options.has('exact'),
    sort: !options.has('nosort'),
    timeout: options.has('timeout'),
    daemon: options.has('daemon'),
    tunInfo: options.has('tun-info'),
  };
}

function toCommand(cmd: CmdName, ce: Entry, options: ReadonlySet<OptName>): IpvsCommand {
  const hasService = options.has('service-address');
  switch (cmd) {
    case 'add-service':
    case 'edit-service': {
      const o: Partial<ServiceOptions> = {
        scheduler: ce.svc.sched,
        schedFlags: schedFlagsOf(ce.svc.sched, ce.svc.schedBits),
        ops: ce.svc.ops,
      };
      if (ce.svc.persistent) {
        const netmask = ce.svc.af === AF_INET6 ? String(ce.svc.netmask) : ntoa(ce.svc.netmask);
        const persistence: Persistence = { timeout: ce.svc.timeout, netmask };
        o.persistence = persistence;
      }
      if (ce.svc.pe !== '') o.pe = ce.svc.pe;
      return { op: cmd, service: serviceKey(ce.svc), options: o, complete: true };
    }
    case 'delete-service':
      return { op: 'delete-service', service: serviceKey(ce.svc) };
    case 'flush':
      return { op: 'clear' };
    case 'add-server':
    case 'edit-server': {
      const o: DestOptions = {
        forwarding: ce.dest.forwarding,
        weight: ce.dest.weight,
        uThreshold: ce.dest.uThreshold,
        lThreshold: ce.dest.lThreshold,
      };
      if (ce.dest.forwarding === 'tunnel') {
        o.tunnel = { type: ce.dest.tunType, csum: ce.dest.tunCsum };
        if (ce.dest.tunType === 'gue') o.tunnel.port = ce.dest.tunPort;
      }
      return {
        op: cmd === 'add-server' ? 'add-dest' : 'edit-dest',
        service: serviceKey(ce.svc),
        dest: { addr: addrText(ce.dest.addr, ce.dest.addr6), port: ce.dest.port },
        options: o,
      };
    }
    case 'delete-server':
      return {
        op: 'delete-dest',
        service: serviceKey(ce.svc),
        dest: { addr: addrText(ce.dest.addr, ce.dest.addr6), port: ce.dest.port },
      };
    case 'zero':
      return hasService ? { op: 'zero', service: serviceKey(ce.svc) } : { op: 'zero' };
    case 'set':
      return { op: 'set-timeout', ...ce.timeout };
    case 'list':
      return hasService
        ? { op: 'list', service: serviceKey(ce.svc), options: listOptions(options) }
        : { op: 'list', options: listOptions(options) };
    case 'save':
      return { op: 'save', numeric: options.has('numeric') };
    case 'restore':
      return { op: 'restore' };
    case 'start-daemon': {
      const d: SyncDaemonOptions = {
        state: ce.daemon.state!,
        mcastInterface: ce.daemon.mcastInterface!,
        syncId: ce.daemon.syncId ?? 0,
      };
      if (ce.daemon.syncMaxLen !== undefined) d.syncMaxLen = ce.daemon.syncMaxLen;
      if (ce.daemon.mcastGroup !== undefined) d.mcastGroup = ce.daemon.mcastGroup;
      if (ce.daemon.mcastPort !== undefined) d.mcastPort = ce.daemon.mcastPort;
      if (ce.daemon.mcastTtl !== undefined) d.mcastTtl = ce.daemon.mcastTtl;
      return { op: 'start-daemon', options: d };
    }
    case 'stop-daemon':
      return { op: 'stop-daemon', state: ce.daemon.state };
  }
}
