// Records the traffic lab (test/recordings/ipvsadm/traffic/lab.sh) in the kernel VM (src/lab/vm: the
// pinned kernel kernel-pin.json names) and writes traffic.json, which src/lb/ipvsadm/traffic.test.ts
// replays on the embedded IPVS: the ipvsadm setup lines, every packet the director's IPVS saw (from
// tcpdump on its three interfaces: client to VIP as "in", real server to client as "out"), and each
// listing the real ipvsadm printed, all with their times. Run from a build, as root:
//   npx tsx test/ipvsadm/record-traffic.ts test/recordings/ipvsadm/traffic/traffic.json
// The VM has no network device: nothing here leaves it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeVmKernel } from '../../src/lab/vm/kernel-cache.js';
import { runInVm, shellQuote } from '../../src/lab/vm/runner.js';
import { readPcap, type CapturedPacket } from './pcap.js';
import { FACTS_SCRIPT, provenance, withRecordingDir } from './provenance.js';

const LAB = fileURLToPath(new URL('../recordings/ipvsadm/traffic/lab.sh', import.meta.url));

/** "start end status args..." lines (times in seconds since the epoch). */
function readTsv(text: string): { start: number; end: number; status: number; args: string }[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [start, end, status, args] = l.split('\t');
      return { start: Number(start), end: Number(end), status: Number(status), args };
    });
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'traffic.json';
  await withRecordingDir('lvslab-ipvsadm-traffic-', async (kernel, pin, dir) => {
    console.log(`recording the traffic lab on ${describeVmKernel(kernel, pin)}`);
    const script = [
      'set -e',
      `cd ${shellQuote(dir)}`,
      ...FACTS_SCRIPT,
      `bash ${shellQuote(LAB)} ${shellQuote(dir)} >lab.log 2>&1`,
      '',
    ].join('\n');
    const res = await runInVm({ script, shareDir: dir, timeoutMs: 900_000, kernel });
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    if (res.exitCode !== 0) throw new Error(`VM run failed (exit ${res.exitCode}, timedOut ${res.timedOut}):\n${res.output}\n${res.console.slice(-3000)}`);

    const [, nsStart, nsEnd] = read('netns.tsv').trim().split('\t').map(Number);
    const ms = (t: number): number => Math.round((t - nsStart) * 1e6) / 1e3;
    const setup = readTsv(read('setup.tsv')).map((s) => ({ start: ms(s.start), end: ms(s.end), status: s.status, args: s.args }));
    const listings = readTsv(read('listings.tsv')).map((l, i) => ({ start: ms(l.start), end: ms(l.end), status: l.status, args: l.args, stdout: read(`${i + 1}.out`) }));
    const marks = read('marks.tsv')
      .trim()
      .split('\n')
      .map((l) => {
        const [proto, daddr, dport, mark] = l.split('\t');
        return { proto, daddr, dport: Number(dport), mark: Number(mark) };
      });

    // client to VIP on the client side, real server to client on the servers' side
    const vips = new Set(marks.map((m) => m.daddr));
    for (const s of setup) for (const m of /(?:-t|-u) (\d+\.\d+\.\d+\.\d+):/.exec(s.args)?.slice(1) ?? []) vips.add(m);
    const front = readPcap(join(dir, 'dc.pcap')).filter((p) => vips.has(p.daddr));
    const clients = new Set(front.map((p) => p.saddr));
    const back = [...readPcap(join(dir, 'dr1.pcap')), ...readPcap(join(dir, 'dr2.pcap'))].filter((p) => clients.has(p.daddr) && !clients.has(p.saddr));
    const packets = [...front.map((p) => ({ dir: 'in', p })), ...back.map((p) => ({ dir: 'out', p }))].sort((a, b) => a.p.time - b.p.time);
    const packetLine = ({ dir: d, p }: { dir: string; p: CapturedPacket }): string =>
      JSON.stringify({ t: ms(p.time), dir: d, proto: p.proto, saddr: p.saddr, sport: p.sport, daddr: p.daddr, dport: p.dport, flags: p.flags, length: p.length });

    const prov = provenance(
      dir,
      kernel,
      pin,
      'test/ipvsadm/record-traffic.ts ran test/recordings/ipvsadm/traffic/lab.sh in the kernel VM (src/lab/vm/runner.ts, no network device); times are ms since `ip netns add d` began (its IPVS and 2 s estimator timer start within "ipvsCreated"); packets are tcpdump captures on the director: "in" client to VIP on dc, "out" real server to client on dr1/dr2',
    );
    const head = { provenance: prov, lab: 'test/recordings/ipvsadm/traffic/lab.sh', ipvsCreated: [0, ms(nsEnd)], marks, setup, listings };
    const json = JSON.stringify(head, null, 1);
    // one packet per line
    const text = `${json.slice(0, -2)},\n "packets": [\n  ${packets.map(packetLine).join(',\n  ')}\n ]\n}\n`;
    JSON.parse(text);
    writeFileSync(out, text);
    console.log(`recorded ${setup.length} setup lines, ${packets.length} packets, ${listings.length} listings to ${out}`);
  });
}

await main();
