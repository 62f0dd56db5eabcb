// Process helpers for code that runs inside the kernel VM. They use node:child_process rather than
// execa on purpose: under emulation, loading execa's module graph over 9p costs 15-35 s per process
// (measured), more than the work itself; node:child_process is built in.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** exit status; 124 when the timeout killed it, 127 when it could not start */
  status: number;
}

/** Runs a command to completion, bounded by timeoutMs (then SIGKILL of the pid it started). */
export function run(file: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: stderr + `${file}: ${err.message}\n`, status: 127 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status: timedOut ? 124 : (code ?? 1) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-lived process; the caller keeps the handle and kills it by its pid. */
export function start(file: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* already exited */
  }
}
