// A built lab: its hosts, their agents, and its teardown. Built by buildLab (build.ts) or re-opened
// from its run directory by attachLab (for `lvslab exec`/`down` in another process).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { AgentClient } from './agent/client.js';
import type { AgentConfig, ServeSpec } from './agent/protocol.js';
import { startKeptAgents } from './agent/kept.js';
import { Host, type HostContext } from './host.js';
import { namespaceName } from './plan.js';
import { PRIVATE_DIR_MODE, readRecord, runDirOf } from './rundir.js';
import { teardownLab } from './teardown.js';
import { SWITCH_HOST, type Role, type Topology } from './topology.js';

export class UnknownHostError extends Error {
  override name = 'UnknownHostError';
}

export class Lab {
  readonly runDir: string;
  private readonly hostMap = new Map<string, Host>();
  private readonly agents = new Map<string, AgentClient>();
  private readonly starting = new Map<string, Promise<AgentClient>>();
  private tornDown = false;

  constructor(
    readonly id: string,
    readonly topology: Topology,
  ) {
    this.runDir = runDirOf(id);
    for (const spec of topology.hosts) {
      const ctx: HostContext = {
        labId: id,
        namespace: namespaceName(id, spec.name),
        startAgent: (h) => this.startAgent(h.name),
        agentOf: (name) => this.agents.get(name),
      };
      this.hostMap.set(spec.name, new Host(spec, ctx));
    }
  }

  /** Every namespace of the lab, the switch's first. */
  get namespaces(): string[] {
    return [namespaceName(this.id, SWITCH_HOST), ...this.hosts.map((h) => h.namespace)];
  }

  get hosts(): Host[] {
    return [...this.hostMap.values()];
  }

  host(name: string): Host {
    const h = this.hostMap.get(name);
    if (!h) throw new UnknownHostError(`lab ${this.id} has no host '${name}' (hosts: ${[...this.hostMap.keys()].join(', ')})`);
    return h;
  }

  withRole(role: Role): Host[] {
    return this.hosts.filter((h) => h.role === role);
  }

  /** The (first) client host. */
  get client(): Host {
    const c = this.withRole('client')[0];
    if (!c) throw new UnknownHostError(`lab ${this.id} has no client host`);
    return c;
  }

  get directors(): Host[] {
    return this.withRole('director');
  }

  get reals(): Host[] {
    return this.withRole('real');
  }

  get vip(): string | undefined {
    return this.topology.vip;
  }

  get dip(): string | undefined {
    return this.topology.dip;
  }

  /** What a host's agent serves at start: real servers serve the lab's services. */
  servicesFor(host: Host): ServeSpec[] {
    if (host.role !== 'real') return [];
    const keepAlive = this.topology.keepAliveTimeout !== undefined ? { keepAliveTimeoutMs: this.topology.keepAliveTimeout * 1000 } : {};
    return this.topology.services.map((s) => (s.protocol === 'tcp' ? { protocol: 'tcp' as const, port: s.port, ...keepAlive } : { protocol: 'udp' as const, port: s.port, echo: 'none' as const }));
  }

  agentConfig(host: Host): AgentConfig {
    const dataDir = join(this.runDir, 'hosts', host.name);
    mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    return { host: host.name, netns: host.namespace, identity: host.identity, dataDir, serve: this.servicesFor(host) };
  }

  /**
   * Start (once) the agent of a host, in one of this process's agent threads (agent/client.ts): it
   * lives as long as this process or until teardown. Real servers' agents serve the lab's services
   * before ready.
   */
  startAgent(name: string): Promise<AgentClient> {
    const existing = this.agents.get(name);
    if (existing) return Promise.resolve(existing);
    const inFlight = this.starting.get(name);
    if (inFlight) return inFlight;
    const host = this.host(name);
    const p = (async () => {
      const agent = await AgentClient.start({ config: this.agentConfig(host), lane: host.role === 'client' ? 'probe' : 'serve' });
      this.agents.set(name, agent);
      return agent;
    })();
    this.starting.set(name, p);
    return p.finally(() => this.starting.delete(name));
  }

  async startAgents(names: string[] = this.hosts.map((h) => h.name)): Promise<void> {
    await Promise.all(names.map((n) => this.startAgent(n)));
  }

  /**
   * Agents that outlive this process (labs kept by `lvslab up`): one process serving these hosts,
   * recorded in the run directory (teardown and gc kill it). Resolves once every host's services
   * listen.
   */
  async startKeptAgents(hosts: Host[]): Promise<void> {
    await startKeptAgents(this.id, hosts.map((h) => this.agentConfig(h)));
  }

  /** Stop agents, kill every process the lab started, delete its namespaces and run directory. */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    await Promise.allSettled([...this.agents.values()].map((a) => a.stop(1000)));
    this.agents.clear();
    await teardownLab(this.id, this.namespaces);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.teardown();
  }
}

/** Re-open a lab another process built (from its run directory). Agents are not shared: new ones start on demand. */
export async function attachLab(id: string): Promise<Lab> {
  const rec = await readRecord(id);
  if (!rec) throw new UnknownHostError(`no lab '${id}' (see 'lvslab ls')`);
  return new Lab(id, rec.topology);
}
