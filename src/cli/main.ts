#!/usr/bin/env node
// The `lvslab` command: dispatch to a subcommand, print usage errors plainly, never a stack trace for
// a mistake the user can fix.
import { commands } from './commands/index.js';
import { InputError, UsageError } from './command.js';
import { ScenarioError } from '../api/scenario/load.js';
import { LabDescriptionError } from '../lab/validate.js';

/** Errors in what the user gave (files, lab ids, not being root), found before anything was built: exit 2. */
function isInputError(err: unknown): err is Error {
  return err instanceof InputError || err instanceof LabDescriptionError || err instanceof ScenarioError;
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'usage: lvslab <command> [options]',
    '',
    'Virtual LVS labs in Linux network namespaces: build them, run load-balancing and failover',
    'scenarios through an embedded TypeScript IPVS/VRRP or the kernel IPVS + keepalived.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'lvslab <command> --help' for a command's options. Most commands need root.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`lvslab: unknown command '${name}'\n\n${topHelp()}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lvslab ${cmd.name}: ${err.message}\n(see 'lvslab ${cmd.name} --help')\n`);
      return 2;
    }
    if (isInputError(err)) {
      process.stderr.write(`lvslab ${cmd.name}: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`lvslab ${cmd.name}: ${e.message ?? String(err)}\n`);
    if (process.env.LVSLAB_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
