// `node --import tsx bench/nfqueue-null.ts QUEUE MAX_SECONDS`: the floor of the per-packet data plane.
// Binds NFQUEUE QUEUE with the director's own transport (nfqueue.ts over koffi: batched reads, one
// send per batch) and answers every packet NF_ACCEPT, untouched: no IPVS core, no parse, no
// rewrite. What a path through it costs over the same path without the queue is what crossing to
// user space and back costs on this machine, the part no implementation of the core can take away.
// Prints `ready` once bound, its counters when told to stop (SIGTERM), and stops by itself after
// MAX_SECONDS.
import { NfQueue } from '../src/lb/director/nfqueue.js';
import { NF_ACCEPT } from '../src/lb/director/nfqueue-codec.js';

const queue = Number(process.argv[2]);
const maxSeconds = Number(process.argv[3] ?? 600);
if (!(Number.isInteger(queue) && queue >= 0 && queue <= 65535)) throw new Error(`queue: '${process.argv[2]}' is not a queue number (0-65535)`);
if (!(maxSeconds > 0 && maxSeconds <= 3600)) throw new Error(`max seconds: '${process.argv[3]}' is not between 0 and 3600`);

const q = await NfQueue.open({ queue }, (p, sink) => sink.verdict(p.id, NF_ACCEPT, null, null));
const stop = () => {
  process.stdout.write(`${JSON.stringify(q.stats)}\n`);
  q.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxSeconds * 1000);
process.stdout.write('ready\n');
