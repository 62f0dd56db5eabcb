// A hand-built namespace lab for testing the director daemon's data plane on its own (without the
// lab builder): client -- ds -- br0 -- rs1/rs2, the article's addresses, named lvs-<id>-<host> so
// `lvslab gc` finds leftovers. Every process started here is killed by pid in `destroy()`.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

const RS_SERVER = `
const http = require('node:http'), dgram = require('node:dgram');
const name = process.argv[1];
http.createServer((req, res) => {
  let n = 0; req.on('data', (c) => n += c.length);
  req.on('end', () => res.end(name + ' ' + req.socket.remoteAddress + '\\n'));
}).listen(80, '0.0.0.0');
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => u.send(Buffer.concat([Buffer.from(name + ' '), m]), r.port, r.address));
u.bind(9999);
setTimeout(() => process.exit(0), 300000);
`;

export class HandLab {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), `lvs-${this.id}-`));
  private procs: ResultPromise[] = [];
  constructor() {}
  ns(host: string): string {
    return `lvs-${this.id}-${host}`;
  }

  async build(opts: { drVipOnRs?: boolean } = {}): Promise<void> {
    const [c, ds, r1, r2] = ['client', 'ds', 'rs1', 'rs2'].map((h) => this.ns(h));
    const cmds = [
      ...[c, ds, r1, r2].map((n) => `netns add ${n}`),
      `link add eth0 netns ${c} type veth peer name eth0 netns ${ds}`,
      `link add eth0 netns ${r1} type veth peer name r1 netns ${ds}`,
      `link add eth0 netns ${r2} type veth peer name r2 netns ${ds}`,
    ];
    await execa('ip', ['-batch', '-'], { input: cmds.join('\n') + '\n' });
    const per: Record<string, string[]> = {
      [c]: ['link set lo up', 'link set eth0 up', 'addr add 192.168.1.100/24 dev eth0', 'addr add 192.168.1.101/24 dev eth0', 'route add default via 192.168.1.112'],
      [ds]: ['link set lo up', 'link add br0 type bridge', 'link set r1 master br0', 'link set r2 master br0', 'link set br0 up', 'link set r1 up', 'link set r2 up', 'link set eth0 up',
        'addr add 192.168.1.112/24 dev eth0', 'addr add 10.0.0.105/24 dev br0'],
      [r1]: ['link set lo up', 'link set eth0 up', 'addr add 10.0.0.101/24 dev eth0', 'route add default via 10.0.0.105'],
      [r2]: ['link set lo up', 'link set eth0 up', 'addr add 10.0.0.102/24 dev eth0', 'route add default via 10.0.0.105'],
    };
    if (opts.drVipOnRs) for (const r of [r1, r2]) per[r].push('addr add 192.168.1.112/32 dev lo');
    for (const [n, list] of Object.entries(per)) await execa('ip', ['-n', n, '-batch', '-'], { input: list.join('\n') + '\n' });
    await execa('ip', ['netns', 'exec', ds, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    if (opts.drVipOnRs) {
      for (const r of [r1, r2]) await execa('ip', ['netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
      // DR replies come from the VIP straight back through the director (our only router here)
      await execa('ip', ['netns', 'exec', ds, 'sysctl', '-qw', 'net.ipv4.conf.br0.accept_local=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.br0.rp_filter=0']);
    }
    for (const [h, n] of [['RS1', r1], ['RS2', r2]] as const) {
      this.spawn(n, ['node', '-e', RS_SERVER, h]);
    }
    await this.waitFor(async () => {
      for (const ip of ['10.0.0.101', '10.0.0.102']) {
        const r = await execa('ip', ['netns', 'exec', ds, 'curl', '-s', '-m', '1', `http://${ip}/`], { reject: false });
        if (r.exitCode !== 0) return false;
      }
      return true;
    }, 10_000, 'real servers listening');
  }

  /** Start a process in a namespace; with `log`, its stdout+stderr go to that file. */
  spawn(ns: string, argv: string[], log?: string): ResultPromise {
    const p = log
      ? execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, stdin: 'ignore', stdout: { file: log }, stderr: { file: log }, cleanup: true })
      : execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, stdin: 'ignore', all: true, buffer: true, cleanup: true });
    this.procs.push(p);
    return p;
  }

  exec(host: string, argv: string[], timeoutMs = 20_000) {
    return execa('ip', ['netns', 'exec', this.ns(host), ...argv], { reject: false, timeout: timeoutMs });
  }

  async waitFor(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await fn().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Kill our processes by pid and delete the namespaces, whatever state they are in. */
  async destroy(): Promise<void> {
    for (const p of this.procs) if (p.pid && p.exitCode === null) p.kill('SIGKILL');
    await Promise.allSettled(this.procs);
    for (const h of ['client', 'ds', 'rs1', 'rs2']) await execa('ip', ['netns', 'del', this.ns(h)], { reject: false });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
