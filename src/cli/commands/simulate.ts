// `lvslab simulate [FILE|-]`: replay a trace (ipvsadm lines, new connections, packets, time steps)
// against the embedded IPVS and print what it decides. The format is src/lb/ipvs/trace.ts, the runner
// src/lb/simulate/run.ts; this file only reads the input and prints.
import fs from 'node:fs';
import { UsageError, printedHelp, type Command } from '../command.js';
import { kernelProfile, type KernelProfile } from '../../lb/ipvs/kernel.js';
import { TraceError } from '../../lb/ipvs/trace.js';
import { runTrace } from '../../lb/simulate/run.js';
import { checkAgainstRecording } from '../../lb/kernel/recording/check.js';
import { GoldenError } from '../../lb/kernel/recording/golden.js';

const usage = `usage: lvslab simulate [--seed N] [--kernel K] [--expect RECORDING] [FILE|-]

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
Exit status: 0, or the highest exit status an ipvsadm line had; 2 for a trace it cannot read.

--expect RECORDING: instead of printing the output, compare it with a kernel recording of this
trace ('lvslab record TRACE > TRACE.golden'), item by item, as the kernel differential does: exact,
except what is live in a recording (-Lnc rows as a set with expiry within the time the replay took,
--nosort service blocks as a set, --rate by zero/non-zero, --stats TCP rows by Conns); ipvsadm exit
statuses too. Prints the verdict and where the recording came from, and for each differing trace
line its kernel (-) and embedded (+) lines. Exit status with --expect: 0 the embedded IPVS agrees
with the recording; 1 it disagrees; 2 a trace or recording it cannot read, a recording without its
provenance header, or a recording of another trace.`;

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
    let expectFile: string | undefined;
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
      } else if (a === '--expect') {
        const v = argv[++i];
        if (v === undefined || (v.startsWith('-') && v !== '-')) throw new UsageError(`--expect needs a kernel recording file (from 'lvslab record'), got '${v ?? ''}'`);
        expectFile = v;
      } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
      else files.push(a);
    }
    if (files.length > 1) throw new UsageError('takes one trace file (or - for stdin)');
    if (expectFile === '-' && (files[0] === undefined || files[0] === '-')) throw new UsageError('the trace and --expect cannot both be read from stdin');
    const text = await readAll(files[0]);
    if (expectFile !== undefined) {
      let golden: string;
      try {
        golden = fs.readFileSync(expectFile === '-' ? 0 : expectFile, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read kernel recording '${expectFile}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const traceName = files[0] && files[0] !== '-' ? files[0] : 'stdin';
      try {
        const r = checkAgainstRecording(text, golden, { seed, kernel, traceName, goldenName: expectFile === '-' ? 'stdin' : expectFile });
        process.stdout.write(r.report);
        return r.ok ? 0 : 1;
      } catch (e) {
        if (e instanceof TraceError || e instanceof GoldenError) {
          process.stderr.write(`lvslab simulate: ${e.message}\n`);
          return 2;
        }
        throw e;
      }
    }
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
