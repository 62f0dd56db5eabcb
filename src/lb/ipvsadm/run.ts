// A whole ipvsadm invocation — parse, apply or list, `-R` line by line — with ipvsadm's stdout,
// stderr and exit status. It talks to an IPVS the way ipvsadm talks to the kernel through netlink:
// state changes go through the control API (which answers a refusal with an op and errno, printed
// as libipvs's ipvs_strerror text), listings are formatted from a snapshot. Everything ipvsadm
// itself decides is here.
import type { CtlCommand, IpvsCommand, IpvsControl, IpvsadmResult } from '../ipvs/types.js';
import { IpvsadmError, kernelErrorMessage, tryHelp } from './errors.js';
import { formatIpvsadm } from './format.js';
import { parseIpvsadm } from './parse.js';
import { splitRestoreLines } from './restore.js';
import { type IpvsadmEnv, programOf, resolverOf } from './env.js';

/** What runIpvsadm talks to: an IPVS's control API and snapshot (the embedded core, src/lb/ipvs). */
export type IpvsadmTarget = IpvsControl;

type ListingCommand = Exclude<IpvsCommand, CtlCommand | { op: 'restore' }>;

function isListing(cmd: IpvsCommand): cmd is ListingCommand {
  return cmd.op === 'list' || cmd.op === 'save' || cmd.op === 'help' || cmd.op === 'version';
}

class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/**
 * Run `ipvsadm ARGV` (without the program name) against `target`, with `stdin` as -R's input, on a
 * machine whose program name and resolver `env` gives (the real /etc/hosts and /etc/services when
 * it gives none). Returns exactly what ipvsadm 1.31 would print and its exit status.
 */
export function runIpvsadm(target: IpvsadmTarget, argv: readonly string[], stdin = '', env: IpvsadmEnv = {}): IpvsadmResult {
  // one resolver for the whole invocation (-R lines included): the files are read once
  const program = programOf(env);
  const runEnv: IpvsadmEnv = { program, resolver: resolverOf(env) };
  let stdout = '';
  let stderr = '';

  // process_options(): 0 or -1, or an Exit when ipvsadm would exit() on the spot
  const processOptions = (args: readonly string[], readingStdin: boolean): number => {
    let cmd: IpvsCommand;
    try {
      cmd = parseIpvsadm(args, runEnv);
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
    if (isListing(cmd)) {
      try {
        stdout += formatIpvsadm(cmd, target.snapshot(), runEnv);
      } catch (e) {
        if (!(e instanceof IpvsadmError)) throw e;
        stderr += e.stderr;
        throw new Exit(e.status);
      }
      // -h and -v exit(0) right after printing, even in the middle of -R input
      if (cmd.op === 'help' || cmd.op === 'version') throw new Exit(0);
      return 0;
    }
    // a failed kernel call: ipvsadm prints ipvs_strerror's text and returns -1 (status 255), which
    // inside -R lets the next line run
    const refused = target.control(cmd);
    if (refused === null) return 0;
    stderr += `${kernelErrorMessage(refused.op, refused.errno)}\n`;
    return -1;
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
