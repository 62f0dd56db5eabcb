// A shell kept running inside one namespace, so a sequence of commands pays for `ip netns exec`
// (fork, setns, a private mount namespace with /sys remounted) once instead of per command — under
// emulation that is most of an ipvsadm call's cost. Commands run one at a time; each one's stdout,
// stderr and status come back separately, byte for byte.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { killPid, start, type RunResult } from './proc.js';

const quote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export class NamespaceShell {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(tmpdir(), 'lvslab-nsh-'));
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: ((status: number) => void) | undefined;
  private exited = false;
  private seq = 0;
  private entered: Promise<void> | undefined;

  constructor(readonly ns: string) {
    this.proc = start('ip', ['netns', 'exec', ns, 'sh']);
    this.proc.stderr.resume();
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const m = /^__lvslab_rc=(\d+)$/.exec(line);
      if (m && this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(Number(m[1]));
      }
    });
    this.proc.on('close', () => {
      this.exited = true;
      this.waiting?.(127);
    });
  }

  /** Runs `file args...` in the namespace; `input` is its stdin. Never throws for a failing command. */
  run(file: string, args: string[], input?: string, timeoutMs = 120_000): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(file, args, input, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(file: string, args: string[], input: string | undefined, timeoutMs: number): Promise<RunResult> {
    if (this.exited) return Promise.resolve({ stdout: '', stderr: `shell in ${this.ns} has exited\n`, status: 127 });
    const n = ++this.seq;
    const o = join(this.dir, `${n}.out`);
    const e = join(this.dir, `${n}.err`);
    const i = join(this.dir, `${n}.in`);
    const stdin = input === undefined ? '</dev/null' : `<${quote(i)}`;
    if (input !== undefined) {
      // written by this process, read by the shell: same filesystem, no pipe framing needed
      writeFileSync(i, input);
    }
    return new Promise<RunResult>((resolve) => {
      const timer = setTimeout(() => {
        // a hung command would block the shell for good: kill the shell (our pid) and report it
        killPid(this.proc.pid);
      }, timeoutMs);
      this.waiting = (status) => {
        clearTimeout(timer);
        const read = (p: string) => {
          try {
            return readFileSync(p, 'utf8');
          } catch {
            return '';
          }
        };
        const result = { stdout: read(o), stderr: read(e), status: this.exited && status === 127 ? 124 : status };
        for (const p of [o, e, i]) rmSync(p, { force: true });
        resolve(result);
      };
      this.proc.stdin.write(`${[file, ...args].map(quote).join(' ')} >${quote(o)} 2>${quote(e)} ${stdin}; echo "__lvslab_rc=$?"\n`);
    });
  }

  /**
   * The shell's pid once it runs inside the namespace (it has answered a command): /proc/PID/net/
   * then shows the namespace's own tables, read without starting a process.
   */
  async insidePid(): Promise<number> {
    this.entered ??= this.run(':', []).then((r) => {
      if (r.status !== 0 || this.proc.pid === undefined) throw new Error(`shell in ${this.ns} did not start: ${r.stderr.trim()}`);
    });
    await this.entered;
    if (this.exited) throw new Error(`shell in ${this.ns} has exited`);
    return this.proc.pid!;
  }

  close(): void {
    killPid(this.proc.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
