// `lvslab ipvsadm <lab> <director> ARGS...`: run ipvsadm against a lab director's load balancer —
// the embedded IPVS through the director daemon's control socket, or the kernel's ipvsadm for a lab
// kept on the kernel backend — with ipvsadm's own output and exit status.
import { UsageError, printedHelp, type Command } from '../command.js';
import { attachLab } from '../../lab/lab.js';
import { keptIpvsadm, keptStatus } from '../../api/kept.js';
import { hostFrom, labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab ipvsadm <lab> <director> ARGS...
       lvslab ipvsadm <lab> <director> --director-status

Run ipvsadm on a director of a running lab (see 'lvslab up') against its load balancer: the
arguments are ipvsadm's own (the article's commands work as written), stdin is passed on for -R,
and the output and exit status are ipvsadm's. <lab> may be a unique prefix of a lab id.

On a lab whose director never had an embedded director daemon (one built without 'lvslab up',
or 'lvslab up --backend none'), the first call starts one with an empty table; it runs until
'lvslab down'. Once a director has had a daemon, none is ever started behind your back: if it
was killed or stopped, this says so and exits 1 (start it again with
'lvslab fault <lab> <director> start'); a daemon that does not answer (stopped with SIGSTOP,
say) is reported, never replaced.

  lvslab ipvsadm 3f9a2c ds1 -A -t 192.168.1.112:80 -s rr
  lvslab ipvsadm 3f9a2c ds1 -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1
  lvslab ipvsadm 3f9a2c ds1 -Ln
  lvslab ipvsadm 3f9a2c ds1 -Lnc

--director-status prints the daemon's own counters as JSON (packets, NAT rewrites, kernel queue
drops, rules, hosted modules) instead.

Exit status: ipvsadm's; 1 when the director's load balancer cannot be reached (not running, not
answering, not a director); 2 usage error (unknown lab or host).`;

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const ipvsadmCommand: Command = {
  name: 'ipvsadm',
  summary: "run ipvsadm against a lab director's load balancer",
  usage,
  async run(argv) {
    // `lvslab ipvsadm --help` is ours; `lvslab ipvsadm LAB DS --help` is ipvsadm's own help
    if (argv.length <= 1 && printedHelp(argv, usage)) return 0;
    const [typed, director, ...args] = argv;
    if (!typed || !director || args.length === 0) throw new UsageError('needs a lab id, a director and ipvsadm arguments');
    requireRoot('ipvsadm', "it talks to the director daemon in the lab's namespace, starting it if needed");
    const lab = await attachLab(await labIdFrom(typed)); // the full id or a unique prefix, as every lab command takes
    hostFrom(lab, director);
    if (args.length === 1 && args[0] === '--director-status') {
      process.stdout.write(JSON.stringify(await keptStatus(lab, director), null, 2) + '\n');
      return 0;
    }
    // only -R/--restore reads stdin; anything else must not block on a terminal or a pipe
    const stdin = args.some((a) => a === '-R' || a === '--restore') ? await readStdin() : undefined;
    const { result, started } = await keptIpvsadm(lab, director, args, stdin);
    if (started !== undefined) process.stderr.write(`lvslab: started the embedded director daemon on ${director} (pid ${started})\n`);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.status;
  },
};
