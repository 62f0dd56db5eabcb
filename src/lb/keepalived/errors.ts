// Problems found in a keepalived.conf, and the lines keepalived 2.2.7 itself prints about one.
// Errors stop the parse (lvslab refuses a file whose meaning is unclear); warnings are what keepalived
// prints and then carries on, in its words, with its prefixes and in its order:
// - keepalived reads the file once per process (lib/parser.c, core/main.c): the parent reads
//   global_defs, then each child reads its own blocks (checker: virtual_server; VRRP: vrrp_instance,
//   vrrp_sync_group; BFD: bfd_instance), and a keyword unknown at the top level is reported by each.
//   The parent names no file, "(Line 7) ...": it reads the file itself. The children read the
//   parent's copy, which names it, "(keepalived.conf: Line 20) ..." (the name as given with -f).
// - after its blocks, each child checks what it read (vrrp_complete_instance, check_validate_config):
//   those lines carry no prefix, "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing".
// - `keepalived -t` (config test) prints parent, checker, VRRP, BFD in that order: `diagnostics`.
//   A running keepalived logs the parent's lines, the max_auto_priority NOTICE, then each child's:
//   `startupLog`.
import type { KeepalivedConfig } from './types.js';

export interface ConfProblem {
  line: number;
  message: string;
}

/** which keepalived process prints a line */
export type ConfPhase = 'parent' | 'checker' | 'vrrp' | 'bfd';

export interface ConfDiagnostic extends ConfProblem {
  /** `warning`: keepalived prints it too; `note`: lvslab's own explanation of what a warning costs */
  level: 'warning' | 'note';
  phase: ConfPhase;
  /** keepalived's check after reading its blocks (printed without a line prefix) */
  afterParse?: true;
  /** the line as keepalived prints it: `(Line N) MESSAGE`, `(FILE: Line N) MESSAGE` or `MESSAGE` */
  text: string;
}

export class KeepalivedConfError extends Error {
  readonly problems: ConfProblem[];
  readonly file: string;
  constructor(file: string, problems: ConfProblem[]) {
    super(problems.map((p) => `${file} line ${p.line}: ${p.message}`).join('\n'));
    this.name = 'KeepalivedConfError';
    this.problems = problems;
    this.file = file;
  }
}

/** a line as keepalived's report_config_error prints it in `phase` (vreport_config_error) */
export function keepalivedLine(phase: ConfPhase, file: string, line: number | undefined, message: string): string {
  if (line === undefined) return message;
  return phase === 'parent' ? `(Line ${line}) ${message}` : `(${file}: Line ${line}) ${message}`;
}

/** lvslab's notes name the file always: they are ours, not keepalived's */
export function noteLine(file: string, line: number, message: string): string {
  return `(${file}: Line ${line}) ${message}`;
}

/** keepalived's parent logs this at start unless max_auto_priority is set to a non-zero value (core/main.c) */
export const MAX_AUTO_PRIORITY_NOTICE = 'NOTICE: setting config option max_auto_priority should result in better keepalived performance';

/** sched_get_priority_max(SCHED_RR) on Linux: what a bare `max_auto_priority` means */
export const MAX_AUTO_PRIORITY_DEFAULT = 99;

/** global_defs max_auto_priority as keepalived reads it: absent 0, bare 99, else an integer -1..99 (the last valid one) */
export function maxAutoPriority(config: KeepalivedConfig): number {
  let value = 0;
  for (const s of config.globalDefs.passthrough) {
    if (s.keyword !== 'max_auto_priority') continue;
    if (s.args.length === 0) value = MAX_AUTO_PRIORITY_DEFAULT;
    else if (validMaxAutoPriority(s.args[0])) value = Number(s.args[0]);
    // anything else keepalived reports and ignores, keeping what it had
  }
  return value;
}

export function validMaxAutoPriority(text: string): boolean {
  const n = Number(text);
  return /^-?\d+$/.test(text) && n >= -1 && n <= MAX_AUTO_PRIORITY_DEFAULT;
}

/**
 * What a running keepalived logs about its configuration, in order: the parent's lines, the
 * max_auto_priority NOTICE, then the lines of each child that runs (`keepalived --vrrp`: the VRRP
 * child only). lvslab's notes follow.
 */
export function startupLog(result: { config: KeepalivedConfig; diagnostics: ConfDiagnostic[] }, children: ('checker' | 'vrrp')[]): string[] {
  const warnings = result.diagnostics.filter((d) => d.level === 'warning');
  const lines = warnings.filter((d) => d.phase === 'parent').map((d) => d.text);
  if (maxAutoPriority(result.config) === 0) lines.push(MAX_AUTO_PRIORITY_NOTICE);
  for (const child of children) lines.push(...warnings.filter((d) => d.phase === child).map((d) => d.text));
  lines.push(...result.diagnostics.filter((d) => d.level === 'note').map((d) => d.text));
  return lines;
}
