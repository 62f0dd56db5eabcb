// The sync codec against the real kernel (in the kernel VM, which has no network device: everything
// happens between namespaces inside it):
// - kernel master -> our decoder: three UDP datagrams through the kernel's IPVS make it sync the
//   connection; the datagram it multicasts is captured and decoded here;
// - our encoder -> kernel backup: records built with encodeMessage are multicast to a kernel backup
//   daemon, whose `ipvsadm -Lnc` must list exactly the connections the receive rules accept.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInVm, type VmRunResult } from '../../src/lab/vm/runner.js';
import { decodeMessage } from '../../src/lb/ipvs/sync/decode.js';
import { IP_VS_CONN_F_INACTIVE, IP_VS_CONN_F_IN_SEQ, IP_VS_CONN_F_OUT_SEQ } from '../../src/lb/ipvs/sync/message.js';
import { needs, probe } from '../../test/capabilities.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const messageJs = path.join(repoRoot, 'dist/lb/ipvs/sync/message.js');

// The kernel side always runs in the VM (it creates namespaces of its own there), also where the
// host kernel has IPVS: there it needs the prepared VM kernel too.
const kernel = await probe.kernelIpvs();

// Joins the group on the namespace's veth and prints the first datagram as hex (bounded: 20 s).
const CAPTURE = `
import dgram from 'node:dgram';
import fs from 'node:fs';
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.bind({ address: '224.0.0.81', port: 8848 }, () => {
  s.addMembership('224.0.0.81', '10.9.0.2');
  fs.writeFileSync(process.argv[2] + '.ready', '');
});
s.on('message', (m) => { console.log(m.toString('hex')); process.exit(0); });
setTimeout(() => process.exit(3), 20000);
`;

// Three datagrams from one source port: the kernel syncs a UDP conn on its 3rd packet.
const UDP_CLIENT = `
import dgram from 'node:dgram';
const s = dgram.createSocket('udp4');
s.bind(40000, () => {
  let n = 0;
  const send = () => s.send('x', 9999, '10.9.1.1', () => { if (++n < 3) setTimeout(send, 50); else s.close(); });
  send();
});
`;

// Our encoder to the kernel backup: accepted records of every kind, one the kernel must skip
// (unknown mandatory option), and a whole datagram with another syncid.
const SENDER = (messageJsPath: string) => `
import dgram from 'node:dgram';
const { encodeMessage } = await import(${JSON.stringify(messageJsPath)});
const base = { family: 4, protocol: 6, flags: 0, state: 1, vport: 80, dport: 80, fwmark: 0, timeout: 900, caddr: '10.9.1.2', vaddr: '10.9.1.1', daddr: '10.9.0.101' };
const seq = { in: { initSeq: 1000, delta: 4, previousDelta: 0 }, out: { initSeq: 2000, delta: 0, previousDelta: 0 } };
const good = encodeMessage(7, [
  { ...base, cport: 41001 },
  { ...base, cport: 41002, state: 4, timeout: 120, flags: ${IP_VS_CONN_F_INACTIVE} },
  { ...base, cport: 41003, protocol: 17, state: 0, timeout: 300, vport: 9999, dport: 9999, flags: ${IP_VS_CONN_F_INACTIVE} },
  { ...base, cport: 41004, flags: ${IP_VS_CONN_F_IN_SEQ | IP_VS_CONN_F_OUT_SEQ}, seq },
  { ...base, cport: 41005, state: 11 },
]);
// 41006 with an unknown mandatory option 9 appended by hand: record size 36 + 4
const rec = Buffer.from(encodeMessage(7, [{ ...base, cport: 41006 }]).subarray(8));
const withOpt = Buffer.concat([rec, Buffer.from([9, 2, 0xab, 0xcd])]);
withOpt.writeUInt16BE(40, 2);
const hdr = Buffer.from([0, 7, 0, 0, 2, 1, 0, 0]);
const mixed = Buffer.concat([hdr, withOpt, Buffer.from(encodeMessage(7, [{ ...base, cport: 41007 }]).subarray(8))]);
mixed.writeUInt16BE(mixed.length, 2);
const otherId = encodeMessage(8, [{ ...base, cport: 41008 }]);
const s = dgram.createSocket('udp4');
s.bind({ address: '10.9.0.1', port: 0 }, async () => {
  s.setMulticastInterface('10.9.0.1');
  s.setMulticastTTL(1);
  for (const d of [good, mixed, otherId]) await new Promise((r) => s.send(d, 8848, '224.0.0.81', r));
  s.close();
});
`;

const SCRIPT = `
set -u
modprobe ip_vs; modprobe ip_vs_rr
for n in a b c; do ip netns add $n; ip -n $n link set lo up; done
ip link add va type veth peer name vb; ip link set va netns a; ip link set vb netns b
ip -n a addr add 10.9.0.1/24 dev va; ip -n b addr add 10.9.0.2/24 dev vb
ip -n a link set va up; ip -n b link set vb up
ip link add vc type veth peer name vca; ip link set vc netns c; ip link set vca netns a
ip -n c addr add 10.9.1.2/24 dev vc; ip -n a addr add 10.9.1.1/24 dev vca
ip -n c link set vc up; ip -n a link set vca up
ip netns exec a sysctl -qw net.ipv4.ip_forward=1
# kernel master in a
ip netns exec a ipvsadm -A -u 10.9.1.1:9999 -s rr
ip netns exec a ipvsadm -a -u 10.9.1.1:9999 -r 10.9.0.99:9999 -m
ip netns exec a ipvsadm --start-daemon master --mcast-interface va --syncid 7
ip netns exec b node $SHARE/capture.mjs $SHARE/capture > $SHARE/captured.hex &
CAP=$!
for i in $(seq 1 100); do [ -e $SHARE/capture.ready ] && break; sleep 0.2; done
ip netns exec c node $SHARE/udp-client.mjs
wait $CAP; echo "capture exit $?"
ip netns exec a ipvsadm -Lnc > $SHARE/master-lnc.txt
ip netns exec a ipvsadm --stop-daemon master
# kernel backup in b, fed by our encoder from a
ip netns exec b ipvsadm -A -t 10.9.1.1:80 -s rr
ip netns exec b ipvsadm -a -t 10.9.1.1:80 -r 10.9.0.101:80 -m
ip netns exec b ipvsadm -A -u 10.9.1.1:9999 -s rr
ip netns exec b ipvsadm -a -u 10.9.1.1:9999 -r 10.9.0.101:9999 -m
ip netns exec b ipvsadm --start-daemon backup --mcast-interface vb --syncid 7
sleep 0.5
ip netns exec a node $SHARE/send.mjs
sleep 1
ip netns exec b ipvsadm -Lnc > $SHARE/backup-lnc.txt
ip netns exec b ipvsadm -Ln > $SHARE/backup-ln.txt
ip netns exec b ipvsadm -L --daemon > $SHARE/backup-daemon.txt
echo done
`;

describe(`sync codec against the kernel (${kernel.kernel.mode})`, needs(await probe.root(), kernel.cap, probe.vmKernel(), probe.built(messageJs)), () => {
  let share: string;
  let run: VmRunResult;
  const file = (name: string) => readFileSync(path.join(share, name), 'utf8');

  beforeAll(async () => {
    share = mkdtempSync(path.join(tmpdir(), 'lvslab-sync-vm-'));
    writeFileSync(path.join(share, 'capture.mjs'), CAPTURE);
    writeFileSync(path.join(share, 'udp-client.mjs'), UDP_CLIENT);
    writeFileSync(path.join(share, 'send.mjs'), SENDER(messageJs));
    run = await runInVm({ script: SCRIPT, shareDir: share, env: { SHARE: share }, timeoutMs: 240_000 });
    if (run.exitCode !== 0 || !run.output.includes('done')) throw new Error(`VM run failed (exit ${run.exitCode}, timed out ${run.timedOut}):\n${run.output.slice(-3000)}`);
  }, 300_000);

  afterAll(() => {
    if (share) rmSync(share, { recursive: true, force: true });
  });

  it("decodes the kernel master's datagram field for field", () => {
    const hex = file('captured.hex').trim();
    expect(hex, `capture: ${run.output.slice(-500)}`).toMatch(/^[0-9a-f]+$/);
    const m = decodeMessage(Buffer.from(hex, 'hex'), { syncId: 7 });
    expect(m.kind).toBe('v1');
    if (m.kind !== 'v1') return;
    expect(m.count).toBe(1);
    expect(m.records).toEqual([
      {
        ok: true,
        optional: [],
        conn: {
          family: 4,
          protocol: 17,
          flags: IP_VS_CONN_F_INACTIVE, // masq, never active (UDP), HASHED cleared
          state: 0,
          cport: 40000,
          vport: 9999,
          dport: 9999,
          fwmark: 0,
          timeout: 300,
          caddr: '10.9.1.2',
          vaddr: '10.9.1.1',
          daddr: '10.9.0.99',
        },
      },
    ]);
    expect(Buffer.from(hex, 'hex').length).toBe(8 + 36);
  });

  it('the kernel backup accepts what our encoder sends, and refuses what the rules refuse', () => {
    const lnc = file('backup-lnc.txt');
    const row = (port: number) => lnc.split('\n').find((l) => l.includes(`10.9.1.2:${port} `));
    expect(row(41001)).toMatch(/^TCP +1[45]:\d\d +ESTABLISHED +10\.9\.1\.2:41001 +10\.9\.1\.1:80 +10\.9\.0\.101:80/);
    expect(row(41002)).toMatch(/^TCP +0[12]:\d\d +FIN_WAIT +10\.9\.1\.2:41002/);
    expect(row(41003)).toMatch(/^UDP +0[45]:\d\d +UDP +10\.9\.1\.2:41003 +10\.9\.1\.1:9999 +10\.9\.0\.101:9999/);
    expect(row(41004)).toMatch(/ESTABLISHED +10\.9\.1\.2:41004/); // with SEQ_DATA
    expect(row(41005)).toBeUndefined(); // state 11 is out of the TCP table
    expect(row(41006)).toBeUndefined(); // unknown mandatory option: that record only
    expect(row(41007)).toMatch(/ESTABLISHED +10\.9\.1\.2:41007/);
    expect(row(41008)).toBeUndefined(); // another syncid
    // the INACTIVE flag decides the counters on the backup too
    expect(file('backup-ln.txt')).toMatch(/-> 10\.9\.0\.101:80 +Masq +1 +3 +1/);
    expect(file('backup-daemon.txt')).toBe('backup sync daemon (mcast=vb, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');
  });
});
