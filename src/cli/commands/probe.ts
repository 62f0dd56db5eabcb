// `lvslab probe <lab>`: send HTTP (or UDP) probes from a lab host and say which real server answered
// each one. A temporary agent runs in the host for the duration; nothing is sent from the root
// namespace.
import { parseArgs } from 'node:util';
import { UsageError, printedHelp, type Command } from '../command.js';
import { attachLab } from '../../lab/lab.js';
import { labIdFrom, requireRoot } from './lab-args.js';

const usage = `usage: lvslab probe <lab> [--from HOST] [--target ADDR] [--port N] [--count N]
                   [--udp] [--keepalive] [--source ADDR]... [--json]

Probe a lab from one of its hosts (default: its client) and print, per probe, the real server that
answered (the <h1> of its page, or a UDP echo), the latency and the source address:port used.
Default target: the lab's VIP, port 80 (HTTP) or 9999 (UDP). At most 10000 probes.

  --from HOST     the host to probe from (default: the lab's client)
  --target ADDR   where to send (default: the lab's VIP)
  --count N       number of probes (default 4)
  --udp           UDP datagrams, waiting for an echo (needs an echoing service)
  --keepalive     reuse HTTP connections (default: a fresh connection per request, like curl)
  --source ADDR   source address (repeat for several: the client's extra addresses)
  --json          print the results as JSON

  lvslab probe 3f9a2c --count 6`;

export const probeCommand: Command = {
  name: 'probe',
  summary: 'send probes from a lab host and show which server answered',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        target: { type: 'string' },
        port: { type: 'string' },
        count: { type: 'string' },
        udp: { type: 'boolean' },
        keepalive: { type: 'boolean' },
        source: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('needs exactly one lab id');
    const num = (name: string, v: string | undefined, dflt: number, max: number) => {
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got '${v}')`);
      return n;
    };
    const count = num('count', values.count, 4, 10_000);
    const port = num('port', values.port, values.udp ? 9999 : 80, 65535);
    const lab = await attachLab(await labIdFrom(positionals[0]));
    const target = values.target ?? lab.vip;
    if (!target) throw new UsageError(`lab ${lab.id} has no VIP; give --target`);
    const from = values.from ? lab.host(values.from) : lab.client;
    requireRoot('lvslab probe');
    const agent = await lab.startAgent(from.name);
    try {
      const localAddress = values.source && values.source.length > 0 ? values.source : undefined;
      const results = values.udp
        ? await agent.udp(target, { port, count, waitReply: true, localAddress })
        : await agent.http(target, { port, count, keepAlive: values.keepalive ?? false, localAddress });
      if (values.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      else {
        for (const r of results) {
          const addr = r.localAddress ?? from.address ?? '';
          const src = r.localPort ? (addr.includes(':') ? `[${addr}]:${r.localPort}` : `${addr}:${r.localPort}`) : addr;
          process.stdout.write(`${String(r.index + 1).padStart(4)}  ${(r.ok ? (r.server ?? '(no identity)') : `error ${r.error}`).padEnd(16)} ${r.latencyMs.toFixed(1).padStart(8)} ms  from ${src}\n`);
        }
      }
      return results.every((r) => r.ok) ? 0 : 1;
    } finally {
      await agent.stop();
    }
  },
};
