// `lvslab simulate [FILE|-]`: replay a trace (ipvsadm lines, new connections, packets, time steps)
// against the embedded IPVS and print what it decides. The format is src/lb/ipvs/trace.ts, the runner
// src/lb/simulate/run.ts; this file only reads the input and prints.
import fs from 'node:fs';
import { UsageError, printedHelp, type Command } from '../command.js';
import { kernelProfile, type KernelProfile } from '../../lb/ipvs/kernel.js';
import { TraceError } from '../../lb/ipvs/trace.js';
import { runTrace } from '../../lb/simulate/run.js';

const usage = `usage: lvslab simulate [--seed N] [--kernel K] [FILE|-]

Replay a trace against lvslab's embedded IPVS (no lab, no root) and print what it decides. One item
per line, '#' starts a comment:

  -A -t 192.168.1.112:80 -s wrr                    an ipvsadm command line (without 'ipvsadm');
  -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 2  listings print exactly what ipvsadm prints
  conn tcp 10.0.0.2:40001 192.168.1.112:80         a new connection's first packet (TCP SYN or a UDP
                                                   datagram); prints "CLIENT:PORT -> RIP:RPORT" or
                                                   "CLIENT:PORT -> none"
  packet tcp 10.0.0.2:40001 192.168.1.112:80 out SA   a further segment: in (client to VIP) or out
                                                   (the real server's reply), FLAGS from F S R P A U
  advance 2                                        seconds pass (timers, expiry, rate estimator)

conn/packet lines take optional len=BYTES (IP total length) and mark=FWMARK. Reads stdin when FILE
is '-' or missing. Same input, same output: twos draws from a PRNG seeded with --seed (default 1).
--kernel K: the kernel to model — 'pinned' (the default: Debian's 6.1.0-57-amd64, whose build has no
twos) or a mainline version such as 6.7 (every scheduler module of that tree, mainline counting).
Exit status: 0, or the highest exit status an ipvsadm line had; 2 for a trace it cannot read.`;

async function readAll(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read trace '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'replay a connection trace against the embedded IPVS (no lab needed)',
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    let seed = 1;
    let kernel: KernelProfile | undefined;
    const files: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--seed') {
        const v = argv[++i];
        if (v === undefined || !/^\d+$/.test(v)) throw new UsageError(`--seed needs a non-negative integer, got '${v ?? ''}'`);
        seed = Number(v);
      } else if (a === '--kernel') {
        const v = argv[++i];
        if (v === undefined || v.startsWith('-')) throw new UsageError(`--kernel needs a kernel (e.g. 6.7 or pinned), got '${v ?? ''}'`);
        try {
          kernel = kernelProfile(v);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
      else files.push(a);
    }
    if (files.length > 1) throw new UsageError('takes one trace file (or - for stdin)');
    const text = await readAll(files[0]);
    try {
      const r = runTrace(text, { seed, kernel });
      process.stdout.write(r.output);
      return r.status;
    } catch (e) {
      if (e instanceof TraceError) {
        process.stderr.write(`lvslab simulate: ${files[0] && files[0] !== '-' ? files[0] + ': ' : ''}${e.message}\n`);
        return 2;
      }
      throw e;
    }
  },
};
