// One host's agent: its services (real servers serve the lab's services) and its probes, every socket
// opened in the host's namespace. Several live in one agent thread (agent-host.ts); each answers the
// operations of protocol.ts and stops without touching the others.
import { HttpService, UdpService } from './servers.js';
import { NamespaceSockets, threadId, threadNamespace } from './netns.js';
import type { ProbeContext } from './probes.js';
import type { AgentConfig, AgentOps, AgentRequest, AgentResponse, ServeSpec } from './protocol.js';

type Handlers = { [K in keyof AgentOps]: (args: AgentOps[K]['args']) => Promise<AgentOps[K]['result']> };

// The probe code (and undici) loads on the first probe request, not when the thread starts.
const probes = () => import('./probes.js');

export class HostAgent {
  private readonly started = performance.now();
  private readonly http = new Map<number, HttpService>();
  private readonly udp = new Map<number, UdpService>();
  private readonly sockets: NamespaceSockets;
  private readonly abort = new AbortController();
  private readonly handlers: Handlers;

  constructor(readonly config: AgentConfig) {
    this.sockets = new NamespaceSockets(config.netns);
    const ctx: ProbeContext = { sockets: this.sockets, signal: this.abort.signal };
    this.handlers = {
      ping: async () => ({ pid: process.pid, tid: threadId(), threadNetns: threadNamespace(), host: config.host, uptimeMs: performance.now() - this.started }),
      serve: (spec) => this.serve(spec),
      unserve: async ({ protocol, port }) => {
        const map = protocol === 'tcp' ? this.http : this.udp;
        const s = map.get(port);
        if (!s) return { stopped: false };
        map.delete(port);
        await s.stop();
        return { stopped: true };
      },
      httpRequests: async ({ port, clear }) => {
        const services = port === undefined ? [...this.http.values()] : [this.http.get(port)].filter((s) => s !== undefined);
        const out = services.flatMap((s) => s.requests.slice());
        if (clear) for (const s of services) s.requests.length = 0;
        return out.sort((a, b) => a.at - b.at);
      },
      udpPeers: async ({ port }) =>
        (port === undefined ? [...this.udp.values()] : [this.udp.get(port)].filter((s) => s !== undefined)).flatMap((s) => s.peerRecords()),
      http: async (args) => (await probes()).httpProbes(args, ctx),
      udp: async (args) => (await probes()).udpProbes(args, ctx),
      udpFile: async (args) => (await probes()).udpFile(args, ctx),
      probeContinuously: async ({ target, ...opts }) => (await probes()).probeContinuously(target, opts, ctx),
      // The runner stops a host's agent by closing it (agent-host.ts); `exit` answers, then closes.
      exit: async () => ({ exiting: true as const }),
    };
  }

  get host(): string {
    return this.config.host;
  }

  /** Serve the configured services; resolves once every one listens (that is what "ready" means). */
  async start(): Promise<void> {
    for (const spec of this.config.serve) await this.serve(spec);
  }

  private async serve(spec: ServeSpec): Promise<{ protocol: string; port: number }> {
    const identity = spec.identity ?? this.config.identity;
    if (spec.protocol === 'tcp') {
      if (this.http.has(spec.port)) throw new Error(`already serving HTTP on port ${spec.port}`);
      const s = new HttpService(spec.port, identity, this.sockets, spec.keepAliveTimeoutMs);
      await s.start();
      this.http.set(spec.port, s);
    } else {
      if (this.udp.has(spec.port)) throw new Error(`already serving UDP on port ${spec.port}`);
      const s = new UdpService(spec.port, identity, spec.echo ?? 'none', this.config.dataDir, this.sockets);
      await s.start();
      this.udp.set(spec.port, s);
    }
    return { protocol: spec.protocol, port: spec.port };
  }

  async handle(req: AgentRequest): Promise<AgentResponse> {
    const h = this.handlers[req.op] as ((a: unknown) => Promise<unknown>) | undefined;
    if (!h) return { id: req.id, ok: false, error: `unknown operation '${String(req.op)}'` };
    try {
      return { id: req.id, ok: true, result: await h(req.args ?? {}) };
    } catch (err) {
      return { id: req.id, ok: false, error: (err as Error).message ?? String(err) };
    }
  }

  /** Stop probes, close every service, let go of the namespace. */
  async close(): Promise<void> {
    this.abort.abort();
    this.sockets.close();
    const services = [...this.http.values(), ...this.udp.values()];
    this.http.clear();
    this.udp.clear();
    await Promise.allSettled(services.map((s) => s.stop()));
  }
}
