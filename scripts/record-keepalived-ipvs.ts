// `npx tsx scripts/record-keepalived-ipvs.ts NAME`: what keepalived 2.2.7 puts in kernel IPVS for
// test/fixtures/keepalived-ipvs/NAME.conf. Boots the kernel VM (scripts/setup-kernel-vm prepares it;
// no network device), loads ip_vs and the schedulers, runs the host's Debian keepalived's checker on
// the conf (virtual and real servers, no VRRP) for 4 s, lists the table (`ipvsadm -Ln`, `-L
// --timeout`, `-Ln --thresholds`), stops it, and writes test/recordings/keepalived/NAME.json: the provenance, the conf,
// what `keepalived -t` said of it, and the listings. src/lb/keepalived/recorded.test.ts compares the
// embedded side (the conf parsed, translated into ipvsadm lines, run on the embedded IPVS) with it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeVmKernel, findVmKernel, repoRoot } from '../src/lab/vm/kernel-cache.js';
import { runInVm } from '../src/lab/vm/runner.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: npx tsx scripts/record-keepalived-ipvs.ts NAME   (test/fixtures/keepalived-ipvs/NAME.conf)\n');
  process.exit(2);
}
const confFile = join(repoRoot(), 'test', 'fixtures', 'keepalived-ipvs', `${name}.conf`);
const conf = readFileSync(confFile, 'utf8');
const found = findVmKernel();
if (!found.ok) throw new Error(`record-keepalived-ipvs: ${found.reason}`);
const share = mkdtempSync(join(tmpdir(), 'lvslab-ka-ipvs-'));
try {
  copyFileSync(confFile, join(share, 'keepalived.conf'));
  // the checker adds every real server at once (no health checks in these confs); 4 s is generous
  const r = await runInVm({
    shareDir: share,
    timeoutMs: 240_000,
    kernel: found.kernel,
    script: [
      'set -e',
      // every scheduler module the kernel has (keepalived does not load them; IPVS asks for them)
      'modprobe ip_vs; for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos; do modprobe ip_vs_$s 2>/dev/null || true; done',
      'keepalived --version > versions.txt 2>&1; ipvsadm --version >> versions.txt',
      // what keepalived says of the file (its config test: the lines lvslab's parser gives too)
      // from the share, so its lines name the file as the parser's do: "(keepalived.conf: Line N)"
      `(cd ${share} && keepalived -t -f keepalived.conf > config-test.txt 2>&1) || true`,
      `keepalived -n -l -D --check -f ${share}/keepalived.conf -p /tmp/ka.pid -c /tmp/kac.pid > keepalived.log 2>&1 &`,
      'sleep 4',
      'ipvsadm -Ln > ipvsadm-Ln.txt',
      'ipvsadm -L --timeout > ipvsadm-timeout.txt',
      'ipvsadm -Ln --thresholds > ipvsadm-thresholds.txt',
      'kill %1; wait || true',
    ].join('\n'),
  });
  if (r.exitCode !== 0) throw new Error(`the VM run failed (exit ${r.exitCode}):\n${r.output}`);
  const versions = readFileSync(join(share, 'versions.txt'), 'utf8').trim().split('\n');
  const recording = {
    provenance: {
      keepalived: `${versions[0]}, Debian package, /usr/sbin/keepalived -n -l -D --check -f keepalived.conf`,
      ipvsadm: `${versions.find((v) => v.startsWith('ipvsadm')) ?? '?'}, Debian package`,
      kernel: `VM kernel ${describeVmKernel(found.kernel)}`,
      recorded: new Date().toISOString().slice(0, 10),
      how: `npx tsx scripts/record-keepalived-ipvs.ts ${name}: keepalived's checker ran test/fixtures/keepalived-ipvs/${name}.conf in the kernel VM for 4 s, then ipvsadm -Ln`,
    },
    conf,
    configTest: readFileSync(join(share, 'config-test.txt'), 'utf8').split('\n').filter((l) => l !== ''),
    ipvsadmLn: readFileSync(join(share, 'ipvsadm-Ln.txt'), 'utf8'),
    ipvsadmTimeout: readFileSync(join(share, 'ipvsadm-timeout.txt'), 'utf8'),
    ipvsadmThresholds: readFileSync(join(share, 'ipvsadm-thresholds.txt'), 'utf8'),
  };
  const out = join(repoRoot(), 'test', 'recordings', 'keepalived', `${name}.json`);
  writeFileSync(out, JSON.stringify(recording, null, 2) + '\n');
  process.stdout.write(`${out}\n${recording.ipvsadmLn}`);
} finally {
  rmSync(share, { recursive: true, force: true });
}
