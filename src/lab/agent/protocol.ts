// What the runner and a host's agent say to each other (JSON, through the agent thread's message port
// or the kept agents' process). Requests carry an id; the agent answers each with the same id. Every
// type here is plain JSON.

export interface AgentConfig {
  host: string;
  /** the host's network namespace (a name under /run/netns): every socket of the agent lives there */
  netns: string;
  identity: string;
  /** where UDP services write their per-peer files */
  dataDir: string;
  /** services to start before reporting ready (real servers serve the lab's services) */
  serve: ServeSpec[];
}

export type ServeSpec =
  | { protocol: 'tcp'; port: number; identity?: string; keepAliveTimeoutMs?: number }
  | { protocol: 'udp'; port: number; echo?: UdpEcho; identity?: string };

/** What a UDP service answers to each datagram: nothing, its identity ("RS1\n"), or the datagram. */
export type UdpEcho = 'none' | 'identity' | 'payload';

// ---- server side records ----

export interface HttpRequestRecord {
  /** epoch ms */
  at: number;
  port: number;
  method: string;
  url: string;
  /** the client address and port the real server saw (the real client's under NAT, not the DIP) */
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
}

export interface UdpPeerRecord {
  port: number;
  peerAddress: string;
  peerPort: number;
  datagrams: number;
  bytes: number;
  /** the file holding everything this peer sent, in order (like `nc -ul PORT > file`) */
  file: string;
  firstAt: number;
  lastAt: number;
}

// ---- client side probes ----

export interface HttpProbeOptions {
  /** host address or name; with `port` and `path` forms the URL */
  target: string;
  port?: number;
  path?: string;
  /** number of requests (default 1, at most 10000) */
  count?: number;
  /** requests in flight at once (default 1, at most 64) */
  concurrency?: number;
  /** per request, connect to last byte (default 2000 ms, at most 60000) */
  timeoutMs?: number;
  /** reuse connections (default false: a fresh TCP connection per request, like curl) */
  keepAlive?: boolean;
  /** source address(es); several are used in turn (extra client addresses) */
  localAddress?: string | string[];
  /**
   * source port(s), used in turn like the addresses (request i from port i mod n); default: the
   * kernel picks a fresh one. Requests on one port never overlap. Without keepAlive each request is
   * a fresh connection, and a port reused within 60 s of its last connection to the same target is
   * still in TIME_WAIT: that request fails at once with an EADDRNOTAVAIL error naming the port.
   */
  localPort?: number | number[];
}

export interface ProbeResult {
  index: number;
  /** epoch ms when the probe started */
  start: number;
  latencyMs: number;
  ok: boolean;
  /** the real server that answered (its identity), when one did */
  server?: string;
  error?: string;
  localAddress?: string;
  localPort?: number;
}

export interface HttpProbeResult extends ProbeResult {
  status?: number;
  body?: string;
}

export interface UdpProbeOptions {
  target: string;
  port?: number;
  /** datagram text (default "probe <index>\n") */
  payload?: string;
  count?: number;
  /** send every datagram from this source port; default: a fresh port per datagram */
  sourcePort?: number;
  localAddress?: string | string[];
  /** wait for an answer (an echoing service) and name the server from it */
  waitReply?: boolean;
  /** reply wait per datagram (default 1000 ms) */
  timeoutMs?: number;
  /** pause between datagrams (default 0) */
  intervalMs?: number;
}

export interface UdpProbeResult extends ProbeResult {
  reply?: string;
}

export interface UdpFileOptions {
  target: string;
  port?: number;
  /** path of the file to send (readable from inside the host; the filesystem is shared) */
  file: string;
  sourcePort?: number;
  localAddress?: string;
  /** bytes per datagram (default 1024) */
  chunkSize?: number;
  /** like `nc -w 1`: linger this long for replies after the last datagram (default 1000 ms) */
  waitMs?: number;
}

export interface UdpFileResult {
  bytes: number;
  datagrams: number;
  localAddress: string;
  localPort: number;
  /** replies received while lingering (identity echoes name the server) */
  replies: string[];
  server?: string;
}

export interface ContinuousProbeOptions {
  protocol?: 'http' | 'udp';
  port?: number;
  path?: string;
  /** start a probe this often (>= 5 ms) */
  everyMs: number;
  /** for this long (<= 600000 ms) */
  forMs: number;
  /** per-probe timeout (default min(1000, 10 * everyMs)) */
  timeoutMs?: number;
  localAddress?: string;
}

export interface TimelineEntry {
  /** ms from the timeline's start */
  t: number;
  start: number;
  latencyMs: number;
  ok: boolean;
  server?: string;
  error?: string;
}

export interface Timeline {
  target: string;
  protocol: 'http' | 'udp';
  startedAt: number;
  everyMs: number;
  probes: TimelineEntry[];
}

// ---- messages ----

export interface AgentOps {
  /** pid and thread id of the agent thread, and the (empty) namespace that thread itself lives in */
  ping: { args: Record<string, never>; result: { pid: number; tid: number; threadNetns: string; host: string; uptimeMs: number } };
  serve: { args: ServeSpec; result: { protocol: string; port: number } };
  unserve: { args: { protocol: 'tcp' | 'udp'; port: number }; result: { stopped: boolean } };
  httpRequests: { args: { port?: number; clear?: boolean }; result: HttpRequestRecord[] };
  udpPeers: { args: { port?: number }; result: UdpPeerRecord[] };
  http: { args: HttpProbeOptions; result: HttpProbeResult[] };
  udp: { args: UdpProbeOptions; result: UdpProbeResult[] };
  udpFile: { args: UdpFileOptions; result: UdpFileResult };
  probeContinuously: { args: ContinuousProbeOptions & { target: string }; result: Timeline };
  exit: { args: Record<string, never>; result: { exiting: true } };
}

export type OpName = keyof AgentOps;

export interface AgentRequest<K extends OpName = OpName> {
  id: number;
  op: K;
  args: AgentOps[K]['args'];
}

export type AgentResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

/** Runner -> agent thread: start a host's agent (under a key of the runner's choosing), call it, stop it. */
export type HostMessage =
  | { kind: 'open'; key: string; config: AgentConfig }
  | { kind: 'call'; key: string; request: AgentRequest }
  | { kind: 'close'; key: string };

/** Agent thread -> runner. `ready` comes once the host's services listen; `closed` once they are shut. */
export type HostReply =
  | { kind: 'ready'; key: string; pid: number; tid: number }
  | { kind: 'failed'; key: string; error: string }
  | { kind: 'answer'; key: string; response: AgentResponse }
  | { kind: 'closed'; key: string }
  /** the thread cannot serve at all (no root, no koffi): every agent fails with this */
  | { kind: 'fatal'; error: string };

/** The body the article's httpd served; probes read the identity back out of it. */
export function identityPage(identity: string): string {
  return `<html><body><h1>${identity}</h1></body></html>\n`;
}

export function identityFromBody(body: string): string | undefined {
  return /<h1>([^<]{1,64})<\/h1>/.exec(body)?.[1];
}
