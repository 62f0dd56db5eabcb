// `lvslab script <preset|file>`: the lab as the shell script of iproute2 batches lvslab would run.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { loadTopology } from '../../lab/load.js';
import { planBuild, renderScript } from '../../lab/plan.js';

const usage = `usage: lvslab script <preset|file> [--id ID]

Print the shell script that builds (and tears down) the lab with the same iproute2 batches lvslab
runs: 'sh script up' / 'sh script down'. The namespaces are named lvs-<ID>-<host> (ID default:
'script'). Needs no root to print.`;

export const scriptCommand: Command = {
  name: 'script',
  summary: 'print the shell commands that build a lab',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { id: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('needs exactly one preset name or description file');
    const id = values.id ?? 'script';
    if (!/^[a-z0-9]{1,12}$/.test(id)) throw new UsageError(`--id '${id}' must be 1-12 lower-case letters or digits`);
    const topology = await loadTopology(positionals[0]);
    process.stdout.write(renderScript(planBuild(topology, id), positionals[0]));
    return 0;
  },
};
