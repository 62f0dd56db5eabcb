// The kept labs' agents: `node dist/lab/agent/main.js AGENTS_JSON [--ready-fd N]`, one process per
// lab started by `lvslab up` (lab.ts startKeptAgents) that outlives it. Serves the hosts listed in
// AGENTS_JSON (an array of AgentConfig, in the lab's run directory) from one thread, exactly as the
// agent thread of a test runner does (agent-host.ts), and writes "ready" to fd N once every host's
// services listen. Until SIGTERM.
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AgentHost } from './agent-host.js';
import { agentLog } from './log.js';
import type { AgentConfig, HostReply } from './protocol.js';

function fail(message: string): never {
  agentLog(`lvslab agents: ${message}`);
  process.exit(1);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'ready-fd': { type: 'string' } } });
if (positionals.length !== 1) fail('usage: main.js AGENTS_JSON [--ready-fd N]');
let configs: AgentConfig[];
try {
  configs = JSON.parse(readFileSync(positionals[0], 'utf8')) as AgentConfig[];
} catch (err) {
  fail(`cannot read ${positionals[0]}: ${(err as Error).message}`);
}

const waiting = new Set(configs.map((c) => c.host));
const onReply = (r: HostReply) => {
  if (r.kind === 'failed') fail(`${r.key}: ${r.error}`);
  if (r.kind !== 'ready') return;
  waiting.delete(r.key);
  if (waiting.size === 0) ready();
};

function ready(): void {
  agentLog(`lvslab agents serving: ${configs.map((c) => `${c.host} (${c.serve.map((s) => `${s.protocol}/${s.port}`).join(', ') || 'nothing'})`).join(', ')}`, process.stdout);
  if (values['ready-fd'] !== undefined) {
    const fd = Number(values['ready-fd']);
    try {
      writeSync(fd, 'ready\n');
      closeSync(fd);
    } catch {
      // EPIPE: whoever started us is gone before the lab was complete, maybe before it recorded
      // our pid; nobody would ever stop us.
      fail('the lab builder went away before the agents were ready');
    }
  }
}

let host: AgentHost;
try {
  host = new AgentHost(onReply);
} catch (err) {
  fail((err as Error).message);
}
const shutdown = () => void host.closeAll().finally(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
for (const config of configs) host.receive({ kind: 'open', key: config.host, config });
if (configs.length === 0) ready();
// Nothing else keeps the event loop alive when no host serves anything.
setInterval(() => undefined, 1 << 30);
