// The runner's side of the host agents: start one inside a host's namespace, wait until it serves,
// and offer the typed API (lab.client.agent().http(...) and friends). One request in flight or many:
// each carries an id and its answer comes back with the same id.
//
// Where agents run: in worker threads of the process that uses the lab (AgentThread), started once
// and shared by every agent of every lab that process opens; each agent opens its sockets in its own
// host's namespace (netns.ts). Two lanes, so that probing and serving use both cores as separate
// processes did: clients' agents in one thread, every other host's in the other. Starting an agent
// is a message, not a process: a lab's agents are ready in milliseconds, and they cannot outlive
// the process that asked for them. Labs kept by `lvslab up` get the same agents in a process of
// their own (main.ts, started by lab.ts).
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type {
  AgentConfig,
  AgentOps,
  ContinuousProbeOptions,
  HostMessage,
  HostReply,
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

/** A compiled agent file (main.js: kept agents; thread.js: the agent thread). Under vitest and tsx this module runs from src/, agents from dist/. */
export function agentEntry(file: 'main.js' | 'thread.js' = 'main.js'): string {
  return compiledPath(new URL(`./${file}`, import.meta.url), file === 'main.js' ? 'agent' : 'agent thread');
}

export class AgentError extends Error {
  override name = 'AgentError';
}

type Listener = (r: HostReply) => void;

/** Which thread a host's agent runs in: probers (clients) apart from servers, when there are two cores. */
export type AgentLane = 'probe' | 'serve';

const LANES: AgentLane[] = availableParallelism() > 1 ? ['probe', 'serve'] : ['serve'];

/**
 * A worker thread hosting this process's agents (of one lane). It holds the process open only while a request
 * is in flight (as a child's IPC channel would), so a script that forgets teardown still exits, and
 * its lab goes to gc like any lab whose owner died.
 */
class AgentThread {
  private static readonly current = new Map<AgentLane, Promise<AgentThread>>();
  private readonly listeners = new Map<string, Listener>();
  private busy = 0;
  private dead: Error | undefined;

  private constructor(
    private readonly lane: AgentLane,
    private readonly worker: Worker,
  ) {
    worker.unref();
    worker.on('message', (r: HostReply) => {
      if (r.kind === 'fatal') this.die(new AgentError(`agent thread: ${r.error}`));
      else this.listeners.get(r.key)?.(r);
    });
    worker.on('error', (err) => this.die(new AgentError(`agent thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.die(new AgentError(`agent thread exited (code ${code})`)));
  }

  /** The process's agent thread for a lane, started on first use (and again after one died). */
  static get(wanted: AgentLane): Promise<AgentThread> {
    const lane = LANES.includes(wanted) ? wanted : LANES[0];
    let current = AgentThread.current.get(lane);
    if (current) return current;
    current = (async () => {
      // libuv starts its thread pool on first use, each new thread in the namespace of the thread
      // that asked. Make sure that is this one (the process's namespace), not an agent thread
      // (an empty namespace of its own), or the runner's own name lookups would run in there.
      await stat('/');
      return new AgentThread(lane, new Worker(agentEntry('thread.js'), { execArgv: [], stdout: false, stderr: false }));
    })();
    AgentThread.current.set(lane, current);
    current.catch(() => AgentThread.forget(lane, current)); // try again next time
    return current;
  }

  private static forget(lane: AgentLane, p: Promise<AgentThread> | undefined): void {
    if (AgentThread.current.get(lane) === p) AgentThread.current.delete(lane);
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    AgentThread.current.delete(this.lane); // the next agent starts a new thread
    void this.worker.terminate();
    for (const [key, l] of this.listeners) l({ kind: 'failed', key, error: err.message });
    this.listeners.clear();
  }

  listen(key: string, l: Listener): void {
    if (this.dead) throw this.dead;
    this.listeners.set(key, l);
  }

  forget(key: string): void {
    this.listeners.delete(key);
  }

  send(msg: HostMessage): void {
    if (this.dead) throw this.dead;
    this.worker.postMessage(msg);
  }

  /** Keep the process alive while `work` runs. */
  async hold<T>(work: Promise<T>): Promise<T> {
    if (this.busy++ === 0) this.worker.ref();
    try {
      return await work;
    } finally {
      if (--this.busy === 0) this.worker.unref();
    }
  }

  /** A thread that does not answer a close: every agent in it is wedged. */
  terminate(): void {
    this.die(new AgentError('agent thread stopped: it did not answer'));
  }
}

/** Start the agent threads ahead of the first agent (buildLab does, while the namespaces are built). */
export function prestartAgentThreads(): void {
  for (const lane of LANES) void AgentThread.get(lane).catch(() => undefined);
}

export interface StartAgentOptions {
  config: AgentConfig;
  /** the thread to run in (default 'serve') */
  lane?: AgentLane;
  /** ms to wait for the agent to report ready (default 10 s: a loaded CI machine, not the goal) */
  readyTimeoutMs?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string };

let nextKey = 1;

export class AgentClient {
  readonly host: string;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private onClosed!: () => void;
  /** settles when the agent has stopped (its services closed) or its thread died */
  readonly exited = new Promise<void>((r) => (this.onClosed = r));

  private constructor(
    private readonly thread: AgentThread,
    private readonly key: string,
    config: AgentConfig,
    /** the process the agent runs in (this one) and its thread */
    readonly pid: number,
    readonly tid: number,
  ) {
    this.host = config.host;
  }

  static async start(o: StartAgentOptions): Promise<AgentClient> {
    const thread = await AgentThread.get(o.lane ?? 'serve');
    const key = `${o.config.netns}#${nextKey++}`;
    const timeoutMs = o.readyTimeoutMs ?? 10_000;
    let client: AgentClient | undefined;
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<AgentClient>((resolve, reject) => {
      thread.listen(key, (r) => {
        if (client) return client.receive(r);
        if (r.kind === 'ready') {
          client = new AgentClient(thread, key, o.config, r.pid, r.tid);
          resolve(client);
        } else if (r.kind === 'failed') {
          thread.forget(key);
          reject(new AgentError(`${o.config.host}: agent failed to start: ${r.error}`));
        }
      });
      timer = setTimeout(() => {
        thread.forget(key);
        thread.send({ kind: 'close', key });
        reject(new AgentError(`${o.config.host}: agent not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      thread.send({ kind: 'open', key, config: o.config });
    });
    try {
      return await thread.hold(ready);
    } finally {
      clearTimeout(timer);
    }
  }

  private receive(r: HostReply): void {
    if (r.kind === 'answer') {
      const p = this.pending.get(r.response.id);
      if (!p) return;
      this.pending.delete(r.response.id);
      if (r.response.ok) p.resolve(r.response.result);
      else p.reject(new AgentError(`${this.host}: ${p.op}: ${r.response.error}`));
    } else if (r.kind === 'closed' || r.kind === 'failed') {
      this.finish(r.kind === 'failed' ? r.error : 'agent stopped');
    }
  }

  private finish(why: string): void {
    this.closed = true;
    this.thread.forget(this.key);
    for (const [, p] of this.pending) p.reject(new AgentError(`${this.host}: ${p.op}: ${why}`));
    this.pending.clear();
    this.onClosed();
  }

  /** Send one request and wait for its answer. */
  request<K extends OpName>(op: K, args: AgentOps[K]['args']): Promise<AgentOps[K]['result']> {
    if (this.closed) return Promise.reject(new AgentError(`${this.host}: agent is not running`));
    const id = this.nextId++;
    const answer = new Promise<AgentOps[K]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
      this.thread.send({ kind: 'call', key: this.key, request: { id, op, args } });
    });
    return this.thread.hold(answer);
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

  /** Stop the agent: its probes end, its services close, its namespace is let go. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    try {
      this.thread.send({ kind: 'close', key: this.key });
    } catch (err) {
      this.finish((err as Error).message); // the thread is gone, and the agent with it
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const gone = await this.thread.hold(
      Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]),
    );
    clearTimeout(timer);
    if (!gone) {
      this.thread.terminate();
      this.finish('agent thread stopped: it did not answer');
    }
  }
}
