// `lvslab gc`: remove labs whose owner died (and, with --all, every lab) and stray lvs-* namespaces.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { gc } from '../../lab/teardown.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab gc [--all]

Remove labs whose owner process is gone (a test run that was killed, a crash), and lvs-*
namespaces that belong to no lab. Every lab build does this first. Labs kept by 'lvslab up'
and labs whose owner is alive are left alone unless --all is given.`;

export const gcCommand: Command = {
  name: 'gc',
  summary: 'remove labs whose owner died',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: 'boolean' } } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    requireRoot('gc', 'it deletes network namespaces and kills lab processes');
    const r = await gc({ all: values.all ?? false });
    for (const id of r.removed) process.stdout.write(`removed lab ${id}\n`);
    for (const ns of r.namespaces) process.stdout.write(`removed stray namespace ${ns}\n`);
    if (r.removed.length === 0 && r.namespaces.length === 0) process.stdout.write('nothing to remove\n');
    return 0;
  },
};
