// `lvslab up <preset|file>`: build a lab and leave it running until `lvslab down`. Real servers get
// agents (in one process of the lab's that outlives this command) serving the lab's services (HTTP
// identity page, UDP sink); `up` returns once they listen, so curl and nc from the client work at once.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { buildLab } from '../../lab/build.js';
import { resolveTopology, type LabSource } from '../../lab/load.js';
import { SCALE_LIMITS, presetNames, type ScaleParams } from '../../lab/presets.js';
import { requireRoot } from './lab-args.js';

const usage = `usage: lvslab up <preset|file> [--rs N] [--clients M] [--no-serve] [--json]

Build a lab from a preset (${presetNames().join(', ')}) or a YAML/JSON description file and
leave it running; prints the lab id. The lab is kept until 'lvslab down <id>' ('lvslab gc' leaves
it alone unless given --all). Namespaces are named lvs-<id>-<host>.

  --rs N        article-scale: N real servers (1-${SCALE_LIMITS.rs}, default 8)
  --clients M   article-scale: M clients (1-${SCALE_LIMITS.clients}, default 1)
  --no-serve    do not start the real servers' HTTP/UDP services
  --json        print the lab id, namespaces and addresses as JSON

  lvslab up article-single
  lvslab up article-scale --rs 64
  lvslab exec <id> client -- ping -c1 192.168.1.110`;

export const upCommand: Command = {
  name: 'up',
  summary: 'build a lab from a preset or file and keep it running',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'no-serve': { type: 'boolean' }, json: { type: 'boolean' }, rs: { type: 'string' }, clients: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('needs exactly one preset name or description file');
    const params: ScaleParams = {};
    for (const k of ['rs', 'clients'] as const) {
      const v = values[k];
      if (v === undefined) continue;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > SCALE_LIMITS[k]) throw new UsageError(`--${k} must be a whole number from 1 to ${SCALE_LIMITS[k]} (got '${v}')`);
      params[k] = n;
    }
    if (Object.keys(params).length > 0 && positionals[0] !== 'article-scale') throw new UsageError(`--rs and --clients apply to the article-scale preset (not '${positionals[0]}')`);
    const source: LabSource = Object.keys(params).length > 0 ? { preset: positionals[0], ...params } : positionals[0];
    const topology = await resolveTopology(source); // input errors (exit 2) before root or anything built
    requireRoot('up', 'it builds network namespaces');
    // The lab is "building", owned by this process, until the real servers' agents serve: a kill
    // before that leaves a lab gc removes, never one that looks kept. The agents' process outlives
    // this command; its pid is in the run directory for `down`.
    const lab = await buildLab(topology, {
      owner: 'kept',
      agents: false,
      source: positionals[0],
      complete: async (l) => {
        if (!values['no-serve']) await l.startKeptAgents(l.reals);
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
