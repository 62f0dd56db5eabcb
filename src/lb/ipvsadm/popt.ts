// The slice of popt 1.19 (src/popt.c poptGetNextOpt) that ipvsadm's option table exercises, so that
// argv is split exactly as ipvsadm splits it: short clusters (`-Lnc`, `-At 1.2.3.4:80`), a short
// option's argument glued on (`-p60`, `-t=1.2.3.4:80`), `--long=value`, `-p`'s optional argument (taken
// from the next word unless that starts with '-'), words that are not options kept as leftovers
// wherever they appear, `--` ending options, and popt's error codes. Long names must match exactly
// (popt has no abbreviations) and need two dashes (no ipvsadm option is POPT_ARGFLAG_ONEDASH).

export type ArgKind = 'none' | 'string' | 'optional';

export interface OptionDef {
  long: string;
  short?: string;
  arg: ArgKind;
  /** what ipvsadm's switch() sees: the short name or a TAG_* name */
  tag: string;
}

/** parse_options()'s poptOption table, in its order. */
export const IPVSADM_OPTIONS: readonly OptionDef[] = [
  { long: 'add-service', short: 'A', arg: 'none', tag: 'A' },
  { long: 'edit-service', short: 'E', arg: 'none', tag: 'E' },
  { long: 'delete-service', short: 'D', arg: 'none', tag: 'D' },
  { long: 'clear', short: 'C', arg: 'none', tag: 'C' },
  { long: 'list', short: 'L', arg: 'none', tag: 'L' },
  { long: 'list', short: 'l', arg: 'none', tag: 'l' },
  { long: 'zero', short: 'Z', arg: 'none', tag: 'Z' },
  { long: 'add-server', short: 'a', arg: 'none', tag: 'a' },
  { long: 'edit-server', short: 'e', arg: 'none', tag: 'e' },
  { long: 'delete-server', short: 'd', arg: 'none', tag: 'd' },
  { long: 'set', arg: 'none', tag: 'set' },
  { long: 'help', short: 'h', arg: 'none', tag: 'h' },
  { long: 'version', short: 'v', arg: 'none', tag: 'v' },
  { long: 'restore', short: 'R', arg: 'none', tag: 'R' },
  { long: 'save', short: 'S', arg: 'none', tag: 'S' },
  { long: 'start-daemon', arg: 'string', tag: 'start-daemon' },
  { long: 'stop-daemon', arg: 'string', tag: 'stop-daemon' },
  { long: 'tcp-service', short: 't', arg: 'string', tag: 't' },
  { long: 'udp-service', short: 'u', arg: 'string', tag: 'u' },
  { long: 'sctp-service', arg: 'string', tag: 'sctp-service' },
  { long: 'fwmark-service', short: 'f', arg: 'string', tag: 'f' },
  { long: 'scheduler', short: 's', arg: 'string', tag: 's' },
  { long: 'persistent', short: 'p', arg: 'optional', tag: 'p' },
  { long: 'netmask', short: 'M', arg: 'string', tag: 'M' },
  { long: 'real-server', short: 'r', arg: 'string', tag: 'r' },
  { long: 'masquerading', short: 'm', arg: 'none', tag: 'm' },
  { long: 'ipip', short: 'i', arg: 'none', tag: 'i' },
  { long: 'gatewaying', short: 'g', arg: 'none', tag: 'g' },
  { long: 'weight', short: 'w', arg: 'string', tag: 'w' },
  { long: 'u-threshold', short: 'x', arg: 'string', tag: 'x' },
  { long: 'l-threshold', short: 'y', arg: 'string', tag: 'y' },
  { long: 'numeric', short: 'n', arg: 'none', tag: 'n' },
  { long: 'connection', short: 'c', arg: 'none', tag: 'c' },
  { long: 'mcast-interface', arg: 'string', tag: 'mcast-interface' },
  { long: 'syncid', arg: 'string', tag: 'syncid' },
  { long: 'timeout', arg: 'none', tag: 'timeout' },
  { long: 'daemon', arg: 'none', tag: 'daemon' },
  { long: 'stats', arg: 'none', tag: 'stats' },
  { long: 'rate', arg: 'none', tag: 'rate' },
  { long: 'thresholds', arg: 'none', tag: 'thresholds' },
  { long: 'persistent-conn', arg: 'none', tag: 'persistent-conn' },
  { long: 'nosort', arg: 'none', tag: 'nosort' },
  { long: 'sort', arg: 'none', tag: 'sort' },
  { long: 'exact', short: 'X', arg: 'none', tag: 'X' },
  { long: 'ipv6', short: '6', arg: 'none', tag: '6' },
  { long: 'ops', short: 'o', arg: 'none', tag: 'o' },
  { long: 'pe', arg: 'string', tag: 'pe' },
  { long: 'sched-flags', short: 'b', arg: 'string', tag: 'b' },
  { long: 'mcast-group', arg: 'string', tag: 'mcast-group' },
  { long: 'mcast-port', arg: 'string', tag: 'mcast-port' },
  { long: 'mcast-ttl', arg: 'string', tag: 'mcast-ttl' },
  { long: 'sync-maxlen', arg: 'string', tag: 'sync-maxlen' },
  { long: 'tun-info', arg: 'none', tag: 'tun-info' },
  { long: 'tun-type', arg: 'string', tag: 'tun-type' },
  { long: 'tun-port', arg: 'string', tag: 'tun-port' },
  { long: 'tun-nocsum', arg: 'none', tag: 'tun-nocsum' },
  { long: 'tun-csum', arg: 'none', tag: 'tun-csum' },
  { long: 'tun-remcsum', arg: 'none', tag: 'tun-remcsum' },
];

/** popt's error codes and poptStrerror() texts. */
export const POPT_ERRORS = {
  NOARG: 'missing argument',
  UNWANTEDARG: 'option does not take an argument',
  BADOPT: 'unknown option',
} as const;
export type PoptErrorCode = keyof typeof POPT_ERRORS;

export type PoptResult =
  | { kind: 'option'; def: OptionDef; arg: string | null }
  | { kind: 'end' }
  | { kind: 'error'; code: PoptErrorCode };

/** One popt context over argv (argv[0] is the program name, as in C). */
export class PoptContext {
  private next = 1;
  private nextCharArg: string | null = null;
  private restLeftover = false;
  private readonly leftovers: string[] = [];
  private leftoverIndex = 0;

  constructor(
    private readonly argv: readonly string[],
    private readonly table: readonly OptionDef[] = IPVSADM_OPTIONS,
  ) {}

  /** poptGetNextOpt(): the next option, or the end, or an error. */
  getNextOpt(): PoptResult {
    for (;;) {
      let opt: OptionDef | undefined;
      let longArg: string | undefined;

      if (this.nextCharArg === null && this.next === this.argv.length) return { kind: 'end' };

      if (this.nextCharArg === null) {
        const orig = this.argv[this.next++];
        if (this.restLeftover || orig[0] !== '-' || orig === '-') {
          this.leftovers.push(orig);
          continue;
        }
        if (orig === '--') {
          this.restLeftover = true;
          continue;
        }
        let name = orig.slice(1);
        const oneDash = name[0] !== '-';
        if (!oneDash) name = name.slice(1);
        const eq = name.indexOf('=');
        if (eq >= 0) {
          longArg = name.slice(eq + 1);
          name = name.slice(0, eq);
        }
        // A single dash only matches long options flagged ONEDASH, and ipvsadm has none: "-Ln" is a
        // cluster of short options.
        if (!oneDash) {
          opt = this.table.find((o) => o.long === name);
          if (!opt) return { kind: 'error', code: 'BADOPT' };
        } else {
          this.nextCharArg = orig.slice(1);
          longArg = undefined;
        }
      }

      if (this.nextCharArg !== null) {
        const ch = this.nextCharArg[0];
        opt = this.table.find((o) => o.short === ch);
        if (!opt) return { kind: 'error', code: 'BADOPT' };
        const rest = this.nextCharArg.slice(1);
        this.nextCharArg = rest === '' ? null : rest;
      }
      if (!opt) return { kind: 'error', code: 'BADOPT' };

      if (opt.arg === 'none') {
        if (longArg !== undefined || (this.nextCharArg !== null && this.nextCharArg[0] === '=')) {
          return { kind: 'error', code: 'UNWANTEDARG' };
        }
        return { kind: 'option', def: opt, arg: null };
      }

      let arg: string | null;
      if (longArg !== undefined) {
        arg = longArg;
      } else if (this.nextCharArg !== null) {
        arg = this.nextCharArg[0] === '=' ? this.nextCharArg.slice(1) : this.nextCharArg;
        this.nextCharArg = null;
      } else if (this.next === this.argv.length) {
        if (opt.arg !== 'optional') return { kind: 'error', code: 'NOARG' };
        arg = null;
      } else if (opt.arg === 'optional' && this.argv[this.next][0] === '-') {
        arg = null;
      } else {
        arg = this.argv[this.next++];
      }
      return { kind: 'option', def: opt, arg };
    }
  }

  /** poptBadOption(con, POPT_BADOPTION_NOALIAS): the argv word consumed last. */
  badOption(): string {
    return this.argv[this.next - 1] ?? '';
  }

  /** poptGetArg(): the next leftover (non-option) word, in order. */
  getArg(): string | null {
    // popt only knows all leftovers once options are exhausted; ipvsadm calls this after its loop.
    return this.leftoverIndex < this.leftovers.length ? this.leftovers[this.leftoverIndex++] : null;
  }
}
