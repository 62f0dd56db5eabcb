// Packet capture of a lab's segments, inside the switch namespace. A bridge device itself only sees
// what is delivered to it (floods), not frames it forwards between ports, so each segment is
// captured on its ports: `-i any -Q in` filtered by the ports' ifindex, each frame once as it enters
// the bridge (Linux cooked v2 headers name the port, i.e. the host). Bounded in packets and bytes; started and recorded as the lab's
// process so teardown and gc stop it even if this process dies.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { namespaceName, SWITCH_HOST, type Topology } from '../lab/index.js';
import { processStart, settlesWithin } from '../lab/procs.js';
import { recordPid } from '../lab/rundir.js';

export interface Capture {
  /** one pcap per segment */
  files: { segment: string; path: string }[];
  /** stop tcpdump and flush the files; returns the files that hold packets */
  stop(): Promise<{ segment: string; path: string; bytes: number }[]>;
}

const MAX_PACKETS = 200_000;
const SNAPLEN = 256; // headers plus the start of each payload: enough to read a probe, small on disk
// --immediate-mode: without it TPACKET_V3 hands packets over a block at a time (1 s timeout), and
// the block still filling when tcpdump is stopped is lost — exactly the last second before a failure.
// -Z root: Debian's tcpdump otherwise opens the file as user tcpdump, who cannot write our 0700 dir.

export async function startCapture(labId: string, topology: Topology, dir: string): Promise<Capture> {
  await mkdir(dir, { recursive: true });
  const ns = namespaceName(labId, SWITCH_HOST);
  const links = JSON.parse(String((await execa('ip', ['-n', ns, '-j', 'link', 'show'], { timeout: 10_000 })).stdout)) as { ifname: string; ifindex: number }[];
  const ifindex = new Map(links.map((l) => [l.ifname, l.ifindex]));
  const procs: { segment: string; path: string; sub: ResultPromise }[] = [];
  for (const s of topology.segments) {
    const ports = topology.hosts.flatMap((h) => h.interfaces.filter((i) => i.segment === s.name).map((i) => ifindex.get(i.peer)));
    if (ports.length === 0 || ports.some((p) => p === undefined)) continue;
    const filter = ports.map((p) => `ifindex ${p}`).join(' or ');
    const path = join(dir, `${s.name}.pcap`);
    const sub = execa('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'any', '-Q', 'in', '--immediate-mode', '-Z', 'root', '-U', '-n', '-s', String(SNAPLEN), '-c', String(MAX_PACKETS), '-w', path, filter], {
      reject: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
    });
    if (sub.pid !== undefined) {
      await recordPid(labId, { pid: sub.pid, start: await processStart(sub.pid), host: SWITCH_HOST, name: `tcpdump-${s.name}` });
    }
    procs.push({ segment: s.name, path, sub });
  }
  // tcpdump says "listening on" once its socket is open; packets before that are not captured.
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          p.sub.stderr?.on('data', (d: Buffer) => {
            if (d.toString().includes('listening on')) {
              clearTimeout(timer);
              resolve();
            }
          });
          void p.sub.then(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  return {
    files: procs.map(({ segment, path }) => ({ segment, path })),
    async stop() {
      for (const p of procs) p.sub.kill('SIGINT');
      await Promise.all(procs.map((p) => settlesWithin(p.sub, 3000)));
      for (const p of procs) if (p.sub.exitCode === null) p.sub.kill('SIGKILL');
      const out: { segment: string; path: string; bytes: number }[] = [];
      for (const p of procs) {
        const bytes = await stat(p.path).then((s) => s.size, () => 0);
        if (bytes > 24) out.push({ segment: p.segment, path: p.path, bytes }); // 24 bytes = an empty pcap header
      }
      return out;
    },
  };
}
