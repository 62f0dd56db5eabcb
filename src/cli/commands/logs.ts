// `lvslab logs <lab> [host] [--follow]`: the lab's logs merged in time order, one line each. The
// reading and merging is src/lab/logs.ts; this file prints and follows.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCommandArgs } from '../args.js';
import { UsageError, printedHelp, type Command } from '../command.js';
import { attachLab } from '../../lab/lab.js';
import { LogReader, formatLogLine, labLogFiles, mergeByTime } from '../../lab/logs.js';
import { hostFrom, labIdFrom } from './lab-args.js';

const usage = `usage: lvslab logs <lab> [host] [--follow]

The logs of a running lab, merged in time order, one line each:

  TIME HOST WRITER: MESSAGE

WRITER is director (the embedded director daemon); for what keepalived would log, the keepalived
process that would log it: Keepalived_vrrp (VRRP transitions: "(VI_1) Entering MASTER STATE"),
Keepalived_healthcheckers (health checks: "Removing service [10.0.0.102]:tcp:80 from VS
[192.168.1.112]:tcp:80"), Keepalived (keepalived.conf warnings of its parent); lvslab (lvslab's
notes on a keepalived.conf); keepalived (the kernel backend's own keepalived); fault (what
'lvslab fault' did); agent(s). With a host, only that host's lines.

  --follow   keep printing lines as they come, until the lab goes down (or Ctrl-C)

A torn-down lab's logs go with it unless kept: 'lvslab down <lab> --keep-logs DIR'.`;

export const logsCommand: Command = {
  name: 'logs',
  summary: "a lab's logs (directors, VRRP, health checks, agents) in time order",
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseCommandArgs(argv, { follow: { type: 'boolean', short: 'f' } });
    if (positionals.length === 0 || positionals.length > 2) throw new UsageError('needs a lab id and at most one host');
    const lab = await attachLab(await labIdFrom(positionals[0]));
    const only = positionals[1] === undefined ? undefined : hostFrom(lab, positionals[1]);
    const hosts = lab.hosts.map((h) => h.name);
    const width = Math.max(...hosts.map((h) => h.length), 1);
    const readers = new Map<string, LogReader>();
    const readAll = async () => {
      for (const f of await labLogFiles(lab.id, hosts)) {
        if (only !== undefined && f.host !== only) continue;
        if (!readers.has(f.path)) readers.set(f.path, new LogReader(f.path, f.host, f.source));
      }
      const lines = [];
      for (const r of readers.values()) {
        for (let batch = await r.readNew(); batch.length > 0; batch = await r.readNew()) lines.push(...batch);
      }
      for (const l of mergeByTime(lines)) process.stdout.write(formatLogLine(l, width) + '\n');
    };
    await readAll();
    if (!values.follow) return 0;
    while (existsSync(lab.runDir)) {
      await sleep(250);
      await readAll();
    }
    process.stderr.write(`lvslab logs: lab ${lab.id} is gone\n`);
    return 0;
  },
};
