// `lvslab up <preset|file>`: build a lab and leave it running until `lvslab down`. Real servers get
// agents (in one process of the lab's that outlives this command) serving the lab's services (HTTP
// identity page, UDP sink); `up` returns once they listen, so curl and nc from the client work at once.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { buildLab } from '../../lab/build.js';
import { presetNames } from '../../lab/presets.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab up <preset|file> [--no-serve] [--json]

Build a lab from a preset (${presetNames().join(', ')}) or a YAML/JSON description file and
leave it running; prints the lab id. The lab is kept until 'lvslab down <id>' ('lvslab gc' leaves
it alone unless given --all). Namespaces are named lvs-<id>-<host>.

  --no-serve   do not start the real servers' HTTP/UDP services
  --json       print the lab id, namespaces and addresses as JSON

  lvslab up article-single
  lvslab exec <id> client -- ping -c1 192.168.1.110`;

export const upCommand: Command = {
  name: 'up',
  summary: 'build a lab from a preset or file and keep it running',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'no-serve': { type: 'boolean' }, json: { type: 'boolean' } } });
    if (positionals.length !== 1) throw new UsageError('needs exactly one preset name or description file');
    requireRoot('lvslab up');
    const lab = await buildLab(positionals[0], { owner: 'kept', agents: false });
    try {
      // The agents' process outlives this command; its pid is in the run directory for `down`.
      if (!values['no-serve']) await lab.startKeptAgents(lab.reals);
    } catch (err) {
      await lab.teardown();
      throw err;
    }
    const hosts = lab.hosts.map((h) => ({
      host: h.name,
      role: h.role,
      namespace: h.namespace,
      addresses: h.spec.interfaces.map((i) => `${i.name} ${i.addresses.join(' ')}`),
    }));
    if (values.json) {
      process.stdout.write(JSON.stringify({ id: lab.id, runDir: lab.runDir, vip: lab.vip, dip: lab.dip, hosts }, null, 2) + '\n');
    } else {
      process.stdout.write(`${lab.id}\n`);
      for (const h of hosts) process.stderr.write(`  ${h.host.padEnd(8)} ${h.role.padEnd(8)} ${h.namespace.padEnd(20)} ${h.addresses.join(', ')}\n`);
      process.stderr.write(`lab ${lab.id} is up; 'lvslab exec ${lab.id} <host> -- <cmd>' runs a command in it, 'lvslab down ${lab.id}' removes it\n`);
    }
    return 0;
  },
};
