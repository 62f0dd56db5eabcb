// A whole ipvsadm invocation — parse, apply or list, `-R` line by line — with ipvsadm's stdout,
// stderr and exit status. The IPVS core supplies how to apply a command and how to read its state;
// this module supplies everything ipvsadm itself decides.
import type { IpvsCommand, IpvsSnapshot, IpvsadmResult } from '../ipvs/types.js';
import { IpvsadmError, tryHelp } from './errors.js';
import { formatIpvsadm } from './format.js';
import { parseIpvsadm } from './parse.js';
import { splitRestoreLines } from './restore.js';

/** What runIpvsadm needs from an IPVS implementation. */
export interface IpvsadmTarget {
  /**
   * Apply a state-changing command (add/edit/delete service or dest, clear, zero, set-timeout,
   * start/stop daemon). Throw the IpvsadmError from `kernelError(op, errno)` when the kernel would
   * refuse it; anything else thrown is a bug and propagates.
   */
  apply(cmd: IpvsCommand): void;
  /** The current state, for listings. */
  snapshot(): IpvsSnapshot;
}

const LISTING_OPS = new Set<IpvsCommand['op']>(['list', 'save', 'help', 'version']);

class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/**
 * Run `ipvsadm ARGV` (without the program name) against `target`, with `stdin` as -R's input.
 * Returns exactly what ipvsadm 1.31 would print and its exit status.
 */
export function runIpvsadm(
  argv: readonly string[],
  stdin: string,
  target: IpvsadmTarget,
  program = 'ipvsadm',
): IpvsadmResult {
  let stdout = '';
  let stderr = '';

  // process_options(): 0 or -1, or an Exit when ipvsadm would exit() on the spot
  const processOptions = (args: readonly string[], readingStdin: boolean): number => {
    let cmd: IpvsCommand;
    try {
      cmd = parseIpvsadm(args, program);
    } catch (e) {
      if (!(e instanceof IpvsadmError)) throw e;
      stderr += e.stderr;
      if (e.exits) throw new Exit(e.status);
      return -1;
    }
    if (cmd.op === 'restore') {
      if (readingStdin) {
        try {
          tryHelp(program);
        } catch (e) {
          stderr += (e as IpvsadmError).stderr;
          throw new Exit((e as IpvsadmError).status);
        }
      }
      let result = 0;
      for (const words of splitRestoreLines(stdin)) {
        if (words.length > 0) result = processOptions(words, true);
      }
      return result;
    }
    if (LISTING_OPS.has(cmd.op)) {
      try {
        stdout += formatIpvsadm(cmd, target.snapshot(), program);
      } catch (e) {
        if (!(e instanceof IpvsadmError)) throw e;
        stderr += e.stderr;
        throw new Exit(e.status);
      }
      // -h and -v exit(0) right after printing, even in the middle of -R input
      if (cmd.op === 'help' || cmd.op === 'version') throw new Exit(0);
      return 0;
    }
    try {
      target.apply(cmd);
      return 0;
    } catch (e) {
      if (!(e instanceof IpvsadmError)) throw e;
      stderr += e.stderr;
      if (e.exits) throw new Exit(e.status);
      return -1;
    }
  };

  let status: number;
  try {
    // main() returns process_options()'s -1 as exit status 255
    status = processOptions(argv, false) & 0xff;
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    status = e.status;
  }
  return { stdout, stderr, status };
}
