// Replays a `lvslab simulate` trace against the kernel's IPVS: ipvsadm lines run in the director
// namespace, `conn` lines become real connections from the client namespace (TCP held open, UDP one
// datagram), and the output has the simulate shape — ipvsadm's own text for ipvsadm lines,
// `C:P -> RIP:RPORT` (or `-> none`) per connection — so the two can be diffed line by line.
//
// Packet lines: a socket cannot forge segments, so only the client's own close is replayed (`in`
// with F -> close, `in` with R -> reset); the other packet lines (handshake, the server's FIN, ACKs)
// happen by themselves on a real connection and are skipped. Traces meant for both backends spell
// them out so the embedded core sees the same segments (see test/recordings/ipvs/README.md).
import { compiledPath } from '../../../lab/dist-path.js';
import { createInterface } from 'node:readline';
import { buildReplayLab, type ReplayLab } from './replay-lab.js';
import { TH_FIN, TH_RST } from '../../ipvs/proto_tcp.js';
import { endpointText, parseReplayTrace, traceAddresses, type TraceItem } from './trace.js';
import type { ClientReply, ClientRequest } from './client-agent.js';

export interface ReplayOptions {
  /** per-connection wait for the real server's answer (scale it for emulation) */
  connTimeoutMs?: number;
  /** upper bound for the sum of `advance` sleeps */
  maxAdvanceSeconds?: number;
  /** called with each output chunk as it is produced */
  onOutput?: (text: string) => void;
}

export interface ReplayResult {
  output: string;
  /** ipvsadm invocations with their exit status, in order (error goldens need the status) */
  ipvsadm: Array<{ line: number; args: string[]; stdout: string; stderr: string; status: number }>;
  /** what each item printed, by trace line (items that print nothing are left out) */
  items: Array<{ line: number; output: string }>;
  /** wall-clock seconds the replay took (the kernel's timers ran that long; a manual clock did not) */
  elapsedS: number;
}

type Request = ClientRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** LVSLAB_REPLAY_DEBUG=1 prints phase timings to stderr (where the time goes under emulation). */
const t0 = Date.now();
const phase = (what: string) => {
  if (process.env.LVSLAB_REPLAY_DEBUG === '1') process.stderr.write(`replay +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}\n`);
};

// the agents run as compiled JS in the lab's namespaces, also when this module runs from src/ (tsx)
const agentPath = (name: string) => compiledPath(new URL(`./${name}.js`, import.meta.url), `kernel replay ${name}`);

/** Starts the client agent and returns a request function; replies come back in request order. */
async function startClient(lab: ReplayLab): Promise<(req: Request) => Promise<ClientReply>> {
  const proc = lab.spawn(lab.clientNs, process.execPath, [agentPath('client-agent')]);
  const waiting = new Map<number, (r: ClientReply) => void>();
  let ready: (() => void) | undefined;
  const readyP = new Promise<void>((res, rej) => {
    ready = res;
    setTimeout(() => rej(new Error('replay: client agent did not start within 60 s')), 60_000).unref();
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c: string) => (stderr += c));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const reply = JSON.parse(line) as ClientReply;
    if (reply.id === 0) return ready?.();
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  proc.on('close', (code) => {
    for (const w of waiting.values()) w({ id: -1, error: `client agent exited (${code}): ${stderr.trim()}` });
  });
  await readyP;
  let next = 1;
  return (req) =>
    new Promise<ClientReply>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      proc.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
    });
}

async function startServers(lab: ReplayLab, ports: number[]): Promise<void> {
  const starts = [...lab.realNs].map(([addr, ns]) => {
    const proc = lab.spawn(ns, process.execPath, [agentPath('server-agent'), addr, ports.join(',')]);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replay: server agent for ${addr} did not start within 60 s`)), 60_000);
      let stderr = '';
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (c: string) => (stderr += c));
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (c: string) => {
        if (c.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`replay: server agent for ${addr} exited (${code}): ${stderr.trim()}`));
      });
    });
  });
  await Promise.all(starts);
}

export interface KernelReplaySession {
  /** replays one trace against a fresh director (empty IPVS state) */
  replay(traceText: string, name: string): Promise<ReplayResult>;
  close(): Promise<void>;
}

/**
 * One lab for many traces: the client and real-server agents start once (a node process costs
 * seconds under emulation) and each trace gets a new director namespace, so no trace sees another's
 * connections, counters or trashed destinations. `traces` only sizes the lab (all their addresses).
 */
export async function openKernelReplay(traces: Array<{ name: string; text: string }>, options: ReplayOptions = {}): Promise<KernelReplaySession> {
  const parsed = traces.map((t) => ({ name: t.name, items: parseReplayTrace(t.text, t.name) }));
  const union = traceAddresses(parsed.flatMap((t) => t.items));
  let request: (req: Request) => Promise<ClientReply> = () => Promise.reject(new Error('client agent not started'));
  phase('building lab');
  const lab = await buildReplayLab(union);
  let used = false;
  try {
    phase('lab built');
    await lab.exec(lab.directorNs, 'modprobe', ['ip_vs']);
    await Promise.all([startServers(lab, union.ports), startClient(lab).then((r) => (request = r))]);
    phase('agents ready');
    return {
      async replay(traceText, name) {
        const items = parseReplayTrace(traceText, name);
        const addrs = traceAddresses(items);
        const missing = [
          ...addrs.clients.filter((a) => !union.clients.includes(a)),
          ...addrs.vips.filter((a) => !union.vips.includes(a)),
          ...addrs.reals.filter((a) => !union.reals.includes(a)),
          ...addrs.ports.filter((p) => !union.ports.includes(p)).map(String),
        ];
        if (missing.length > 0) throw new Error(`${name}: addresses/ports ${missing.join(', ')} were not in the traces this replay session was opened with`);
        if (used) await lab.resetDirector();
        used = true;
        phase(`${name}: start`);
        const result = await runItems(lab, items, request, options);
        phase(`${name}: done`);
        return result;
      },
      close: () => lab.teardown(),
    };
  } catch (err) {
    await lab.teardown();
    throw err;
  }
}

/** Replays one trace in a lab of its own (built and torn down here). */
export async function replayTraceOnKernel(traceText: string, name = 'trace', options: ReplayOptions = {}): Promise<ReplayResult> {
  const session = await openKernelReplay([{ name, text: traceText }], options);
  try {
    return await session.replay(traceText, name);
  } finally {
    await session.close();
  }
}

async function runItems(lab: ReplayLab, items: TraceItem[], request: (r: Request) => Promise<ClientReply>, options: ReplayOptions): Promise<ReplayResult> {
  const timeoutMs = options.connTimeoutMs ?? 10_000;
  let advanceBudget = options.maxAdvanceSeconds ?? 30;
  let output = '';
  const printed: ReplayResult['items'] = [];
  const startedAt = Date.now();
  const emit = (text: string, line: number) => {
    output += text;
    if (text !== '') printed.push({ line, output: text });
    options.onOutput?.(text);
  };
  const ipvsadm: ReplayResult['ipvsadm'] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'ipvsadm': {
        const r = await lab.ipvsadm(item.args);
        ipvsadm.push({ line: item.line, args: item.args, ...r });
        emit(r.stdout + r.stderr, item.line);
        break;
      }
      case 'conn': {
        const c = item.client;
        const v = item.vip;
        const base = { src: c.addr, sport: c.port, dst: v.addr, dport: v.port, timeoutMs };
        const reply = await request(item.proto === 'tcp' ? { op: 'tcp-open', ...base } : { op: 'udp', ...base });
        emit(`${endpointText(c)} -> ${reply.server ?? 'none'}\n`, item.line);
        break;
      }
      case 'packet': {
        if (item.proto !== 'tcp' || item.dir !== 'in') break;
        const base = { src: item.client.addr, sport: item.client.port, dst: item.vip.addr, dport: item.vip.port, timeoutMs };
        if (item.tcpFlags & TH_RST) await request({ op: 'tcp-reset', ...base });
        else if (item.tcpFlags & TH_FIN) await request({ op: 'tcp-close', ...base });
        break;
      }
      case 'advance': {
        const seconds = Math.min(item.seconds, advanceBudget);
        advanceBudget -= seconds;
        await new Promise((r) => setTimeout(r, seconds * 1000));
        break;
      }
    }
  }
  await request({ op: 'close-all' });
  return { output, ipvsadm, items: printed, elapsedS: (Date.now() - startedAt) / 1000 };
}
