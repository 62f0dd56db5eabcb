// The per-host agent: `ip netns exec NS node dist/lab/agent/main.js CONFIG_JSON`. Runs inside the
// host's namespace, so every socket it opens is the host's. Speaks JSON over the IPC channel its
// parent opened; with `--standalone` (labs kept by `lvslab up`) it only serves, until SIGTERM.
// Startup is kept small: the probe code (and undici) loads on the first probe request.
import { HttpService, UdpService } from './servers.js';
import type { AgentConfig, AgentOps, AgentRequest, AgentResponse, ServeSpec } from './protocol.js';

const started = performance.now();
const standalone = process.argv.includes('--standalone');
const configArg = process.argv.slice(2).find((a) => a.startsWith('{'));
if (!configArg) {
  process.stderr.write('lvslab agent: missing config JSON argument\n');
  process.exit(2);
}
const config = JSON.parse(configArg) as AgentConfig;

const http = new Map<number, HttpService>();
const udp = new Map<number, UdpService>();

async function serve(spec: ServeSpec): Promise<{ protocol: string; port: number }> {
  const identity = spec.identity ?? config.identity;
  if (spec.protocol === 'tcp') {
    if (http.has(spec.port)) throw new Error(`already serving HTTP on port ${spec.port}`);
    const s = new HttpService(spec.port, identity, spec.keepAliveTimeoutMs);
    await s.start();
    http.set(spec.port, s);
  } else {
    if (udp.has(spec.port)) throw new Error(`already serving UDP on port ${spec.port}`);
    const s = new UdpService(spec.port, identity, spec.echo ?? 'none', config.dataDir);
    await s.start();
    udp.set(spec.port, s);
  }
  return { protocol: spec.protocol, port: spec.port };
}

type Handlers = { [K in keyof AgentOps]: (args: AgentOps[K]['args']) => Promise<AgentOps[K]['result']> };

const probes = () => import('./probes.js');

const handlers: Handlers = {
  ping: async () => ({ pid: process.pid, host: config.host, uptimeMs: performance.now() - started }),
  serve,
  unserve: async ({ protocol, port }) => {
    const map = protocol === 'tcp' ? http : udp;
    const s = map.get(port);
    if (!s) return { stopped: false };
    map.delete(port);
    await s.stop();
    return { stopped: true };
  },
  httpRequests: async ({ port, clear }) => {
    const services = port === undefined ? [...http.values()] : [http.get(port)].filter((s) => s !== undefined);
    const out = services.flatMap((s) => s.requests.slice());
    if (clear) for (const s of services) s.requests.length = 0;
    return out.sort((a, b) => a.at - b.at);
  },
  udpPeers: async ({ port }) =>
    (port === undefined ? [...udp.values()] : [udp.get(port)].filter((s) => s !== undefined)).flatMap((s) => s.peerRecords()),
  http: async (args) => (await probes()).httpProbes(args),
  udp: async (args) => (await probes()).udpProbes(args),
  udpFile: async (args) => (await probes()).udpFile(args),
  probeContinuously: async ({ target, ...opts }) => (await probes()).probeContinuously(target, opts),
  exit: async () => {
    setImmediate(() => void shutdown(0));
    return { exiting: true as const };
  },
};

async function shutdown(code: number): Promise<never> {
  await Promise.allSettled([...http.values(), ...udp.values()].map((s) => s.stop()));
  process.exit(code);
}

async function handle(req: AgentRequest): Promise<AgentResponse> {
  const h = handlers[req.op] as ((a: unknown) => Promise<unknown>) | undefined;
  if (!h) return { id: req.id, ok: false, error: `unknown operation '${String(req.op)}'` };
  try {
    return { id: req.id, ok: true, result: await h(req.args ?? {}) };
  } catch (err) {
    return { id: req.id, ok: false, error: (err as Error).message ?? String(err) };
  }
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

try {
  for (const spec of config.serve) await serve(spec);
} catch (err) {
  process.stderr.write(`lvslab agent ${config.host}: cannot serve: ${(err as Error).message}\n`);
  process.exit(1);
}

if (standalone) {
  process.stdout.write(`lvslab agent ${config.host} serving (${config.serve.map((s) => `${s.protocol}/${s.port}`).join(', ') || 'nothing'})\n`);
} else if (!process.send) {
  process.stderr.write('lvslab agent: no IPC channel (run it through the lab, or with --standalone)\n');
  process.exit(2);
} else {
  const send = process.send.bind(process);
  process.on('message', (msg: AgentRequest) => {
    void handle(msg).then((r) => send(r));
  });
  // The runner went away (exited, or was SIGKILLed): nobody can use us any more, and the lab's
  // gc would kill us anyway; leave now so nothing lingers in the namespace.
  process.on('disconnect', () => void shutdown(0));
  send({ ready: true, pid: process.pid });
}
