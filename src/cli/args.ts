// Parsing a subcommand's arguments: node's parseArgs, with its complaints (an unknown option, a
// missing value) turned into UsageErrors, which the dispatcher prints with the command's name and
// exit status 2 — a typo is a usage error, not a failure.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(args: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
