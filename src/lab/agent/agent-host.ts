// The agents of many hosts (of one lab or several) in one thread: opens, calls and closes them by key
// as the runner asks (HostMessage), answering with HostReply. The thread itself lives in an empty
// namespace of its own; each host's sockets are opened in that host's namespace (netns.ts).
import { HostAgent } from './host-agent.js';
import { enterHomeNamespace, threadId } from './netns.js';
import type { HostMessage, HostReply } from './protocol.js';

export class AgentHost {
  private readonly agents = new Map<string, HostAgent>();
  /** agents whose start has not finished: a close waits for it */
  private readonly opening = new Map<string, Promise<unknown>>();

  constructor(private readonly reply: (r: HostReply) => void) {
    enterHomeNamespace();
  }

  get size(): number {
    return this.agents.size + this.opening.size;
  }

  receive(msg: HostMessage): void {
    if (msg.kind === 'open') this.open(msg.key, msg);
    else if (msg.kind === 'call') void this.call(msg.key, msg);
    else void this.close(msg.key);
  }

  private open(key: string, msg: Extract<HostMessage, { kind: 'open' }>): void {
    if (this.agents.has(key) || this.opening.has(key)) {
      this.reply({ kind: 'failed', key, error: `agent '${key}' is already open` });
      return;
    }
    const p = (async () => {
      let agent: HostAgent | undefined;
      try {
        agent = new HostAgent(msg.config);
        await agent.start();
        this.agents.set(key, agent);
        this.reply({ kind: 'ready', key, pid: process.pid, tid: threadId() });
      } catch (err) {
        await agent?.close();
        this.reply({ kind: 'failed', key, error: `cannot serve: ${(err as Error).message}` });
      }
    })();
    this.opening.set(key, p);
    void p.finally(() => this.opening.delete(key));
  }

  private async call(key: string, msg: Extract<HostMessage, { kind: 'call' }>): Promise<void> {
    const agent = this.agents.get(key);
    const response = agent ? await agent.handle(msg.request) : { id: msg.request.id, ok: false as const, error: 'agent is not running' };
    this.reply({ kind: 'answer', key, response });
    if (agent && msg.request.op === 'exit') await this.close(key);
  }

  async close(key: string): Promise<void> {
    await this.opening.get(key);
    const agent = this.agents.get(key);
    this.agents.delete(key);
    await agent?.close();
    this.reply({ kind: 'closed', key });
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.opening.values()]);
    await Promise.allSettled([...this.agents.keys()].map((k) => this.close(k)));
  }
}
