// `lvslab ipvsadm <lab> <director> ARGS...`: run ipvsadm against a lab director's embedded IPVS
// (through the director daemon's control socket) with ipvsadm's own output and exit status.
import { UsageError, printedHelp, type Command } from '../command.js';
import { directorSocketPath, ensureDirectorDaemon } from '../../lb/director/backend.js';
import { controlRequest } from '../../lb/director/control.js';
import type { DaemonStatus } from '../../lb/director/daemon.js';
import type { IpvsadmResult } from '../../lb/ipvs/types.js';
import { labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab ipvsadm <lab> <director> ARGS...
       lvslab ipvsadm <lab> <director> --director-status

Run ipvsadm on a director of a running lab (see 'lvslab up') against its embedded IPVS: the
arguments are ipvsadm's own (the article's commands work as written), stdin is passed on for -R,
and the output and exit status are ipvsadm's. <lab> is a lab id or a unique prefix of one. If the director has no embedded director daemon
yet, one is started with an empty table (it runs until 'lvslab down').

  lvslab ipvsadm 3f9a2c ds1 -A -t 192.168.1.112:80 -s rr
  lvslab ipvsadm 3f9a2c ds1 -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1
  lvslab ipvsadm 3f9a2c ds1 -Ln
  lvslab ipvsadm 3f9a2c ds1 -Lnc

--director-status prints the daemon's own counters as JSON (packets, NAT rewrites, kernel queue
drops, rules, hosted modules) instead.`;

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const ipvsadmCommand: Command = {
  name: 'ipvsadm',
  summary: "run ipvsadm against a lab director's embedded IPVS",
  usage,
  async run(argv) {
    // `lvslab ipvsadm --help` is ours; `lvslab ipvsadm LAB DS --help` is ipvsadm's own help
    if (argv.length <= 1 && printedHelp(argv, usage)) return 0;
    const [typed, director, ...args] = argv;
    if (!typed || !director || args.length === 0) throw new UsageError('needs a lab id, a director and ipvsadm arguments');
    requireRoot('ipvsadm', "it talks to the director daemon in the lab's namespace, starting it if needed");
    const lab = await labIdFrom(typed); // the full id or a unique prefix, as every lab command takes
    const socket = directorSocketPath(lab, director);
    // a lab kept by `lvslab up` has no load balancer yet: the first ipvsadm starts the embedded one
    const { started, pid } = await ensureDirectorDaemon(lab, director);
    if (started) process.stderr.write(`lvslab: started the embedded director daemon on ${director} (pid ${pid})\n`);
    if (args.length === 1 && args[0] === '--director-status') {
      const s = await controlRequest<DaemonStatus>(socket, { op: 'status' });
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    // only -R/--restore reads stdin; anything else must not block on a terminal or a pipe
    const stdin = args.some((a) => a === '-R' || a === '--restore') ? await readStdin() : undefined;
    const r = await controlRequest<IpvsadmResult>(socket, { op: 'ipvsadm', argv: args, stdin });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.status;
  },
};
