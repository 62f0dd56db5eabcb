// A handle on one host of a built lab: run a command inside its namespace, start a long-lived process
// there (recorded in the run directory so teardown and gc kill it), talk to its agent.
import { closeSync, openSync } from 'node:fs';
import { execa } from 'execa';
import { processStart } from './procs.js';
import { createLogFile, recordPid } from './rundir.js';
import type { AgentClient } from './agent/client.js';
import type { Role, TopologyHost } from './topology.js';

export interface ExecOptions {
  /** text fed to stdin */
  input?: string;
  /** default 30 s; the command is killed after it */
  timeoutMs?: number;
  /** throw on a non-zero exit (default true) */
  check?: boolean;
  env?: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command that failed inside a host; names the host and command. */
export class HostCommandError extends Error {
  override name = 'HostCommandError';
  constructor(
    readonly host: string,
    readonly argv: string[],
    readonly result: ExecResult & { timedOut?: boolean },
  ) {
    const what = result.timedOut ? 'timed out' : `exited ${result.exitCode}`;
    const err = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`${host}: '${argv.join(' ')}' ${what}${err ? `: ${err}` : ''}`);
  }
}

export interface SpawnOptions {
  /** log file name in the run directory's logs/ (stdout and stderr); default "<host>-<argv0>" */
  logName?: string;
  env?: Record<string, string>;
  /** keep running after this Node process exits (labs kept by `lvslab up`); default false */
  outliveOwner?: boolean;
}

export interface SpawnedProcess {
  pid: number;
  host: string;
  logFile: string;
  /** settles when the process ends (never rejects) */
  exited: Promise<{ exitCode?: number; signal?: string }>;
  kill(signal?: NodeJS.Signals): void;
}

export interface HostContext {
  labId: string;
  namespace: string;
  startAgent(host: Host): Promise<AgentClient>;
  agentOf(host: string): AgentClient | undefined;
}

export class Host {
  readonly name: string;
  readonly role: Role;
  readonly namespace: string;

  constructor(
    readonly spec: TopologyHost,
    private readonly ctx: HostContext,
  ) {
    this.name = spec.name;
    this.role = spec.role;
    this.namespace = ctx.namespace;
  }

  /** The host's first address on its first interface (no prefix). */
  get address(): string | undefined {
    return this.spec.interfaces[0]?.addresses[0]?.split('/')[0];
  }

  /** Extra client addresses (no prefix), for probes from many sources. */
  get extraAddresses(): string[] {
    return this.spec.interfaces.flatMap((i) => i.extraAddresses.map((a) => a.split('/')[0]));
  }

  get identity(): string {
    return this.spec.identity;
  }

  /** Run argv inside the host's namespace and wait for it. */
  async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error(`${this.name}: exec needs a command`);
    const r = await execa('ip', ['netns', 'exec', this.namespace, ...argv], {
      input: opts.input,
      timeout: opts.timeoutMs ?? 30_000,
      reject: false,
      env: opts.env,
      stripFinalNewline: false,
    });
    const result = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
    if ((opts.check ?? true) && (r.exitCode !== 0 || r.timedOut)) {
      throw new HostCommandError(this.name, argv, { ...result, timedOut: r.timedOut });
    }
    return result;
  }

  /** Start a long-lived process inside the host; the lab records its pid and teardown kills it. */
  async spawn(argv: string[], opts: SpawnOptions = {}): Promise<SpawnedProcess> {
    if (argv.length === 0) throw new Error(`${this.name}: spawn needs a command`);
    const logName = opts.logName ?? `${this.name}-${argv[0].split('/').pop()}`;
    if (!/^[A-Za-z0-9_.-]+$/.test(logName)) throw new Error(`${this.name}: log name '${logName}' may only hold letters, digits, '_', '.', '-'`);
    const logFile = createLogFile(this.ctx.labId, logName);
    // execa hands a plain fd number straight to spawn (the child writes the file itself, and
    // keeps writing after we exit); its types only list the literals 3-9, hence the cast.
    const fd = openSync(logFile, 'a') as 3;
    try {
      const sub = execa('ip', ['netns', 'exec', this.namespace, ...argv], {
        stdin: 'ignore',
        stdout: fd,
        stderr: fd,
        reject: false,
        env: opts.env,
        detached: opts.outliveOwner ?? false,
        cleanup: !(opts.outliveOwner ?? false),
      });
      const pid = sub.pid;
      if (pid === undefined) {
        const r = await sub;
        throw new Error(`${this.name}: could not start '${argv.join(' ')}': ${r.message ?? 'no pid'}`);
      }
      if (opts.outliveOwner) sub.unref();
      await recordPid(this.ctx.labId, { pid, start: await processStart(pid), host: this.name, name: logName });
      const exited = sub.then((r) => ({ exitCode: r.exitCode, signal: r.signal }));
      return { pid, host: this.name, logFile, exited, kill: (signal = 'SIGTERM') => void sub.kill(signal) };
    } finally {
      closeSync(fd);
    }
  }

  /** The host's agent (started by the build unless the lab was built with agents off). */
  async agent(): Promise<AgentClient> {
    return this.ctx.agentOf(this.name) ?? this.ctx.startAgent(this);
  }
}
