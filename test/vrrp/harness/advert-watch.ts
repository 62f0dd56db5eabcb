// Knowing when the master last advertised, so a fault can be injected at a fixed phase of its advert
// timer: the outage after a hard failure is (master-down interval - time since the last advert), and
// a random phase would swamp a 0.1 s comparison between implementations with ±0.5 s of noise.
// tcpdump runs in the backup's namespace (bounded by `timeout`), and its log is tailed.
import { openSync, readSync, closeSync, existsSync, statSync } from 'node:fs';
import type { Lab, SpawnedProcess } from '../../../src/lab/index.js';
import { sleep } from './directors.js';

export class AdvertWatch {
  private proc?: SpawnedProcess;
  private offset = 0;

  constructor(
    private readonly lab: Lab,
    private readonly onHost: string,
    private readonly ifname: string,
    private readonly from: string,
  ) {}

  async start(maxSeconds = 600): Promise<void> {
    this.proc = await this.lab.host(this.onHost).spawn(
      ['timeout', String(maxSeconds), 'tcpdump', '-l', '-n', '-i', this.ifname, '-Q', 'in', 'proto', '112', 'and', 'src', 'host', this.from],
      { logName: `advert-watch-${this.onHost}` },
    );
    await sleep(300); // tcpdump needs a moment to attach
    this.offset = this.size();
  }

  private size(): number {
    return this.proc && existsSync(this.proc.logFile) ? statSync(this.proc.logFile).size : 0;
  }

  /** resolves (Date.now()) when the next advert from `from` is seen */
  async next(timeoutMs = 5000): Promise<number> {
    if (!this.proc) throw new Error('AdvertWatch: not started');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const size = this.size();
      if (size > this.offset) {
        const buf = Buffer.alloc(size - this.offset);
        const fd = openSync(this.proc.logFile, 'r');
        try {
          readSync(fd, buf, 0, buf.length, this.offset);
        } finally {
          closeSync(fd);
        }
        this.offset = size;
        if (/VRRP/.test(buf.toString('utf8'))) return Date.now();
      }
      if (Date.now() > deadline) throw new Error(`no VRRP advert from ${this.from} seen on ${this.onHost}/${this.ifname} within ${timeoutMs} ms`);
      await sleep(2);
    }
  }

  async stop(): Promise<void> {
    this.proc?.kill('SIGTERM');
    if (this.proc) await Promise.race([this.proc.exited, sleep(2000)]);
    this.proc = undefined;
  }
}
