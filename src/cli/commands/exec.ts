// `lvslab exec <lab> <host> -- <cmd>`: run a command inside a lab host, with this terminal.
import { constants } from 'node:os';
import { execa } from 'execa';
import { UsageError, printedHelp, type Command } from '../command.js';
import { namespaceName } from '../../lab/plan.js';
import { readRecord } from '../../lab/rundir.js';
import { labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab exec <lab> <host> -- <command> [args...]

Run a command inside a host of a running lab (its network namespace), with this terminal's
stdin/stdout/stderr; exits with the command's status.

  lvslab exec 3f9a2c client -- curl -s http://192.168.1.112/
  lvslab exec 3f9a2c rs1 -- ip -br addr`;

export const execCommand: Command = {
  name: 'exec',
  summary: 'run a command inside a lab host',
  usage,
  async run(argv) {
    const dashes = argv.indexOf('--');
    const head = dashes >= 0 ? argv.slice(0, dashes) : argv;
    if (printedHelp(head, usage)) return 0;
    const cmd = dashes >= 0 ? argv.slice(dashes + 1) : argv.slice(2);
    if (head.length < 2) throw new UsageError('needs a lab id and a host');
    if (dashes >= 0 && head.length > 2) throw new UsageError(`unexpected argument '${head[2]}' before '--'`);
    if (cmd.length === 0) throw new UsageError("needs a command after '--'");
    const id = await labIdFrom(head[0]);
    const rec = await readRecord(id);
    const hosts = rec?.topology.hosts.map((h) => h.name) ?? [];
    if (!hosts.includes(head[1])) throw new UsageError(`lab ${id} has no host '${head[1]}' (hosts: ${hosts.join(', ')})`);
    requireRoot('lvslab exec');
    const r = await execa('ip', ['netns', 'exec', namespaceName(id, head[1]), ...cmd], { stdio: 'inherit', reject: false });
    if (r.failed && r.exitCode === undefined && !r.signal) throw new Error(`${head[1]}: cannot run '${cmd[0]}': ${r.shortMessage}`);
    // Killed by a signal: the shell's convention, 128 + its number.
    return r.exitCode ?? 128 + (r.signal ? (constants.signals[r.signal as keyof typeof constants.signals] ?? 9) : 9);
  },
};
