// keepalived.conf text -> typed description. Unknown keywords are warned about with keepalived
// 2.2.7's own words and skipped, as keepalived does; values keepalived would silently replace (a VRID
// of 300, a priority of 0, an unknown scheduler) are errors here, because a lab built on a guess would
// measure the wrong thing.
import { KeepalivedConfError, keepalivedLine, MAX_AUTO_PRIORITY_DEFAULT, noteLine, validMaxAutoPriority, type ConfDiagnostic, type ConfPhase, type ConfProblem } from './errors.js';
import { lex, type Statement } from './lexer.js';
import { ValueReader } from './values.js';
import { isIpv6Instance, KEEPALIVED_DEFAULTS, SCHEDULERS, SCHED_FLAGS, VRRP_PRIO_OWNER } from './defaults.js';
import type {
  GlobalDefs,
  HealthCheck,
  HttpCheck,
  HttpUrl,
  KeepalivedConfig,
  LvsMethod,
  MiscCheck,
  RawStatement,
  RealServer,
  TcpCheck,
  VirtualIpAddress,
  VirtualServer,
  VrrpInstance,
  VrrpSyncGroup,
} from './types.js';

export interface ParseOptions {
  /** the name used in messages; default `keepalived.conf` */
  file?: string;
}

export interface ParseResult {
  config: KeepalivedConfig;
  /**
   * The lines `keepalived -t` prints for the file, in its order (parent, checker, VRRP, BFD; see
   * errors.ts), then lvslab's notes on what they cost, by line. `startupLog` gives a running
   * keepalived's order, max_auto_priority NOTICE included.
   */
  diagnostics: ConfDiagnostic[];
}

/** the top-level blocks each keepalived child reads (the parent reads global_defs) */
const CHILD_BLOCKS: Record<Exclude<ConfPhase, 'parent'>, string[]> = {
  checker: ['virtual_server'],
  vrrp: ['vrrp_sync_group', 'vrrp_instance'],
  bfd: [],
};
/** top-level keywords keepalived knows that lvslab refuses */
const UNSUPPORTED_BLOCKS = new Set(['virtual_server_group', 'vrrp_script', 'vrrp_track_file', 'vrrp_track_process', 'static_ipaddress', 'static_routes', 'static_rules', 'bfd_instance', 'linkbeat_interfaces']);

// Keywords keepalived knows that lvslab keeps (to render back) but does not act on.
const GLOBAL_PASSTHROUGH = new Set([
  'smtp_helo_name', 'smtp_alert', 'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures',
  'default_interface', 'dynamic_interfaces', 'vrrp_mcast_group4', 'vrrp_mcast_group6', 'vrrp_iptables',
  'vrrp_ipsets', 'nftables', 'vrrp_check_unicast_src', 'vrrp_skip_check_adv_addr', 'vrrp_garp_interval',
  'vrrp_gna_interval', 'vrrp_garp_master_refresh_repeat', 'vrrp_lower_prio_no_advert',
  'vrrp_higher_prio_send_advert', 'vrrp_priority', 'checker_priority', 'bfd_priority', 'vrrp_no_swap',
  'checker_no_swap', 'vrrp_rt_priority', 'checker_rt_priority', 'vrrp_startup_delay', 'vrrp_min_garp',
  'max_auto_priority', 'log_unknown_vrids', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo', 'vrrp_notify_fifo_script',
  'lvs_notify_fifo', 'lvs_notify_fifo_script', 'use_pid_dir', 'instance', 'net_namespace',
  'namespace_with_ipsets', 'linkbeat_use_polling', 'snmp_socket', 'enable_traps', 'enable_snmp_vrrp',
  'enable_snmp_checker', 'enable_snmp_rfc', 'enable_dbus', 'process_names', 'vrrp_netlink_cmd_rcv_bufs',
  'vrrp_netlink_monitor_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs',
]);
const INSTANCE_PASSTHROUGH = new Set([
  'track_script', 'track_process', 'track_file', 'track_bfd', 'virtual_routes', 'virtual_rules',
  'virtual_ipaddress_excluded', 'accept', 'no_accept', 'debug', 'use_vmac',
  'vmac_xmit_base', 'strict_mode', 'skip_check_adv_addr', 'check_unicast_src', 'higher_prio_send_advert',
  'lower_prio_no_advert', 'garp_lower_prio_delay', 'garp_lower_prio_repeat', 'kernel_rx_buf_size',
  'notify_deleted', 'promote_secondaries', 'linkbeat_use_polling', 'unicast_ttl', 'old_unicast_checksum',
  'mcast_dst_ip', 'notify_master_rx_lower_pri', 'v3_checksum_as_v2', 'unicast_fault_no_peer',
]);
const VS_PASSTHROUGH = new Set(['lvs_timeouts', 'smtp_alert']);

const CHECK_TYPES_UNSUPPORTED = new Set(['UDP_CHECK', 'DNS_CHECK', 'SMTP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

/**
 * Keywords that set one scalar field, read with the ValueReader as an integer or a number within
 * [min, max], or as a flag; keepalived's own parser is table-driven the same way. Keywords needing
 * more than that (defaults, cross-field checks, warnings) stay in the switches.
 */
type ScalarRule<T> =
  | { kind: 'int' | 'num'; field: FieldOf<T, number>; min: number; max: number }
  | { kind: 'flag'; field: FieldOf<T, boolean> };
/** The keys of T whose field can hold any V (so `version?: 2 | 3` is no number field). */
type FieldOf<T, V> = { [K in keyof T]-?: V extends T[K] ? K : never }[keyof T];
type ScalarTable<T> = Readonly<Record<string, ScalarRule<T>>>;

const GLOBAL_SCALARS: ScalarTable<GlobalDefs> = {
  lvs_flush: { kind: 'flag', field: 'lvsFlush' },
  vrrp_strict: { kind: 'flag', field: 'vrrpStrict' },
  vrrp_garp_master_delay: { kind: 'int', field: 'vrrpGarpMasterDelay', min: 0, max: 86400 },
  vrrp_garp_master_repeat: { kind: 'int', field: 'vrrpGarpMasterRepeat', min: 1, max: 65535 },
  vrrp_garp_master_refresh: { kind: 'int', field: 'vrrpGarpMasterRefresh', min: 0, max: 86400 },
  vrrp_garp_lower_prio_delay: { kind: 'int', field: 'vrrpGarpLowerPrioDelay', min: 0, max: 86400 },
  vrrp_garp_lower_prio_repeat: { kind: 'int', field: 'vrrpGarpLowerPrioRepeat', min: 1, max: 65535 },
  smtp_connect_timeout: { kind: 'int', field: 'smtpConnectTimeout', min: 1, max: 3600 },
  enable_script_security: { kind: 'flag', field: 'enableScriptSecurity' },
};

const INSTANCE_SCALARS: ScalarTable<VrrpInstance> = {
  priority: { kind: 'int', field: 'priority', min: 1, max: 255 },
  advert_int: { kind: 'num', field: 'advertInt', min: 0.01, max: 255 },
  nopreempt: { kind: 'flag', field: 'nopreempt' },
  preempt_delay: { kind: 'num', field: 'preemptDelay', min: 0, max: 1000 },
  garp_master_delay: { kind: 'int', field: 'garpMasterDelay', min: 0, max: 86400 },
  garp_master_repeat: { kind: 'int', field: 'garpMasterRepeat', min: 1, max: 65535 },
  garp_master_refresh: { kind: 'int', field: 'garpMasterRefresh', min: 0, max: 86400 },
  garp_master_refresh_repeat: { kind: 'int', field: 'garpMasterRefreshRepeat', min: 1, max: 65535 },
  down_timer_adverts: { kind: 'int', field: 'downTimerAdverts', min: 1, max: 100 },
  dont_track_primary: { kind: 'flag', field: 'dontTrackPrimary' },
  smtp_alert: { kind: 'flag', field: 'smtpAlert' },
};

const VS_SCALARS: ScalarTable<VirtualServer> = {
  delay_loop: { kind: 'num', field: 'delayLoop', min: 0.000001, max: 86400 },
  ops: { kind: 'flag', field: 'ops' },
  quorum: { kind: 'int', field: 'quorum', min: 1, max: 0x7fffffff },
  hysteresis: { kind: 'int', field: 'hysteresis', min: 0, max: 0x7fffffff },
  alpha: { kind: 'flag', field: 'alpha' },
  omega: { kind: 'flag', field: 'omega' },
  ha_suspend: { kind: 'flag', field: 'haSuspend' },
  // defaults for the real servers (vs_weight_handler: 1..65535) and their checkers
  weight: { kind: 'int', field: 'weight', min: 1, max: 65535 },
  inhibit_on_failure: { kind: 'flag', field: 'inhibitOnFailure' },
  retry: { kind: 'int', field: 'retry', min: 1, max: 0xffffffff },
  connect_timeout: { kind: 'num', field: 'connectTimeout', min: 0.000001, max: 86400 },
  warmup: { kind: 'num', field: 'warmup', min: 0, max: 86400 },
  delay_before_retry: { kind: 'num', field: 'delayBeforeRetry', min: 0, max: 86400 },
};

const RS_SCALARS: ScalarTable<RealServer> = {
  weight: { kind: 'int', field: 'weight', min: 0, max: 65535 },
  inhibit_on_failure: { kind: 'flag', field: 'inhibitOnFailure' },
  uthreshold: { kind: 'int', field: 'uthreshold', min: 0, max: 0x7fffffff },
  lthreshold: { kind: 'int', field: 'lthreshold', min: 0, max: 0x7fffffff },
  // defaults for the real server's checkers (check_parser.c's rs keywords)
  alpha: { kind: 'flag', field: 'alpha' },
  retry: { kind: 'int', field: 'retry', min: 1, max: 0xffffffff },
  connect_timeout: { kind: 'num', field: 'connectTimeout', min: 0.000001, max: 86400 },
  delay_loop: { kind: 'num', field: 'delayLoop', min: 0.000001, max: 86400 },
  warmup: { kind: 'num', field: 'warmup', min: 0, max: 86400 },
  delay_before_retry: { kind: 'num', field: 'delayBeforeRetry', min: 0, max: 86400 },
};

const CHECK_SCALARS: ScalarTable<TcpCheck> = {
  connect_timeout: { kind: 'num', field: 'connectTimeout', min: 0.000001, max: 86400 },
  retry: { kind: 'int', field: 'retry', min: 0, max: 0x7fffffff },
  nb_get_retry: { kind: 'int', field: 'retry', min: 0, max: 0x7fffffff },
  delay_before_retry: { kind: 'num', field: 'delayBeforeRetry', min: 0, max: 86400 },
  warmup: { kind: 'num', field: 'warmup', min: 0, max: 86400 },
};

/**
 * The scheduler flag bit a keyword sets, as keepalived 2.2.7's lbflags_handler decides it by the
 * scheduler named so far: flag-1..3 always; sh-fallback/sh-port (flag-1/flag-2) only under sh,
 * mh-fallback/mh-port only under mh, anything else there silently nothing (null); under any other
 * scheduler, or none yet, the keyword is ignored with "only applies to sh scheduler" ('ignored').
 */
function lbflag(keyword: string, sched: string | undefined): 'flag-1' | 'flag-2' | 'flag-3' | 'ignored' | null {
  if (keyword === 'flag-1' || keyword === 'flag-2' || keyword === 'flag-3') return keyword;
  if (sched === 'sh') return keyword === 'sh-fallback' ? 'flag-1' : keyword === 'sh-port' ? 'flag-2' : null;
  if (sched === 'mh') return keyword === 'mh-fallback' ? 'flag-1' : keyword === 'mh-port' ? 'flag-2' : null;
  return 'ignored';
}

function raw(s: Statement): RawStatement {
  return s.block ? { keyword: s.keyword, args: [...s.args], block: s.block.map(raw) } : { keyword: s.keyword, args: [...s.args] };
}

class ConfParser {
  readonly problems: ConfProblem[] = [];
  readonly v = new ValueReader(this.problems);
  /** the keepalived process whose reading we are following (errors.ts) */
  private phase: ConfPhase = 'parent';
  private readonly printed: Record<ConfPhase, ConfDiagnostic[]> = { parent: [], checker: [], vrrp: [], bfd: [] };
  private readonly notes: ConfDiagnostic[] = [];
  /** global lvs_sync_daemon's interface, or the first instance's lvs_sync_daemon_interface */
  private syncDaemonInterface?: string;
  /** line of the first misspelled `lvs_sync_daemon_inteface`, for the cost note */
  misspelledSyncLine?: number;
  instanceLines = new Map<string, number>();
  vsLines = new Map<VirtualServer, number>();

  constructor(readonly file: string) {}

  /** a line keepalived prints while reading (with its line prefix), or an lvslab note */
  warn(line: number, message: string, level: 'warning' | 'note' = 'warning'): void {
    if (level === 'note') this.notes.push({ level, phase: this.phase, line, message, text: noteLine(this.file, line, message) });
    else this.printed[this.phase].push({ level, phase: this.phase, line, message, text: keepalivedLine(this.phase, this.file, line, message) });
  }

  /** a line keepalived prints when it checks what it read: no line prefix */
  afterParse(phase: 'checker' | 'vrrp', line: number, message: string): void {
    this.printed[phase].push({ level: 'warning', phase, afterParse: true, line, message, text: message });
  }

  unknown(s: Statement): void {
    if (s.keyword === 'lvs_sync_daemon_inteface') this.misspelledSyncLine ??= s.line;
    this.warn(s.line, `Unknown keyword '${s.keyword}'`);
  }

  /** keepalived's -t order: parent, checker, VRRP, BFD; then our notes by line */
  diagnostics(): ConfDiagnostic[] {
    const notes = [...this.notes].sort((a, b) => a.line - b.line);
    return [...this.printed.parent, ...this.printed.checker, ...this.printed.vrrp, ...this.printed.bfd, ...notes];
  }

  /** Set the field a scalar keyword names (see ScalarTable); false when `c` is not in `rules`. */
  scalar<T>(c: Statement, rules: ScalarTable<T>, target: T): boolean {
    if (!Object.hasOwn(rules, c.keyword)) return false;
    const rule = rules[c.keyword];
    // the table's FieldOf types make each field accept what its rule reads
    const fields = target as Record<string, unknown>;
    if (rule.kind === 'flag') fields[rule.field as string] = this.v.flag(c);
    else fields[rule.field as string] = rule.kind === 'int' ? this.v.int(c, rule.min, rule.max) : this.v.num(c, rule.min, rule.max);
    return true;
  }

  // Each keepalived process reads the whole file for its own blocks; so do we, one phase at a time:
  // the parent (global_defs) first, then the checker, VRRP and BFD children, each followed by the
  // checks that child makes of what it read. A top-level keyword nobody knows is reported by each.
  parse(text: string): KeepalivedConfig {
    const config: KeepalivedConfig = {
      globalDefs: emptyGlobals(),
      vrrpSyncGroups: [],
      vrrpInstances: [],
      virtualServers: [],
    };
    const statements = lex(text, this.problems);
    const known = new Set(['global_defs', 'include', ...UNSUPPORTED_BLOCKS, ...Object.values(CHILD_BLOCKS).flat()]);
    this.phase = 'parent';
    for (const s of statements) {
      if (s.keyword === 'global_defs') this.globalDefs(s, config.globalDefs);
      else if (s.keyword === 'include') this.v.fail(s, "include: lvslab reads one file; paste the included file's blocks into it");
      else if (UNSUPPORTED_BLOCKS.has(s.keyword)) this.v.fail(s, `${s.keyword}: not supported by lvslab`);
      else if (!known.has(s.keyword)) this.unknown(s);
    }
    this.syncDaemonInterface = config.globalDefs.lvsSyncDaemon?.interface;
    for (const phase of ['checker', 'vrrp', 'bfd'] as const) {
      this.phase = phase;
      for (const s of statements) {
        if (!known.has(s.keyword)) this.unknown(s);
        else if (!CHILD_BLOCKS[phase].includes(s.keyword)) continue;
        else if (s.keyword === 'virtual_server') {
          const vs = this.virtualServer(s);
          if (vs) config.virtualServers.push(vs);
        } else if (s.keyword === 'vrrp_sync_group') config.vrrpSyncGroups.push(this.syncGroup(s));
        else {
          const inst = this.instance(s);
          if (inst) config.vrrpInstances.push(inst);
        }
      }
      if (phase === 'checker') this.checkValidate(config);
      if (phase === 'vrrp') this.vrrpComplete(config);
    }
    this.phase = 'parent';
    this.crossCheck(config);
    return config;
  }

  globalDefs(s: Statement, g: GlobalDefs): void {
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'router_id':
          g.routerId = this.v.word(c);
          break;
        case 'vrrp_version': {
          const n = this.v.int(c, 2, 3);
          if (n !== undefined) g.vrrpVersion = n as 2 | 3;
          break;
        }
        case 'lvs_sync_daemon':
          g.lvsSyncDaemon = this.syncDaemon(c);
          break;
        case 'lvs_timeouts':
          g.lvsTimeouts = this.timeouts(c);
          break;
        case 'notification_email':
          g.notificationEmail = this.v.needBlock(c).map((e) => [e.keyword, ...e.args].join(' '));
          break;
        case 'notification_email_from':
          g.notificationEmailFrom = this.v.word(c);
          break;
        case 'smtp_server':
          g.smtpServer = this.v.rest(c);
          break;
        case 'script_user':
          g.scriptUser = this.v.rest(c);
          break;
        case 'max_auto_priority':
          // kept verbatim (errors.ts maxAutoPriority reads it for the NOTICE); a value out of range
          // keepalived reports in two lines and ignores
          if (c.args.length > 1) this.v.fail(c, `max_auto_priority: expects one value, got '${c.args.join(' ')}'`);
          else if (c.args.length === 1 && !/^-?\d+$/.test(c.args[0])) this.v.fail(c, `max_auto_priority: '${c.args[0]}' is not an integer`);
          else if (c.args.length === 1 && !validMaxAutoPriority(c.args[0])) {
            // lib/parser.c read_int_func's line, then the handler's
            const int = Math.abs(Number(c.args[0])) <= 0x7fffffff;
            this.warn(c.line, int ? `number '${c.args[0]}' outside range [-1, ${MAX_AUTO_PRIORITY_DEFAULT}]` : `number '${c.args[0]}' outside integer range`);
            this.warn(c.line, `max_auto_priority '${c.args[0]}' must be in [0, ${MAX_AUTO_PRIORITY_DEFAULT}] (or -1 to disable) - ignoring`);
          }
          g.passthrough.push(raw(c));
          break;
        default:
          if (this.scalar(c, GLOBAL_SCALARS, g)) break;
          if (GLOBAL_PASSTHROUGH.has(c.keyword)) g.passthrough.push(raw(c));
          else this.unknown(c);
      }
    }
  }

  syncDaemon(c: Statement): GlobalDefs['lvsSyncDaemon'] {
    const [iface, ...rest] = c.args;
    if (!iface) return this.v.fail(c, 'lvs_sync_daemon: needs an interface');
    const d: NonNullable<GlobalDefs['lvsSyncDaemon']> = { interface: iface };
    for (let i = 0; i < rest.length; i++) {
      const word = rest[i];
      const value = rest[i + 1];
      const numeric = (min: number, max: number) => {
        i++;
        return value === undefined ? this.v.fail(c, `lvs_sync_daemon: '${word}' needs a value`) : this.v.numberText(c, value, min, max, true);
      };
      switch (word) {
        case 'inst':
          if (value === undefined) return this.v.fail(c, "lvs_sync_daemon: 'inst' needs a vrrp_instance name");
          d.instance = value;
          i++;
          break;
        case 'id':
          d.syncId = numeric(0, 255);
          break;
        case 'maxlen':
          d.maxlen = numeric(1, 65507);
          break;
        case 'port':
          d.port = numeric(1, 65535);
          break;
        case 'ttl':
          d.ttl = numeric(1, 255);
          break;
        case 'group':
          i++;
          d.group = this.v.ipv4(c, value, 'multicast group');
          break;
        default:
          // keepalived: the instance name may follow the interface without `inst`
          if (i === 0) d.instance = word;
          else return this.v.fail(c, `lvs_sync_daemon: unexpected '${word}'`);
      }
    }
    return d;
  }

  timeouts(c: Statement): GlobalDefs['lvsTimeouts'] {
    const t: NonNullable<GlobalDefs['lvsTimeouts']> = {};
    for (let i = 0; i < c.args.length; i += 2) {
      const key = c.args[i];
      if (key !== 'tcp' && key !== 'tcpfin' && key !== 'udp') {
        return this.v.fail(c, `lvs_timeouts: unknown protocol '${key}' (tcp, tcpfin, udp)`);
      }
      const value = c.args[i + 1];
      if (value === undefined) return this.v.fail(c, `lvs_timeouts: '${key}' needs seconds`);
      t[key] = this.v.numberText(c, value, 0, 86400 * 31, true);
    }
    return t;
  }

  syncGroup(s: Statement): VrrpSyncGroup {
    const name = s.args[0] ?? '';
    if (!name) this.v.fail(s, 'vrrp_sync_group: needs a name');
    const g: VrrpSyncGroup = { name, group: [], smtpAlert: false, passthrough: [] };
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'group':
          g.group = this.v.needBlock(c).map((m) => {
            if (m.args.length || m.block) this.v.fail(m, `vrrp_sync_group ${name}: group members are one instance name per word`);
            return m.keyword;
          });
          break;
        case 'notify_master':
        case 'notify_backup':
        case 'notify_fault':
        case 'notify_stop':
        case 'notify':
          g[notifyField(c.keyword)] = this.v.rest(c, 'a script');
          break;
        case 'smtp_alert':
          g.smtpAlert = this.v.flag(c);
          break;
        case 'global_tracking':
        case 'sync_group_tracking_weight':
        case 'track_interface':
        case 'track_script':
          g.passthrough.push(raw(c));
          break;
        default:
          this.unknown(c);
      }
    }
    return g;
  }

  instance(s: Statement): VrrpInstance | undefined {
    const name = s.args[0];
    if (!name) return this.v.fail(s, 'vrrp_instance: needs a name');
    if (this.instanceLines.has(name)) this.v.fail(s, `vrrp_instance ${name}: defined twice (first at line ${this.instanceLines.get(name)})`);
    this.instanceLines.set(name, s.line);
    const inst: VrrpInstance = {
      name,
      virtualRouterId: 0,
      nopreempt: false,
      virtualIpaddress: [],
      trackInterface: [],
      unicastPeer: [],
      dontTrackPrimary: false,
      smtpAlert: false,
      passthrough: [],
    };
    let vridSeen = false;
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'state': {
          const w = this.v.word(c, 'MASTER or BACKUP');
          if (w === 'MASTER' || w === 'BACKUP') inst.state = w;
          else if (w !== undefined) this.v.fail(c, `state: '${w}' is not MASTER or BACKUP`);
          break;
        }
        case 'interface':
          inst.interface = this.v.word(c, 'an interface name');
          break;
        case 'virtual_router_id': {
          vridSeen = true;
          inst.virtualRouterId = this.v.int(c, 1, 255) ?? 0;
          break;
        }
        case 'version': {
          const n = this.v.int(c, 2, 3);
          if (n !== undefined) inst.version = n as 2 | 3;
          break;
        }
        case 'preempt':
          this.v.flag(c);
          inst.nopreempt = false;
          break;
        case 'authentication':
          inst.authentication = this.authentication(c);
          break;
        case 'virtual_ipaddress':
          inst.virtualIpaddress = this.vips(inst, c);
          break;
        case 'native_ipv6':
          this.v.flag(c);
          // keepalived: refused once an IPv4 address made the instance IPv4
          if (inst.virtualIpaddress.some((v) => !v.address.includes(':'))) this.warn(c.line, `(${name}) Cannot specify native_ipv6 with IPv4 addresses`);
          else inst.nativeIpv6 = true;
          break;
        case 'track_interface':
          inst.trackInterface = this.v.needBlock(c).map((t) => {
            const ti: VrrpInstance['trackInterface'][number] = { interface: t.keyword };
            if (t.args.length) {
              if (t.args[0] !== 'weight' || t.args.length !== 2) this.v.fail(t, `track_interface ${t.keyword}: expected 'weight N', got '${t.args.join(' ')}'`);
              else ti.weight = this.v.numberText(t, t.args[1], -253, 253, true);
            }
            return ti;
          });
          break;
        case 'notify_master':
        case 'notify_backup':
        case 'notify_fault':
        case 'notify_stop':
        case 'notify':
          inst[notifyField(c.keyword)] = this.v.rest(c, 'a script');
          break;
        case 'unicast_src_ip':
          inst.unicastSrcIp = this.v.ip(c, this.v.word(c));
          break;
        case 'mcast_src_ip':
          inst.mcastSrcIp = this.v.ip(c, this.v.word(c));
          break;
        case 'unicast_peer':
          inst.unicastPeer = this.v.needBlock(c).map((p) => this.v.ip(p, p.keyword, 'peer address')).filter((p): p is string => p !== undefined);
          break;
        case 'lvs_sync_daemon_interface': {
          // keepalived's words, indent included: "      %*sPlease use..." with width strlen(name) - 2
          inst.lvsSyncDaemonInterface = this.v.word(c, 'an interface name');
          this.warn(c.line, `(${name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`);
          this.warn(c.line, `${' '.repeat(6 + Math.max(0, name.length - 2))}Please use global lvs_sync_daemon`);
          if (this.syncDaemonInterface !== undefined) {
            this.warn(c.line, `(${name}) lvs_sync_daemon_interface has already been specified as ${this.syncDaemonInterface} - ignoring`);
          } else this.syncDaemonInterface = inst.lvsSyncDaemonInterface;
          break;
        }
        default:
          if (this.scalar(c, INSTANCE_SCALARS, inst)) break;
          if (INSTANCE_PASSTHROUGH.has(c.keyword)) {
            inst.passthrough.push(raw(c));
            this.warn(c.line, `lvslab keeps '${c.keyword}' in the file but its embedded VRRP does not act on it`, 'note');
          } else this.unknown(c);
      }
    }
    const v6 = isIpv6Instance(inst);
    if (v6 && inst.version === 2) {
      // keepalived accepts VRRPv2 over IPv6 unless strict_mode; RFC 3768 is IPv4 only, and so is lvslab's v2
      this.v.fail(s, `vrrp_instance ${name}: version 2 over IPv6 is not VRRP (RFC 5798 defines IPv6 for version 3 only); use version 3`);
    }
    if (v6) {
      for (const [kw, a] of [['unicast_src_ip', inst.unicastSrcIp], ['mcast_src_ip', inst.mcastSrcIp], ...inst.unicastPeer.map((p) => ['unicast_peer', p])] as const) {
        if (a !== undefined && !a.includes(':')) this.v.fail(s, `vrrp_instance ${name}: ${kw} ${a} is IPv4 but the instance is IPv6`);
      }
    } else {
      for (const [kw, a] of [['unicast_src_ip', inst.unicastSrcIp], ['mcast_src_ip', inst.mcastSrcIp], ...inst.unicastPeer.map((p) => ['unicast_peer', p])] as const) {
        if (a !== undefined && a.includes(':')) this.v.fail(s, `vrrp_instance ${name}: ${kw} ${a} is IPv6 but the instance is IPv4`);
      }
    }
    if (!inst.interface) this.v.fail(s, `vrrp_instance ${name}: needs 'interface'`);
    if (!vridSeen) this.v.fail(s, `vrrp_instance ${name}: needs 'virtual_router_id' (1..255)`);
    return inst;
  }

  authentication(c: Statement): VrrpInstance['authentication'] {
    let authType: 'PASS' | 'AH' | undefined;
    let authPass: string | undefined;
    for (const a of this.v.needBlock(c)) {
      if (a.keyword === 'auth_type') {
        const w = this.v.word(a, 'PASS or AH');
        if (w === 'PASS' || w === 'AH') authType = w;
        else if (w !== undefined) this.v.fail(a, `auth_type: '${w}' is not PASS or AH`);
      } else if (a.keyword === 'auth_pass') {
        authPass = this.v.word(a, 'a password');
      } else this.unknown(a);
    }
    if (!authType) return this.v.fail(c, 'authentication: needs auth_type PASS or AH');
    if (authType === 'AH') return this.v.fail(c, 'authentication: auth_type AH (IPsec AH, removed by RFC 3768) is not supported by lvslab');
    if (authPass === undefined) return this.v.fail(c, 'authentication: auth_type PASS needs auth_pass');
    return { authType, authPass };
  }

  /**
   * virtual_ipaddress: the first address sets the instance's family (native_ipv6 sets IPv6 before);
   * an address of the other family is ignored with keepalived's message (vrrp_data.c alloc_vrrp_vip).
   */
  vips(inst: VrrpInstance, c: Statement): VirtualIpAddress[] {
    const out: VirtualIpAddress[] = [];
    let v6 = inst.nativeIpv6 ? true : inst.virtualIpaddress[0] ? inst.virtualIpaddress[0].address.includes(':') : undefined;
    for (const a of this.v.needBlock(c)) {
      const vip = this.vip(a);
      if (!vip) continue;
      const is6 = vip.address.includes(':');
      if (v6 === undefined) v6 = is6;
      else if (is6 !== v6) {
        this.warn(a.line, `(${inst.name}): address family must match VRRP instance [${a.keyword}] - ignoring`);
        continue;
      }
      out.push(vip);
    }
    return out;
  }

  vip(a: Statement): VirtualIpAddress | undefined {
    const [addr, len] = a.keyword.split('/');
    if (!this.v.ip(a, addr, 'virtual address')) return undefined;
    const vip: VirtualIpAddress = { address: addr };
    if (len !== undefined) vip.prefixLength = this.v.numberText(a, len, 0, addr.includes(':') ? 128 : 32, true);
    for (let i = 0; i < a.args.length; i += 2) {
      const key = a.args[i];
      const value = a.args[i + 1];
      if (value === undefined) return this.v.fail(a, `virtual_ipaddress ${a.keyword}: '${key}' needs a value`);
      switch (key) {
        case 'dev':
          vip.dev = value;
          break;
        case 'label':
          vip.label = value;
          break;
        case 'brd':
          if (addr.includes(':')) return this.v.fail(a, `virtual_ipaddress ${a.keyword}: 'brd' is IPv4 only`);
          vip.brd = this.v.ipv4(a, value, 'broadcast address');
          break;
        case 'scope':
          vip.scope = value;
          break;
        default:
          return this.v.fail(a, `virtual_ipaddress ${a.keyword}: unknown option '${key}' (dev, label, brd, scope)`);
      }
    }
    return vip;
  }

  virtualServer(s: Statement): VirtualServer | undefined {
    let target: VirtualServer['target'] | undefined;
    if (s.args[0] === 'fwmark') {
      const n = s.args[1] === undefined ? this.v.fail(s, 'virtual_server fwmark: needs a mark') : this.v.numberText(s, s.args[1], 1, 0xffffffff, true);
      if (n !== undefined) target = { kind: 'fwmark', fwmark: n };
    } else if (s.args[0] === 'group') {
      this.v.fail(s, 'virtual_server group: virtual_server_group is not supported by lvslab');
    } else {
      const ip = this.v.ip(s, s.args[0] ?? '', 'virtual server address');
      // no port: 0 (keepalived since 2.0.7), which checkValidate then makes persistent
      const port = s.args[1] === undefined ? 0 : this.v.port(s, s.args[1]);
      if (s.args.length > 2) this.v.fail(s, `virtual_server: unexpected '${s.args.slice(2).join(' ')}' after the port`);
      if (ip !== undefined && port !== undefined) target = { kind: 'ip', ip, port };
    }
    const vs: VirtualServer = {
      target: target ?? { kind: 'ip', ip: '0.0.0.0', port: 0 },
      ...(target?.kind === 'ip' ? { af: target.ip.includes(':') ? (6 as const) : (4 as const) } : {}),
      ops: false,
      schedFlags: [],
      alpha: false,
      omega: false,
      haSuspend: false,
      realServers: [],
      passthrough: [],
    };
    this.vsLines.set(vs, s.line);
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'lb_algo':
        case 'lvs_sched': {
          const w = this.v.word(c, 'a scheduler');
          if (w !== undefined && !SCHEDULERS.includes(w)) this.v.fail(c, `${c.keyword}: unknown scheduler '${w}' (${SCHEDULERS.join(', ')})`);
          else vs.lvsSched = w;
          break;
        }
        case 'lb_kind':
        case 'lvs_method':
          vs.lvsMethod = this.lvsMethod(c) ?? vs.lvsMethod;
          break;
        case 'sorry_server_lvs_method':
          vs.sorryServerLvsMethod = this.lvsMethod(c) ?? vs.sorryServerLvsMethod;
          break;
        case 'persistence_timeout':
          // a bare keyword means keepalived's default of 360 s
          vs.persistenceTimeout = c.args.length === 0 ? 360 : this.v.int(c, 1, 0x7fffffff);
          break;
        case 'persistence_granularity': {
          // keepalived's pgr_handler (check_parser.c): an IPv6 virtual server's granularity is a prefix
          // length 1-128, an IPv4 one's a netmask (a fwmark one's family is the value's: a dot, IPv4);
          // a valid one makes the service persistent with the default timeout unless one is set so far
          const w = this.v.word(c);
          const v6 = vs.target.kind === 'ip' ? vs.target.ip.includes(':') : w !== undefined && !w.includes('.');
          let g: string | number | undefined;
          if (!v6) g = this.v.ipv4(c, w, 'netmask');
          else if (w !== undefined && !/^\d+$/.test(w)) this.v.fail(c, `${c.keyword}: '${w}' is not a prefix length 1..128 (an IPv6 virtual server's granularity)`);
          else if (w !== undefined) g = this.v.numberText(c, w, 1, 128, true);
          if (g === undefined) break;
          vs.persistenceGranularity = String(g);
          vs.persistenceTimeout ??= KEEPALIVED_DEFAULTS.persistenceTimeout;
          break;
        }
        case 'persistence_engine': {
          // pengine_handler: kept to the kernel's IP_VS_PENAME_MAXLEN (16, with the NUL)
          const w = this.v.word(c, 'a persistence engine');
          if (w === undefined) break;
          if (w.length > 15) this.warn(c.line, `persistence_name too long, truncating - ${w}`);
          vs.persistenceEngine = w.slice(0, 15);
          break;
        }
        case 'protocol': {
          const w = this.v.word(c, 'TCP, UDP or SCTP');
          if (w === 'TCP' || w === 'UDP' || w === 'SCTP') vs.protocol = w;
          else if (w !== undefined) this.v.fail(c, `protocol: '${w}' is not TCP, UDP or SCTP`);
          break;
        }
        case 'sorry_server': {
          const ip = this.v.ip(c, c.args[0] ?? '', 'sorry server address');
          // no port: 0, then the virtual server's (checkValidate)
          const port = c.args[1] === undefined ? 0 : this.v.port(c, c.args[1]);
          if (ip !== undefined && port !== undefined) vs.sorryServer = { ip, port };
          break;
        }
        case 'virtualhost':
          vs.virtualhost = this.v.word(c);
          break;
        case 'sorry_server_inhibit':
          vs.sorryServerInhibit = this.v.flag(c);
          break;
        case 'quorum_up':
          vs.quorumUp = this.v.rest(c, 'a script');
          break;
        case 'quorum_down':
          vs.quorumDown = this.v.rest(c, 'a script');
          break;
        case 'ip_family': {
          // ip_family_handler: a family the virtual server already has otherwise is a conflict
          const w = c.args[0] ?? '';
          const af = w === 'inet' ? 4 : w === 'inet6' ? 6 : undefined;
          if (af === undefined) this.warn(c.line, `unknown address family ${w}`);
          else if (vs.af !== undefined && vs.af !== af) this.warn(c.line, `Virtual server specified family ${w} conflicts with server family`);
          else vs.af = af;
          break;
        }
        case 'real_server': {
          const rs = this.realServer(c);
          if (!rs) break;
          // rs_end_handler: a real server not tunnelled to (its own method, or the virtual server's
          // so far) gives a virtual server without a family its own, or must share it
          if ((rs.lvsMethod ?? vs.lvsMethod) !== 'TUN') {
            const af = rs.ip.includes(':') ? 6 : 4;
            if (vs.af === undefined) vs.af = af;
            else if (vs.af !== af) {
              this.warn(c.endLine ?? c.line, `Address family of virtual server and real server ${rs.ip} don't match - skipping real server.`);
              break;
            }
          }
          vs.realServers.push(rs);
          break;
        }
        default:
          if (this.scalar(c, VS_SCALARS, vs)) break;
          if (SCHED_FLAGS.includes(c.keyword) || c.keyword === 'hashed') {
            this.v.flag(c);
            const bit = lbflag(c.keyword, vs.lvsSched);
            if (bit === 'ignored') this.warn(c.line, `${c.keyword} only applies to sh scheduler - ignoring`);
            else if (bit && !vs.schedFlags.includes(bit)) vs.schedFlags = [...vs.schedFlags, bit].sort();
          } else if (VS_PASSTHROUGH.has(c.keyword)) vs.passthrough.push(raw(c));
          else this.unknown(c);
      }
    }
    return target ? vs : undefined;
  }

  /** lvs_method NAT|DR|TUN (of a virtual server, a real server or the sorry server) */
  lvsMethod(c: Statement): LvsMethod | undefined {
    const w = c.args[0];
    if (w !== 'NAT' && w !== 'DR' && w !== 'TUN') return this.v.fail(c, `${c.keyword}: '${w ?? ''}' is not NAT, DR or TUN`);
    if (c.args.length > 1) this.v.fail(c, `${c.keyword}: tunnel options ('${c.args.slice(1).join(' ')}') are not supported by lvslab`);
    return w;
  }

  realServer(s: Statement): RealServer | undefined {
    const ip = this.v.ip(s, s.args[0] ?? '', 'real server address');
    // no port: 0, then the virtual server's unless a fwmark service's (checkValidate)
    const port = s.args[1] === undefined ? 0 : this.v.port(s, s.args[1]);
    const rs: RealServer = { ip: ip ?? '', port: port ?? 0, inhibitOnFailure: false, checks: [] };
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'notify_up':
          rs.notifyUp = this.v.rest(c, 'a script');
          break;
        case 'notify_down':
          rs.notifyDown = this.v.rest(c, 'a script');
          break;
        case 'TCP_CHECK':
        case 'HTTP_GET':
        case 'SSL_GET':
        case 'MISC_CHECK': {
          const check = this.check(c);
          if (check) rs.checks.push(check);
          break;
        }
        case 'lvs_method':
          rs.lvsMethod = this.lvsMethod(c) ?? rs.lvsMethod;
          break;
        default:
          if (this.scalar(c, RS_SCALARS, rs)) break;
          if (CHECK_TYPES_UNSUPPORTED.has(c.keyword)) this.v.fail(c, `${c.keyword}: not supported by lvslab (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK are)`);
          else this.unknown(c);
      }
    }
    return ip !== undefined && port !== undefined ? rs : undefined;
  }

  check(s: Statement): HealthCheck | undefined {
    if (s.keyword === 'MISC_CHECK') {
      const m: MiscCheck = { type: 'MISC_CHECK', miscPath: '', miscDynamic: false };
      for (const c of this.v.needBlock(s)) {
        if (c.keyword === 'misc_path') m.miscPath = this.v.rest(c, 'a script') ?? '';
        else if (c.keyword === 'misc_timeout') m.miscTimeout = this.v.int(c, 1, 86400);
        else if (c.keyword === 'misc_dynamic') m.miscDynamic = this.v.flag(c);
        else if (c.keyword === 'warmup') m.warmup = this.v.int(c, 0, 86400);
        else if (c.keyword === 'retry') m.retry = this.v.int(c, 0, 0x7fffffff);
        else if (c.keyword === 'delay_before_retry') m.delayBeforeRetry = this.v.num(c, 0, 86400);
        else this.unknown(c);
      }
      if (!m.miscPath) return this.v.fail(s, 'MISC_CHECK: needs misc_path');
      return m;
    }
    const base: TcpCheck = { type: 'TCP_CHECK' };
    const http = s.keyword === 'HTTP_GET' || s.keyword === 'SSL_GET';
    const urls: HttpUrl[] = [];
    let virtualhost: string | undefined;
    for (const c of this.v.needBlock(s)) {
      switch (c.keyword) {
        case 'connect_port':
          base.connectPort = this.v.port(c, this.v.word(c, 'a port'));
          break;
        case 'connect_ip':
          base.connectIp = this.v.ip(c, this.v.word(c));
          break;
        case 'bindto':
          base.bindto = this.v.ip(c, this.v.word(c));
          break;
        case 'url':
          if (!http) this.unknown(c);
          else urls.push(this.url(c));
          break;
        case 'virtualhost':
          if (!http) this.unknown(c);
          else virtualhost = this.v.word(c);
          break;
        default:
          if (this.scalar(c, CHECK_SCALARS, base)) break;
          this.unknown(c);
      }
    }
    if (!http) return base;
    if (urls.length === 0) return this.v.fail(s, `${s.keyword}: needs at least one url { path ... }`);
    const check: HttpCheck = { ...base, type: s.keyword as HttpCheck['type'], urls };
    if (virtualhost !== undefined) check.virtualhost = virtualhost;
    return check;
  }

  url(s: Statement): HttpUrl {
    const u: HttpUrl = { path: '' };
    for (const c of this.v.needBlock(s)) {
      if (c.keyword === 'path') u.path = this.v.word(c, 'a path') ?? '';
      else if (c.keyword === 'status_code') {
        const w = this.v.rest(c, 'a status code');
        if (w !== undefined && !/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(w.replace(/\s+/g, ''))) this.v.fail(c, `status_code: '${w}' is not a status code, range or list`);
        else u.statusCode = w;
      } else if (c.keyword === 'digest') u.digest = this.v.word(c, 'an md5 digest');
      else this.unknown(c);
    }
    if (!u.path) this.v.fail(s, 'url: needs path');
    return u;
  }

  /**
   * The checker's check of what it read (check/check_data.c check_validate_config), for what lvslab
   * accepts: its lines, in its order, and what keepalived corrects, corrected here too.
   */
  checkValidate(config: KeepalivedConfig): void {
    const ignored = new Set<VirtualServer>();
    for (const vs of config.virtualServers) {
      const line = this.vsLines.get(vs) ?? 1;
      const say = (message: string) => this.afterParse('checker', line, message);
      let proto = vs.protocol?.toLowerCase() ?? 'none';
      const name = () => (vs.target.kind === 'fwmark' ? `FWM ${vs.target.fwmark}` : `[${vs.target.ip}]:${proto}:${vs.target.port}`);
      if (vs.realServers.length === 0) {
        // keepalived frees it: no service in IPVS, on either backend
        say(`Virtual server ${name()} has no real servers - ignoring`);
        ignored.add(vs);
        continue;
      }
      if (vs.haSuspend && vs.target.kind === 'fwmark') {
        say(`Virtual server ${name()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
        vs.haSuspend = false;
      }
      if (vs.target.kind === 'ip') {
        if (!vs.protocol) {
          // "If the protocol is 0, the kernel defaults to UDP, so set it explicitly"
          say(`Virtual server ${name()}: no protocol set - defaulting to UDP`);
          vs.protocol = 'UDP';
          proto = 'udp';
        }
        if (vs.ops && proto !== 'udp') {
          say(`Virtual server ${name()}: one packet scheduling requires UDP - resetting`);
          vs.ops = false;
        }
        if (vs.target.port === 0 && !vs.persistenceTimeout) {
          say(`Virtual server ${name()}: zero port only valid for persistent services - setting`);
          vs.persistenceTimeout = KEEPALIVED_DEFAULTS.persistenceTimeout;
        }
      } else if (vs.protocol) {
        say(`Warning: Virtual server ${name()}: protocol specified for fwmark - protocol will be ignored`);
        proto = 'none';
      }
      if (!vs.lvsSched) say(`Virtual server ${name()}: no scheduler set, setting default '${KEEPALIVED_DEFAULTS.lvsSched}'`);
      const seen = new Set<string>();
      // a real server or the sorry server without a method of its own takes the virtual server's,
      // which is NAT if it has none either (said once: keepalived sets it then)
      const vsMethod = (): LvsMethod => {
        if (vs.lvsMethod === undefined) {
          say(`Virtual server ${name()}: no forwarding method set, setting default ${KEEPALIVED_DEFAULTS.lvsMethod}`);
          vs.lvsMethod = KEEPALIVED_DEFAULTS.lvsMethod;
        }
        return vs.lvsMethod;
      };
      for (const rs of vs.realServers) {
        const key = `${rs.ip}:${rs.port}`;
        if (seen.has(key)) {
          say(`VS ${name()}: real server [${rs.ip}]:${proto}:${rs.port} is duplicated - removing second rs`);
          continue;
        }
        seen.add(key);
        rs.lvsMethod ??= vsMethod();
        // "Take default values from virtual server"
        rs.alpha ??= vs.alpha;
        rs.inhibitOnFailure ||= vs.inhibitOnFailure ?? false;
        rs.retry ??= vs.retry;
        rs.connectTimeout ??= vs.connectTimeout;
        rs.delayLoop ??= vs.delayLoop;
        rs.warmup ??= vs.warmup;
        rs.delayBeforeRetry ??= vs.delayBeforeRetry;
        rs.weight ??= vs.weight;
      }
      if (vs.sorryServer) vs.sorryServerLvsMethod ??= vsMethod();
      // keepalived drops the duplicates; so does the description
      const kept = new Set<string>();
      vs.realServers = vs.realServers.filter((rs) => !kept.has(`${rs.ip}:${rs.port}`) && kept.add(`${rs.ip}:${rs.port}`));
      // "Check that the quorum isn't higher than the total weight of the real servers, otherwise we
      // will never be able to come up"; then no hysteresis >= quorum (unsigned: 0 - 1 wraps)
      const total = vs.realServers.reduce((sum, rs) => sum + (rs.weight ?? KEEPALIVED_DEFAULTS.weight), 0);
      let quorum = vs.quorum ?? KEEPALIVED_DEFAULTS.quorum;
      if (quorum > total) {
        say(`Warning - quorum ${quorum} for ${name()} exceeds total weight of real servers ${total}, reducing quorum to ${total}`);
        vs.quorum = quorum = total;
      }
      if ((vs.hysteresis ?? 0) >= quorum) {
        const h = quorum === 0 ? 0xffffffff : quorum - 1;
        say(`Virtual server ${name()}: hysteresis ${vs.hysteresis ?? 0} >= quorum ${quorum}; setting hysteresis to ${h}`);
        vs.hysteresis = h;
      }
      // ports: a server NATed to keeps its own; one that is not cannot change the port: a fwmark
      // service's is cleared, 0 becomes the virtual server's, another is reset to it ("We can also
      // correct errors here")
      const target = vs.target;
      const unNattedPort = (port: number, cleared: string, mismatch: string): number => {
        if (target.kind === 'fwmark') {
          if (port) say(cleared);
          return 0;
        }
        if (port !== 0 && port !== target.port) say(mismatch);
        return target.port;
      };
      for (const rs of vs.realServers) {
        const rsName = `[${rs.ip}]:${proto}:${rs.port}`;
        if (rs.lvsMethod !== 'NAT') {
          rs.port = unNattedPort(rs.port, `WARNING - fwmark virtual server ${name()}, real server ${rsName} has port specified - clearing`, `WARNING - virtual server ${name()} and real server ${rsName} ports don't match - resetting`);
        } else if (target.kind === 'ip' && rs.port === 0) rs.port = target.port;
      }
      if (vs.sorryServer && vs.sorryServerLvsMethod !== 'NAT') {
        vs.sorryServer.port = unNattedPort(vs.sorryServer.port, `WARNING - virtual server ${name()}, sorry server has port specified - clearing`, `WARNING - virtual server ${name()} and sorry server ports don't match - resetting`);
      }
    }
    config.virtualServers = config.virtualServers.filter((vs) => !ignored.has(vs));
  }

  /**
   * The VRRP child's check of each instance it read (vrrp/vrrp.c vrrp_complete_instance), for what
   * lvslab accepts, in its order; the settings keepalived clears are cleared here too.
   */
  vrrpComplete(config: KeepalivedConfig): void {
    for (const inst of config.vrrpInstances) {
      const line = this.instanceLines.get(inst.name) ?? 1;
      const say = (message: string) => this.afterParse('vrrp', line, `(${inst.name}) ${message}`);
      const v6 = isIpv6Instance(inst);
      const version = inst.version ?? (v6 ? 3 : (config.globalDefs.vrrpVersion ?? KEEPALIVED_DEFAULTS.vrrpVersion));
      const noVip = inst.virtualIpaddress.length === 0;
      if (noVip) {
        if (version === 3 || v6) {
          this.v.fail(line, `vrrp_instance ${inst.name}: No VIP specified; at least one is required (VRRPv3; keepalived refuses the instance)`);
          continue;
        }
        say('No VIP specified; at least one is sensible');
      }
      // no priority: an initial state MASTER makes the address owner (255), as in effectiveInstance
      const priority = inst.priority ?? (inst.state === 'MASTER' ? VRRP_PRIO_OWNER : KEEPALIVED_DEFAULTS.priority);
      const wantsMaster = inst.state === 'MASTER' || (inst.state === undefined && priority === VRRP_PRIO_OWNER);
      if (version === 3 && inst.authentication) say('VRRP version 3 does not support authentication. Ignoring.');
      if (priority === VRRP_PRIO_OWNER && inst.nopreempt) {
        say(`nopreempt is incompatible with priority ${VRRP_PRIO_OWNER}. resetting nopreempt`);
        inst.nopreempt = false;
      }
      if (wantsMaster) {
        if (inst.nopreempt) {
          say('Warning - nopreempt will not work with initial state MASTER - clearing');
          inst.nopreempt = false;
        }
        if (inst.preemptDelay) {
          say('Warning - preempt delay will not work with initial state MASTER - clearing');
          delete inst.preemptDelay;
        }
      }
      // (kept in the description: without preemption a delay has nothing to delay)
      if (inst.preemptDelay && inst.nopreempt) say('preempt_delay is incompatible with nopreempt mode - resetting');
      // keepalived checks for VIPs twice in vrrp_complete_instance, and says so twice
      if (noVip) say('No VIP specified; at least one is sensible');
    }
  }

  crossCheck(config: KeepalivedConfig): void {
    const names = new Set(config.vrrpInstances.map((i) => i.name));
    for (const g of config.vrrpSyncGroups) {
      for (const m of g.group) {
        if (!names.has(m)) this.v.fail(this.instanceLines.get(m) ?? 1, `vrrp_sync_group ${g.name}: unknown vrrp_instance '${m}'`);
      }
    }
    const seen = new Map<string, string>();
    for (const inst of config.vrrpInstances) {
      const line = this.instanceLines.get(inst.name) ?? 1;
      const version = inst.version ?? (isIpv6Instance(inst) ? 3 : (config.globalDefs.vrrpVersion ?? 2));
      const adv = inst.advertInt ?? 1;
      if (version === 2 && !Number.isInteger(adv)) {
        this.v.fail(line, `vrrp_instance ${inst.name}: advert_int ${adv} needs version 3 (VRRPv2 advertises whole seconds)`);
      }
      if (version === 3 && adv > 40.95) this.v.fail(line, `vrrp_instance ${inst.name}: advert_int ${adv} exceeds VRRPv3's 40.95 s`);
      const key = `${inst.interface}/${inst.virtualRouterId}`;
      if (inst.virtualRouterId && seen.has(key)) {
        this.v.fail(line, `vrrp_instance ${inst.name}: virtual_router_id ${inst.virtualRouterId} on ${inst.interface} is already used by ${seen.get(key)}`);
      }
      seen.set(key, inst.name);
    }
    const sd = config.globalDefs.lvsSyncDaemon;
    if (sd?.instance && !names.has(sd.instance)) this.v.fail(1, `lvs_sync_daemon: unknown vrrp_instance '${sd.instance}'`);
    // The warning keepalived gives for the misspelling says nothing about its cost: spell it out.
    const syncs = sd !== undefined || config.vrrpInstances.some((i) => i.lvsSyncDaemonInterface);
    if (!syncs && config.vrrpInstances.length > 0 && config.virtualServers.length > 0) {
      const line = this.misspelledSyncLine ?? this.instanceLines.get(config.vrrpInstances[0].name) ?? 1;
      const why = this.misspelledSyncLine
        ? "'lvs_sync_daemon_inteface' is a misspelling keepalived ignores, so no connection sync daemon runs"
        : 'no lvs_sync_daemon is configured, so no connection sync daemon runs';
      this.warn(line, `lvslab: ${why}: established connections will be reset on failover (add 'lvs_sync_daemon <interface> <instance>' to global_defs)`, 'note');
    }
  }
}

function notifyField(k: string): 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' {
  switch (k) {
    case 'notify_master':
      return 'notifyMaster';
    case 'notify_backup':
      return 'notifyBackup';
    case 'notify_fault':
      return 'notifyFault';
    case 'notify_stop':
      return 'notifyStop';
    default:
      return 'notify';
  }
}

export function emptyGlobals(): GlobalDefs {
  return { lvsFlush: false, vrrpStrict: false, notificationEmail: [], enableScriptSecurity: false, passthrough: [] };
}

/** Parse a keepalived.conf; throws KeepalivedConfError listing every problem with its line. */
export function parseKeepalivedConf(text: string, options: ParseOptions = {}): ParseResult {
  const p = new ConfParser(options.file ?? 'keepalived.conf');
  const config = p.parse(text);
  if (p.problems.length) {
    throw new KeepalivedConfError(p.file, [...p.problems].sort((a, b) => a.line - b.line));
  }
  return { config, diagnostics: p.diagnostics() };
}
