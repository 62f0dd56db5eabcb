// @ts-check
// Prepares the kernel VM that runs the kernel-backend suites where the host kernel has no IPVS:
// Debian's stock kernel (the one kernel-pin.json names), fetched with `apt-get download`
// and unpacked with dpkg-deb — never installed on the host — reduced to vmlinux (qemu boots the
// uncompressed image through its PVH entry, which is what makes qboot fast) plus the module tree
// IPVS, netfilter, veth/bridge, 9p and overlayfs need, and a busybox initramfs whose /init mounts
// the host root read-only over 9p under a tmpfs overlay (src/lab/vm/runner.ts boots it).
//
// Idempotent: everything lands under $LVSLAB_KERNEL_VM_DIR (default .cache/kernel-vm in the repo,
// gitignored, kept by CI between steps of a run); a finished build is marked by <release>/ready.
// Installs nothing: scripts/setup installs qemu-system-x86, busybox-static and kmod.
//
// A zx script run by node (scripts/setup-kernel-vm starts it; zx is a dependency, so it runs from
// the published package too): the decisions are JavaScript, the tools (apt, dpkg-deb, tar, depmod,
// modprobe, xz, cpio) run through zx's $, whose interpolations are quoted arguments.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $, cd, ProcessOutput } from 'zx';

const NAME = 'setup-kernel-vm';

/** @param {string} message @param {number} [code] @returns {never} */
function fail(message, code = 1) {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(code);
}

// Commands' stderr goes straight to ours and their stdout is read by the script, as in a shell;
// zx runs each under bash with `set -euo pipefail`, so a failing stage of a pipe fails the command.
const sh = $({ stdio: ['ignore', 'pipe', 'inherit'] });
// For look-ups whose complaints mean only "not there" (apt-cache on a package the archive lacks):
// zx shows a command's stderr unless it is quiet.
const quiet = $({ stdio: ['ignore', 'pipe', 'pipe'], quiet: true, nothrow: true });

/**
 * Runs a command to completion; a failure ends the script with the command's exit status, naming it.
 * @param {import('zx').ProcessPromise} p
 */
async function run(p) {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ProcessOutput) fail(`\`${p.cmd}\` failed (exit ${err.exitCode})`, err.exitCode || 1);
    throw err;
  }
}

cd(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
const CACHE = process.env.LVSLAB_KERNEL_VM_DIR || `${process.cwd()}/.cache/kernel-vm`;

/** On PATH, or in the sbin directories a non-root PATH often lacks. @param {string} cmd */
function found(cmd) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
/** @param {string} cmd @param {string} pkg */
function need(cmd, pkg) {
  if (!found(cmd)) fail(`${cmd} is missing (${pkg}); run scripts/setup as root`);
}
need('qemu-system-x86_64', 'qemu-system-x86');
need('depmod', 'kmod');
need('modprobe', 'kmod');
need('dpkg-deb', 'dpkg');
need('xz', 'xz-utils');
need('apt-get', 'apt');
if (!existsSync('/bin/busybox')) fail('/bin/busybox is missing (busybox-static)');
if (!existsSync('/usr/share/qemu/qboot.rom')) fail('/usr/share/qemu/qboot.rom is missing (qemu-system-x86)');
process.env.PATH = `${process.env.PATH}:/usr/sbin:/sbin`;

// The pinned kernel (kernel-pin.json: the one the recordings were made on). While the archive still
// has that exact package version it is the one fetched; when it no longer does, the current kernel
// is taken and said loudly: the live differential then shows whether behaviour moved.
/** @type {{ package?: unknown, version?: unknown }} */
let pinFile = {};
try {
  pinFile = JSON.parse(readFileSync('kernel-pin.json', 'utf8'));
} catch {
  // named below: a pin that cannot be read names no package/version
}
const PIN_PKG = typeof pinFile.package === 'string' ? pinFile.package : '';
const PIN_VER = typeof pinFile.version === 'string' ? pinFile.version : '';
if (!PIN_PKG || !PIN_VER) fail('kernel-pin.json names no package/version');

/** Whether the archive offers exactly this version of the package. @param {string} pkg @param {string} ver */
async function hasVersion(pkg, ver) {
  const out = await quiet`apt-cache madison ${pkg}`;
  return out.stdout.split('\n').some((line) => (line.split('|')[1] ?? '').replace(/ /g, '') === ver);
}
/** linux-image-amd64 is a metapackage; its dependency names the concrete current kernel package. */
async function resolveCurrent() {
  const out = await quiet`apt-cache depends linux-image-amd64`;
  return /^ *Depends: (linux-image-[0-9][^ \n]*)$/m.exec(out.stdout)?.[1] ?? '';
}
const release = (/** @type {string} */ pkg) => pkg.replace(/^linux-image-/, '');

let pinned = true;
let PKG = PIN_PKG;
let VER = PIN_VER;
if (!existsSync(`${CACHE}/${release(PIN_PKG)}/ready`) && !(await hasVersion(PIN_PKG, PIN_VER))) {
  await quiet`apt-get update -qq`;
  if (!(await hasVersion(PIN_PKG, PIN_VER))) {
    PKG = await resolveCurrent();
    if (!PKG) fail(`the pinned ${PIN_PKG} ${PIN_VER} is not in the archive and linux-image-amd64 names no kernel`);
    VER = /^ *Candidate: ([^\n]*)$/m.exec((await quiet`apt-cache policy ${PKG}`).stdout)?.[1] ?? '';
    pinned = false;
    process.stderr.write(
      [
        `${NAME}: WARNING: the pinned kernel ${PIN_PKG} ${PIN_VER} is no longer in the archive.`,
        `${NAME}: WARNING: using ${PKG} ${VER} instead. The recordings were made on the pinned kernel;`,
        `${NAME}: WARNING: the kernel differential shows whether behaviour moved. Move the pin in`,
        `${NAME}: WARNING: kernel-pin.json and re-record every recording (docs/kernel.md).`,
      ].join('\n') + '\n',
    );
  }
}
const KV = release(PKG);
const DIR = `${CACHE}/${KV}`;
const readyLine = `${NAME}: kernel ${KV} (${PKG} ${VER}${pinned ? ', pinned' : ', NOT the pinned kernel'}) ready in ${DIR}\n`;

/** `ln -sfn`, but atomic: a reader never finds `current` missing while it is replaced. */
async function pointCurrentAt(/** @type {string} */ kv) {
  const tmp = `${CACHE}/.current-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(kv, tmp);
  await rename(tmp, `${CACHE}/current`);
}

// Bumped whenever the initramfs /init below changes, so an older cache is rebuilt.
const INIT_REV = 3;
const readyFile = `${DIR}/ready`;
if (existsSync(readyFile) && (await readFile(readyFile, 'utf8')).replace(/\n+$/, '') === `init-rev ${INIT_REV}`) {
  await pointCurrentAt(KV);
  process.stdout.write(readyLine);
  process.exit(0);
}

process.stdout.write(`${NAME}: preparing kernel ${KV} in ${DIR}\n`);
await rm(DIR, { recursive: true, force: true });
await mkdir(`${DIR}/tree`, { recursive: true });
await mkdir(`${DIR}/debs`, { recursive: true });
// apt-get says it downloads unsandboxed when run as root; that is expected here, the rest is shown.
const download = await quiet({ cwd: `${DIR}/debs` })`apt-get download -qq ${`${PKG}=${VER}`}`;
const said = download.stdall.split('\n').filter((l) => l && !l.startsWith('W: Download is performed unsandboxed'));
if (said.length > 0) process.stderr.write(said.join('\n') + '\n');
const DEB = (await readdir(`${DIR}/debs`)).filter((f) => f.startsWith(`${PKG}_`) && f.endsWith('.deb')).sort()[0];
if (!DEB) fail(`apt-get download ${PKG} produced no .deb`);

// Only what the VM loads: the image, module metadata, networking (ipvs, netfilter, bridge, veth),
// the 9p/overlay stack for the root, virtio, and the libraries and crypto those depend on.
const wanted = [
  './boot/vmlinuz-*', './lib/modules/*/modules.*', './lib/modules/*/kernel/net/*',
  './lib/modules/*/kernel/fs/9p/*', './lib/modules/*/kernel/fs/netfs/*', './lib/modules/*/kernel/fs/fscache/*',
  './lib/modules/*/kernel/fs/overlayfs/*', './lib/modules/*/kernel/drivers/virtio/*',
  './lib/modules/*/kernel/drivers/net/*', './lib/modules/*/kernel/lib/*',
  './lib/modules/*/kernel/arch/x86/crypto/*', './lib/modules/*/kernel/crypto/*',
];
await run(sh`dpkg-deb --fsys-tarfile ${`${DIR}/debs/${DEB}`} | tar -x -C ${`${DIR}/tree`} --wildcards ${wanted}`);
await run(sh`depmod -b ${`${DIR}/tree`} ${KV}`);
await rm(`${DIR}/debs`, { recursive: true, force: true });

// vmlinuz is a bzImage with an xz payload; the payload is the ELF vmlinux qemu boots directly.
const VMLINUZ = `${DIR}/tree/boot/vmlinuz-${KV}`;
const image = await readFile(VMLINUZ);
const xzMagic = image.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
if (xzMagic < 0) fail(`no xz payload in ${VMLINUZ}`);
// --single-stream: the bzImage's trailer after the stream is not xz data and is ignored
const payload = `${DIR}/vmlinux.xz`;
await writeFile(payload, image.subarray(xzMagic));
const unxz = await $({ stdio: ['ignore', 'pipe', 'inherit'], nothrow: true })`xz -dc --single-stream ${payload} > ${`${DIR}/vmlinux`}`;
await rm(payload, { force: true });
if (!unxz.ok) fail(`xz could not decompress ${VMLINUZ}`);
const head = Buffer.alloc(4);
const vmlinux = await open(`${DIR}/vmlinux`);
await vmlinux.read(head, 0, 4, 0).finally(() => vmlinux.close());
if (!head.includes('ELF')) fail('decompressed kernel is not an ELF image');

// initramfs: busybox + the modules needed to reach the 9p root, in dependency order.
const I = `${DIR}/initramfs`;
for (const d of ['bin', 'dev', 'proc', 'sys', 'mnt/lower', 'mnt/rw', 'newroot', 'lib/modules']) await mkdir(`${I}/${d}`, { recursive: true });
await copyFile('/bin/busybox', `${I}/bin/busybox`);
const depends = await $({ stdio: ['ignore', 'pipe', 'inherit'], nothrow: true })`modprobe -d ${`${DIR}/tree`} -S ${KV} --show-depends -a virtio_pci 9pnet_virtio 9p overlay`;
const modules = [...new Set(depends.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[0] === 'insmod' && f[1]).map((f) => f[1]))];
for (const m of modules) await copyFile(m, `${I}/lib/modules/${basename(m)}`);
if (modules.length === 0) fail('module closure for 9p/overlay is empty');
const MODS = modules.map((m) => ` ${basename(m)}`).join('');

// /init. The kernel hands unknown `name=value` boot parameters to init as environment variables:
// share (host path of the writable share, mounted at the same path inside), stage2 (script to run
// as PID 1 after switch_root), kmods (host path of this module tree) and kv (kernel release).
const init = `#!/bin/busybox sh
B=/bin/busybox
die() { echo "vm-init: $*"; echo o > /proc/sysrq-trigger; $B sleep 5; }
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev
for m in @MODS@; do $B insmod /lib/modules/$m || echo "vm-init: insmod $m failed"; done
$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /mnt/lower || die "9p root mount failed"
$B mount -t tmpfs -o size=1024m,mode=0755 rw /mnt/rw
$B mkdir -p /mnt/rw/upper /mnt/rw/work
$B mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot || die "overlay mount failed"
# a fresh /run: the host's netns files, sockets and pid files must not leak into the VM. /tmp stays
# the host's (read-only below the overlay): the checkout the VM runs from may live there, as CI's does.
$B mount -t tmpfs -o mode=0755 run /newroot/run
if [ -n "$share" ]; then
  $B mkdir -p "/newroot$share"
  $B mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share "/newroot$share" || die "9p share mount failed"
fi
$B mkdir -p /newroot/lib/modules
$B rm -rf "/newroot/lib/modules/$kv"
$B ln -sfn "$kmods" "/newroot/lib/modules/$kv"
for d in proc sys dev; do $B mount --move /$d /newroot/$d; done
[ -n "$stage2" ] || die "no stage2= on the kernel command line"
exec $B switch_root /newroot /bin/sh "$stage2"
`;
await writeFile(`${I}/init`, init.replace('@MODS@', MODS));
await chmod(`${I}/init`, 0o755);
await run($({ cwd: I, stdio: ['ignore', 'pipe', 'inherit'] })`find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > ${`${DIR}/initramfs.gz`}`);
await rm(I, { recursive: true, force: true });
await rm(`${DIR}/tree/boot`, { recursive: true, force: true });

await writeFile(
  `${DIR}/kernel.json`,
  `{ "release": "${KV}", "package": "${PKG}", "version": "${VER}", "pinned": ${pinned}, "vmlinux": "${DIR}/vmlinux", "initramfs": "${DIR}/initramfs.gz", "modules": "${DIR}/tree/lib/modules/${KV}" }\n`,
);
await writeFile(readyFile, `init-rev ${INIT_REV}\n`);
await pointCurrentAt(KV);
process.stdout.write(readyLine);
