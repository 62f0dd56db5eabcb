// The agent thread's entry (a worker_threads Worker of the process using the lab, started by
// client.ts): hosts every agent that process opens, for as many labs as it builds.
import { parentPort } from 'node:worker_threads';
import { AgentHost } from './agent-host.js';
import type { HostMessage, HostReply } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('lvslab agent thread: run as a worker thread (src/lab/agent/client.ts starts it)');
const send = (r: HostReply) => port.postMessage(r);
let host: AgentHost | undefined;
try {
  host = new AgentHost(send);
} catch (err) {
  send({ kind: 'fatal', error: (err as Error).message });
}
if (host) {
  const h = host;
  port.on('message', (m: HostMessage) => h.receive(m));
} else {
  port.close();
}
