// `lvslab up <preset|file>`: build a lab and leave it running until `lvslab down`. Real servers get
// a standalone agent serving the lab's services (HTTP identity page, UDP sink), so curl and nc from
// the client work at once.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { buildLab } from '../../lab/build.js';
import { agentEntry } from '../../lab/agent/client.js';
import { loadTopology } from '../../lab/load.js';
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
    const topology = await loadTopology(positionals[0]); // input errors (exit 2) before root or anything built
    requireRoot('up', 'it builds network namespaces');
    // The lab is "building", owned by this process, until the real servers' standalone agents run: a
    // kill before that leaves a lab gc removes, never one that looks kept.
    const lab = await buildLab(topology, {
      owner: 'kept',
      agents: false,
      source: positionals[0],
      complete: async (l) => {
        if (values['no-serve']) return;
        // Standalone agents outlive this command; their pids are in the run directory for `down`.
        await Promise.all(
          l.reals.map((h) =>
            h.spawn([process.execPath, agentEntry(), JSON.stringify(l.agentConfig(h)), '--standalone'], { logName: `agent-${h.name}`, outliveOwner: true }),
          ),
        );
      },
    });
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
