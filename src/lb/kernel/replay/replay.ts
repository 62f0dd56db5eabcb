// Replays a `lvslab simulate` trace against the kernel's IPVS: ipvsadm lines run in the director
// namespace, `conn` lines become real connections from the client namespace (TCP held open, UDP one
// datagram), and the output has the simulate shape — ipvsadm's own text for ipvsadm lines,
// `C:P -> RIP:RPORT` (or `-> none`) per connection — so the two can be diffed line by line.
//
// Packet lines: a socket cannot forge segments, so only what the client itself does is replayed
// (`in` with F -> close, `in` with R -> reset with SO_LINGER 0, `in` with P alone -> a line of data);
// the other packet lines (handshake, the server's FIN, ACKs) happen by themselves on a real
// connection and are skipped. Traces meant for both backends spell them out so the embedded core sees
// the same segments (see test/recordings/ipvs/README.md). After a close the replay waits until the
// director shows the state the trace's packet lines end in (settle.ts), so the next SYN is scheduled
// against the counters the trace describes.
import { createInterface } from 'node:readline';
import { compiledPath } from '../../../lab/dist-path.js';
import { buildReplayLab, type ReplayLab } from './replay-lab.js';
import { TH_FIN, TH_PUSH, TH_RST } from '../../ipvs/proto_tcp.js';
import { TraceTcpStates, settleConn } from './settle.js';
import { endpointText, parseReplayTrace, traceAddresses, type TraceItem } from './trace.js';
import type { ClientReply, ClientRequest } from './client-agent.js';

export interface ReplayOptions {
  /** per-connection wait for the real server's answer (scale it for emulation) */
  connTimeoutMs?: number;
  /** upper bound for the sum of a trace's `advance` sleeps (seconds, default 300): a trace that asks
   * for more is refused before it starts, never replayed with shortened sleeps */
  maxAdvanceSeconds?: number;
  /** how long a close may take to reach its state on the director (ms, default 20 s) */
  settleTimeoutMs?: number;
  /** called with each output chunk as it is produced */
  onOutput?: (text: string) => void;
}

export interface ReplayResult {
  output: string;
  /** ipvsadm invocations with their exit status, in order (error goldens need the status) */
  ipvsadm: Array<{ line: number; args: string[]; stdout: string; stderr: string; status: number }>;
  /** what each item printed, by trace line (items that print nothing are left out), and when:
   * seconds since the replay started (the kernel's timers ran that long by then) */
  items: Array<{ line: number; output: string; atS: number }>;
  /** wall-clock seconds the replay took (the kernel's timers ran that long; a manual clock did not) */
  elapsedS: number;
}

type Request = ClientRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** LVSLAB_REPLAY_DEBUG=1 prints phase timings to stderr (where the time goes under emulation). */
const t0 = Date.now();
const phase = (what: string) => {
  if (process.env.LVSLAB_REPLAY_DEBUG === '1') process.stderr.write(`replay +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}\n`);
};

/** The agents run as compiled JavaScript (dist/), also when the replay itself runs from src/ under tsx. */
const agentPath = (name: string) => compiledPath(new URL(`./${name}.js`, import.meta.url), `kernel replay ${name}`);

/** Starts the client agent and returns a request function; replies come back in request order. */
async function startClient(lab: ReplayLab): Promise<(req: Request) => Promise<ClientReply>> {
  const proc = lab.spawn(lab.clientNs, process.execPath, [agentPath('client-agent')]);
  const waiting = new Map<number, (r: ClientReply) => void>();
  let ready: (() => void) | undefined;
  const readyP = new Promise<void>((res, rej) => {
    ready = res;
    setTimeout(() => rej(new Error('replay: client agent did not start within 120 s')), 120_000).unref();
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

/**
 * Starts one server agent per real server, one after the other (under emulation several node starts
 * at once each take longer than one alone, past any sensible bound); returns a function that resets
 * the connections they hold.
 */
async function startServers(lab: ReplayLab, ports: number[]): Promise<() => Promise<void>> {
  const lines = new Map<string, (line: string) => void>();
  const agents: Array<{ addr: string; proc: ReturnType<ReplayLab['spawn']> }> = [];
  for (const [addr, ns] of lab.realNs) {
    const proc = lab.spawn(ns, process.execPath, [agentPath('server-agent'), addr, ports.join(',')]);
    agents.push({ addr, proc });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replay: server agent for ${addr} did not start within 120 s`)), 120_000);
      let stderr = '';
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (c: string) => (stderr += c));
      createInterface({ input: proc.stdout }).on('line', (line) => {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        } else lines.get(addr)?.(line);
      });
      proc.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`replay: server agent for ${addr} exited (${code}): ${stderr.trim()}`));
      });
    });
  }
  return async () => {
    await Promise.all(
      agents.map(
        ({ addr, proc }) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`replay: server agent for ${addr} did not reset its connections within 30 s`)), 30_000);
            lines.set(addr, (line) => {
              if (line !== 'reset done') return;
              clearTimeout(timer);
              lines.delete(addr);
              resolve();
            });
            proc.stdin.write('reset\n');
          }),
      ),
    );
  };
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
  let resetServers: () => Promise<void> = async () => undefined;
  phase('building lab');
  const lab = await buildReplayLab(union);
  let used = false;
  try {
    phase('lab built');
    await lab.exec(lab.directorNs, 'modprobe', ['ip_vs']);
    resetServers = await startServers(lab, union.ports);
    request = await startClient(lab);
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
        // the client reset its sockets; connections the director no longer forwarded are still
        // held by the real servers: clear them, so the next trace starts clean on every host
        await resetServers();
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
  const maxAdvance = options.maxAdvanceSeconds ?? 300;
  const advances = items.reduce((sum, i) => sum + (i.kind === 'advance' ? i.seconds : 0), 0);
  if (advances > maxAdvance) throw new Error(`replay: the trace advances ${advances} s in all, more than this replay's bound of ${maxAdvance} s`);
  let output = '';
  const printed: ReplayResult['items'] = [];
  const startedAt = Date.now();
  const emit = (text: string, line: number) => {
    output += text;
    if (text !== '') printed.push({ line, output: text, atS: (Date.now() - startedAt) / 1000 });
    options.onOutput?.(text);
  };
  const ipvsadm: ReplayResult['ipvsadm'] = [];
  const tcp = new TraceTcpStates();
  // a close whose end state the director has yet to show: settled before the next item that is not
  // one of that connection's own packet lines
  let closing: { key: string; client: string; vip: string } | undefined;
  const settle = async () => {
    if (!closing) return;
    const { key, client, vip } = closing;
    closing = undefined;
    const want = tcp.expected(key);
    if (want === undefined) return;
    await settleConn(client, vip, want, {
      // the table read from /proc (what ipvsadm -Lnc prints, without a process start): cheap enough
      // to look often, so the replay goes on within milliseconds of the state showing
      listConns: () => lab.connTable(),
      timeoutMs: options.settleTimeoutMs ?? 20_000,
      intervalMs: 10,
    });
  };
  for (const item of items) {
    const key = item.kind === 'conn' || item.kind === 'packet' ? `${item.proto} ${endpointText(item.client)} ${endpointText(item.vip)}` : '';
    if (closing && !(item.kind === 'packet' && key === closing.key)) await settle();
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
        if (item.proto === 'tcp') {
          if (reply.server) tcp.opened(key);
          else tcp.refused(key);
        }
        emit(`${endpointText(c)} -> ${reply.server ?? 'none'}\n`, item.line);
        break;
      }
      case 'packet': {
        if (item.proto !== 'tcp') break;
        tcp.segment(key, item.dir, item.tcpFlags);
        if (item.dir !== 'in') break;
        const base = { src: item.client.addr, sport: item.client.port, dst: item.vip.addr, dport: item.vip.port, timeoutMs };
        if (item.tcpFlags & (TH_RST | TH_FIN)) {
          await request({ op: item.tcpFlags & TH_RST ? 'tcp-reset' : 'tcp-close', ...base });
          closing = { key, client: endpointText(item.client), vip: endpointText(item.vip) };
        } else if (item.tcpFlags & TH_PUSH) await request({ op: 'tcp-send', ...base });
        break;
      }
      case 'advance':
        await new Promise((r) => setTimeout(r, item.seconds * 1000));
        break;
    }
  }
  await settle();
  await request({ op: 'close-all' });
  return { output, ipvsadm, items: printed, elapsedS: (Date.now() - startedAt) / 1000 };
}
