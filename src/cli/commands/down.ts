// `lvslab down <lab>...`: tear labs down (kill what they started, delete their namespaces).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { copyLabLogs } from '../../lab/logs.js';
import { listLabIds } from '../../lab/rundir.js';
import { teardownLab } from '../../lab/teardown.js';
import { labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab down <lab>... | --all [--keep-logs DIR]

Tear labs down: kill every process a lab started, delete its namespaces and its run directory.
<lab> is a lab id as 'lvslab up' and 'lvslab ls' print it, or a unique prefix of one.
--all removes every lab, including those other processes are still using.
--keep-logs DIR  first copy each lab's logs (directors, keepalived, agents) to DIR/<lab>/
                 ('lvslab logs' reads a running lab's).`;

export const downCommand: Command = {
  name: 'down',
  summary: 'tear a lab down',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: 'boolean' }, 'keep-logs': { type: 'string' } } });
    if (!values.all && positionals.length === 0) throw new UsageError('needs a lab id (or --all)');
    if (values.all && positionals.length > 0) throw new UsageError('give lab ids or --all, not both');
    requireRoot('down', 'it deletes network namespaces and kills lab processes');
    const ids = values.all ? await listLabIds() : await Promise.all(positionals.map(labIdFrom));
    for (const id of ids) {
      const keep = values['keep-logs'];
      if (keep !== undefined) process.stdout.write(`${id}: ${(await copyLabLogs(id, join(keep, id))).length} log file(s) kept in ${join(keep, id)}\n`);
      await teardownLab(id);
      process.stdout.write(`${id} down\n`);
    }
    return 0;
  },
};
