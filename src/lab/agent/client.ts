// The runner's side of a host agent: start it inside the namespace, wait until it serves, and offer
// the typed API (lab.client.agent().http(...) and friends). One request in flight or many: each
// carries an id and its answer comes back with the same id.
import { openSync, closeSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import type {
  AgentConfig,
  AgentOps,
  AgentResponse,
  ContinuousProbeOptions,
  HttpProbeOptions,
  HttpProbeResult,
  HttpRequestRecord,
  OpName,
  ServeSpec,
  Timeline,
  UdpFileOptions,
  UdpFileResult,
  UdpPeerRecord,
  UdpProbeOptions,
  UdpProbeResult,
} from './protocol.js';
import { compiledPath } from '../dist-path.js';

/** The agent's compiled entry point. Under vitest this module runs from src/, the agent from dist/. */
export function agentEntry(): string {
  return compiledPath(new URL('./main.js', import.meta.url), 'agent');
}

/** The last lines of an agent's log, to say why it died. */
function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n  ');
    return lines ? `:\n  ${lines}` : ` (log: ${file})`;
  } catch {
    return '';
  }
}

export class AgentError extends Error {
  override name = 'AgentError';
}

export interface StartAgentOptions {
  namespace: string;
  config: AgentConfig;
  logFile: string;
  /** ms to wait for the agent to report ready (default 10 s: a loaded CI machine, not the goal) */
  readyTimeoutMs?: number;
}

function spawnAgentProcess(namespace: string, config: AgentConfig, logFd: 3) {
  return execa('ip', ['netns', 'exec', namespace, process.execPath, agentEntry(), JSON.stringify(config)], {
    ipc: true,
    serialization: 'json',
    buffer: { ipc: false },
    stdin: 'ignore',
    stdout: logFd,
    stderr: logFd,
    reject: false,
  });
}
type AgentProcess = ReturnType<typeof spawnAgentProcess>;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string };

export class AgentClient {
  readonly host: string;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** settles when the agent process is gone */
  readonly exited: Promise<void>;

  private constructor(
    private readonly sub: AgentProcess,
    config: AgentConfig,
    readonly pid: number,
    readonly logFile: string,
  ) {
    this.host = config.host;
    this.exited = sub.then(() => undefined);
  }

  static async start(o: StartAgentOptions): Promise<AgentClient> {
    // execa hands a plain fd number straight to spawn (the child writes the file itself, and
    // keeps writing after we exit); its types only list the literals 3-9, hence the cast.
    const fd = openSync(o.logFile, 'a') as 3;
    let sub: AgentProcess;
    try {
      sub = spawnAgentProcess(o.namespace, o.config, fd);
    } finally {
      closeSync(fd);
    }
    const pid = sub.pid;
    if (pid === undefined) throw new AgentError(`${o.config.host}: agent did not start`);
    const client = new AgentClient(sub, o.config, pid, o.logFile);
    const ready = client.listen();
    const timeoutMs = o.readyTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AgentError(`${o.config.host}: agent not ready after ${timeoutMs} ms (log: ${o.logFile})`)), timeoutMs);
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (err) {
      sub.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** Dispatch answers; resolves once the agent said it is ready. */
  private listen(): Promise<void> {
    return new Promise<void>((resolveReady, rejectReady) => {
      let ready = false;
      void (async () => {
        try {
          for await (const msg of this.sub.getEachMessage()) {
            const m = msg as unknown as AgentResponse | { ready: true };
            if ('ready' in m) {
              ready = true;
              resolveReady();
              continue;
            }
            const p = this.pending.get(m.id);
            if (!p) continue;
            this.pending.delete(m.id);
            if (m.ok) p.resolve(m.result);
            else p.reject(new AgentError(`${this.host}: ${p.op}: ${m.error}`));
          }
        } catch {
          // the channel broke: handled below like an exit
        }
        this.closed = true;
        const r = await this.sub;
        const why = `agent exited (${r.signal ?? `code ${r.exitCode}`})`;
        if (!ready) rejectReady(new AgentError(`${this.host}: ${why} before it was ready${logTail(this.logFile)}`));
        for (const [, p] of this.pending) p.reject(new AgentError(`${this.host}: ${p.op}: ${why}`));
        this.pending.clear();
      })();
    });
  }

  /** Send one request and wait for its answer. */
  request<K extends OpName>(op: K, args: AgentOps[K]['args']): Promise<AgentOps[K]['result']> {
    if (this.closed) return Promise.reject(new AgentError(`${this.host}: agent is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
      this.sub.sendMessage({ id, op, args } as never).catch((err: Error) => {
        this.pending.delete(id);
        reject(new AgentError(`${this.host}: ${op}: ${err.message}`));
      });
    });
  }

  // ---- the typed API ----

  ping(): Promise<AgentOps['ping']['result']> {
    return this.request('ping', {});
  }

  /** Start a service: HTTP answering with the host's identity (tcp), or a per-peer UDP sink. */
  serve(spec: ServeSpec): Promise<{ protocol: string; port: number }> {
    return this.request('serve', spec);
  }

  unserve(protocol: 'tcp' | 'udp', port: number): Promise<{ stopped: boolean }> {
    return this.request('unserve', { protocol, port });
  }

  /** Requests the HTTP service saw (with the client address and port it saw), oldest first. */
  httpRequests(opts: { port?: number; clear?: boolean } = {}): Promise<HttpRequestRecord[]> {
    return this.request('httpRequests', opts);
  }

  /** Each UDP peer seen, with the file holding its datagrams. */
  udpPeers(opts: { port?: number } = {}): Promise<UdpPeerRecord[]> {
    return this.request('udpPeers', opts);
  }

  /** HTTP GETs to target (fresh connection each unless keepAlive); each result names the server. */
  http(target: string, opts: Omit<HttpProbeOptions, 'target'> = {}): Promise<HttpProbeResult[]> {
    return this.request('http', { target, ...opts });
  }

  /** UDP datagrams to target from a fresh (or the given) source port. */
  udp(target: string, opts: Omit<UdpProbeOptions, 'target'> = {}): Promise<UdpProbeResult[]> {
    return this.request('udp', { target, ...opts });
  }

  /** Like `nc -u -w 1 target port < file`. */
  udpFile(target: string, file: string, opts: Omit<UdpFileOptions, 'target' | 'file'> = {}): Promise<UdpFileResult> {
    return this.request('udpFile', { target, file, ...opts });
  }

  /** A probe every everyMs for forMs; the timeline of who answered when. */
  probeContinuously(target: string, opts: ContinuousProbeOptions): Promise<Timeline> {
    return this.request('probeContinuously', { target, ...opts });
  }

  /** Ask the agent to exit; SIGKILL it if it has not after timeoutMs. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (!this.closed) await this.request('exit', {}).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!gone) {
      this.sub.kill('SIGKILL');
      await this.exited;
    }
  }
}
