// The shape every `lvslab` subcommand has: its own --help text and a run() that returns an exit code.
export interface Command {
  name: string;
  /** one line for `lvslab --help` */
  summary: string;
  /** the full `lvslab NAME --help` text */
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A usage error: printed with the command's name and exit status 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A problem with what the user gave — a file, a lab id, the user it runs as — found before anything
 * was built or started: printed plainly (no help hint, no stack trace), exit status 2.
 */
export class InputError extends Error {
  override name = 'InputError';
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * The preamble of every subcommand's run(): with --help or -h among `args`, print `usage` to stdout and
 * return true (the command then returns 0); otherwise print nothing and return false.
 */
export function printedHelp(args: string[], usage: string): boolean {
  if (!wantsHelp(args)) return false;
  process.stdout.write(usage + '\n');
  return true;
}
