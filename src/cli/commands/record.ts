// `lvslab record [--kernel vm|native] TRACE > TRACE.golden`: a user's trace through the real kernel
// IPVS, written as a recording with its provenance. The recording itself is
// src/lb/kernel/recording/record.ts; this file reads the input, picks where and prints.
import fs from 'node:fs';
import { InputError, UsageError, printedHelp, type Command } from '../command.js';
import { parseCommandArgs } from '../args.js';
import { RecordingInputError, recordTrace, type RecordKernel } from '../../lb/kernel/recording/record.js';

const usage = `usage: lvslab record [--kernel vm|native] [-o FILE] TRACE

Run a trace (the 'lvslab simulate' format: ipvsadm lines, conn, packet, advance) through the real
kernel IPVS with real connections and print what the kernel printed, item by item, under a
provenance header: the kernel's Debian package and version, whether it is the kernel lvslab pins
(kernel-pin.json), ipvsadm's version, when and how it was recorded. Check the embedded IPVS (or a
later kernel's recording) against it with 'lvslab simulate TRACE --expect TRACE.golden'.

  lvslab record wrr.trace > wrr.trace.golden
  lvslab simulate wrr.trace --expect wrr.trace.golden

How the trace becomes traffic: a lab of namespaces (a client holding every client address, a
director holding the VIPs with the kernel's IPVS, one namespace per real server); 'conn tcp' is a
real connect from exactly that address and port, held open; 'conn udp' one datagram; of the packet
lines only what a client can do is replayed (in F: close, in R: reset, in P: a line of data); the
real server that answers names itself; 'advance N' is a real sleep (at most 300 s in all). Traces
for both the kernel and the embedded IPVS spell out the handshake and close segments (docs/kernel.md,
"Your own kernel recordings").

  --kernel vm       record in the kernel VM (qemu; prepare it once with scripts/setup-kernel-vm)
  --kernel native   record on this host's kernel (needs root and IPVS in the host kernel)
                    default: native where the host kernel has IPVS, else vm
  -o, --output FILE write the recording to FILE (only once it is complete) instead of stdout

Progress goes to stderr. Exit status: 0 recorded; 1 the recording failed (the VM or the replay
broke: the message says where); 2 bad input or nowhere to record (an unreadable trace or line, a
trace the replay cannot carry, no prepared VM kernel, not root for --kernel native).`;

export const recordCommand: Command = {
  name: 'record',
  summary: "record a trace's output from the real kernel IPVS (kernel VM or host), with provenance",
  usage,
  async run(argv) {
    if (printedHelp(argv, usage)) return 0;
    const { values, positionals } = parseCommandArgs(argv, { kernel: { type: 'string' }, output: { type: 'string', short: 'o' } });
    const kernel = values.kernel;
    if (kernel !== undefined && kernel !== 'vm' && kernel !== 'native') throw new UsageError(`--kernel takes vm or native, got '${kernel}'`);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'takes the trace file to record (or - for stdin)' : 'takes one trace file');
    const file = positionals[0];
    const text = await readTrace(file);
    const name = file === '-' ? 'stdin' : file;
    let recording: string;
    try {
      recording = await recordTrace(text, { kernel: kernel as RecordKernel | undefined, name, onProgress: (m) => process.stderr.write(`lvslab record: ${m}\n`) });
    } catch (err) {
      if (err instanceof RecordingInputError) throw new InputError(err.message);
      throw err;
    }
    if (values.output !== undefined) fs.writeFileSync(values.output, recording);
    else process.stdout.write(recording);
    return 0;
  },
};

async function readTrace(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read trace '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
