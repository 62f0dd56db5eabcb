// Runs a shell script or a command inside the kernel VM: Debian's stock kernel under qemu (no KVM
// needed), the host root shared read-only over 9p under a tmpfs overlay so the host's own node,
// ipvsadm, ip and keepalived run unchanged, a writable 9p share (mounted at the same path inside)
// for results, and the exit status through isa-debug-exit. The VM never has a network device.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { findVmKernel, type VmKernel } from './kernel-cache.js';
import { DEBUG_EXIT_PORT, qemuArgs } from './qemu-args.js';

export interface RunInVmOptions {
  /** a bash script run inside the VM */
  script?: string;
  /** or a command (argv) run inside the VM */
  command?: string[];
  /** wall-clock bound for boot + run + poweroff; qemu is killed when it passes */
  timeoutMs: number;
  /** host directory shared read-write (same path inside); a fresh temp directory when omitted */
  shareDir?: string;
  /** working directory inside the VM (default: the share) */
  cwd?: string;
  /** extra environment for the script */
  env?: Record<string, string>;
  cpus?: number;
  memoryMb?: number;
  /** the serial console as it arrives (kernel messages + the script's output) */
  onConsole?: (chunk: string) => void;
  /** defaults to the kernel scripts/setup-kernel-vm prepared */
  kernel?: VmKernel;
}

export interface VmRunResult {
  /** the script's exit status; null when it never reported one (timeout, crash in boot) */
  exitCode: number | null;
  timedOut: boolean;
  /** the script's stdout and stderr, interleaved */
  output: string;
  /** everything the serial console printed: boot messages, then the script's output */
  console: string;
  shareDir: string;
  /** files the script left in the share, relative to it */
  files: string[];
  durationMs: number;
}

/** Control files live here inside the share; `files` leaves it out. */
const CONTROL = '.lvslab-vm';

export async function runInVm(options: RunInVmOptions): Promise<VmRunResult> {
  const { timeoutMs } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`runInVm: timeoutMs ${timeoutMs} must be a positive number`);
  if ((options.script === undefined) === (options.command === undefined)) {
    throw new Error('runInVm: give exactly one of script or command');
  }
  if (options.command && options.command.length === 0) throw new Error('runInVm: command is empty');
  let kernel = options.kernel;
  if (!kernel) {
    const found = findVmKernel();
    if (!found.ok) throw new Error(`runInVm: ${found.reason}`);
    kernel = found.kernel;
  }
  const shareDir = options.shareDir ?? mkdtempSync(join(tmpdir(), 'lvslab-vm-'));
  mkdirSync(shareDir, { recursive: true });
  const control = join(shareDir, CONTROL);
  rmSync(control, { recursive: true, force: true });
  mkdirSync(control);
  const job = options.script ?? `exec ${options.command!.map(shellQuote).join(' ')}\n`;
  writeFileSync(join(control, 'job.sh'), job);
  writeFileSync(join(control, 'stage2.sh'), stage2Script(control, options.cwd ?? shareDir, options.env ?? {}), { mode: 0o755 });

  const args = qemuArgs({
    kernel,
    shareDir,
    stage2: join(control, 'stage2.sh'),
    cpus: options.cpus ?? 2,
    memoryMb: options.memoryMb ?? 2048,
  });
  const started = Date.now();
  const qemu = execa('qemu-system-x86_64', args, { stdin: 'ignore', reject: false, buffer: false, stderr: 'pipe', stdout: 'pipe' });
  let consoleText = '';
  qemu.stdout?.setEncoding('utf8');
  qemu.stdout?.on('data', (chunk: string) => {
    consoleText += chunk;
    options.onConsole?.(chunk);
  });
  let stderrText = '';
  qemu.stderr?.setEncoding('utf8');
  qemu.stderr?.on('data', (chunk: string) => (stderrText += chunk));
  let timedOut = false;
  // qemu is the only process we start; on timeout it dies by its own pid, taking the VM with it
  const timer = setTimeout(() => {
    timedOut = true;
    if (qemu.pid !== undefined) {
      try {
        process.kill(qemu.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, timeoutMs);
  const result = await qemu;
  clearTimeout(timer);

  const rcFile = join(control, 'rc');
  let exitCode: number | null = null;
  if (existsSync(rcFile)) {
    const parsed = Number.parseInt(readFileSync(rcFile, 'utf8').trim(), 10);
    if (Number.isInteger(parsed)) exitCode = parsed;
  }
  // no rc file but isa-debug-exit spoke: qemu exits (v << 1) | 1 (v is the status, capped at 127)
  if (exitCode === null && !timedOut && typeof result.exitCode === 'number' && result.exitCode % 2 === 1) {
    exitCode = result.exitCode >> 1;
  }
  const outFile = join(control, 'output.log');
  const output = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  if (exitCode === null && !timedOut && stderrText.trim() !== '') {
    consoleText += `\n[qemu stderr] ${stderrText}`;
  }
  return {
    exitCode,
    timedOut,
    output,
    console: consoleText,
    shareDir,
    files: listFiles(shareDir).filter((f) => !f.startsWith(`${CONTROL}/`)),
    durationMs: Date.now() - started,
  };
}

/**
 * PID 1 after switch_root. Runs the job with a usable environment (fresh /run, devpts, shm,
 * lo up), records its status in the share, then reports it through isa-debug-exit and powers off.
 */
function stage2Script(control: string, cwd: string, env: Record<string, string>): string {
  const exports = Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`runInVm: env name '${k}' is not a valid variable name`);
      return `export ${k}=${shellQuote(v)}`;
    })
    .join('\n');
  return `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LVSLAB_IN_VM=1 TERM=dumb
${exports}
C=${shellQuote(control)}
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs shm /dev/shm 2>/dev/null
hostname lvslab-vm 2>/dev/null
ip link set lo up 2>/dev/null
echo "lvslab-vm: up at $(cut -d' ' -f1 /proc/uptime)s"
cd ${shellQuote(cwd)} || { echo 125 > "$C/rc"; }
if [ ! -f "$C/rc" ]; then
  { /bin/bash "$C/job.sh" </dev/null; echo $? > "$C/rc"; } 2>&1 | tee "$C/output.log"
fi
rc=$(cat "$C/rc" 2>/dev/null || echo 126)
echo "lvslab-vm: job exited $rc at $(cut -d' ' -f1 /proc/uptime)s"
sync
v=$rc; [ "$v" -gt 127 ] && v=127
printf "\\\\$(printf %03o "$v")" | dd of=/dev/port bs=1 seek=${DEBUG_EXIT_PORT} count=1 2>/dev/null
echo o > /proc/sysrq-trigger
sleep 10
`;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function listFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(root, path, out);
    else out.push(relative(root, path));
  }
  return out.sort();
}
