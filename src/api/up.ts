// The library API: `up(preset or description, { backend })` builds a lab, starts the load balancer on
// its directors and returns handles to drive it — probes from the client, ipvsadm on directors,
// faults — and `down()`. Built over the lab builder (src/lab) and a BackendSession (src/lb).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIpvsConnections, parseIpvsList, type IpvsConnRow, type IpvsTable } from '../checks/ipvsadm-text.js';
import type { ProbeRecord } from '../checks/probe-record.js';
import { copyLabLogs } from '../lab/logs.js';
import { buildLab, type Host, type Lab, type LabSource, type Topology, type HttpProbeResult, type UdpProbeResult, type UdpFileResult, type TimelineEntry, type UdpPeerRecord, type HttpRequestRecord, type ExecResult } from '../lab/index.js';
import type { BackendName, BackendSession, DirectorConfig } from '../lb/backend.js';
import { openBackend } from './backends.js';
import { startCapture, type Capture } from './capture.js';
import { checkDirectorConfig } from './director-inputs.js';
import { heal, partition, setLink } from './faults.js';
import { attributeUdp, probeRun, recordOf, timelineRecords, type ProbeRun } from './probe-run.js';
import { parseTarget } from './targets.js';
import { sourcePortsOf } from './source-ports.js';
import { LabApiError } from './errors.js';

export { LabApiError };

export interface UpOptions {
  /** which load balancer runs on the directors (default `embedded`); `none` builds the lab only */
  backend?: BackendName | 'none';
  /** configure and start these directors right away (otherwise: `lab.director('ds1').configure(...)`) */
  directors?: Record<string, DirectorConfig>;
  /** called with a line of progress while the lab builds and the directors start */
  onProgress?: (message: string) => void;
}

/** Build a lab (a preset name, a description file, or a description object) and start its backend. */
export async function up(source: LabSource, options: UpOptions = {}): Promise<LvsLab> {
  const backend = options.backend ?? 'embedded';
  if (backend !== 'embedded' && backend !== 'kernel' && backend !== 'none') {
    throw new LabApiError(`backend: '${String(backend)}' is not one of embedded, kernel, none`);
  }
  const progress = options.onProgress ?? (() => undefined);
  // every director's input is checked before anything is built: a typo costs no lab
  const problems = Object.entries(options.directors ?? {}).flatMap(([name, config]) => checkDirectorConfig(config).problems.map((p) => `directors.${name}: ${p}`));
  if (problems.length > 0) throw new LabApiError(`invalid director configuration:\n  ${problems.join('\n  ')}`);
  progress(`building lab ${typeof source === 'string' ? source : ('preset' in source ? source.preset : (source.name ?? 'description'))}`);
  const lab = await buildLab(source);
  let session: BackendSession | undefined;
  try {
    if (backend !== 'none') {
      progress(`opening the ${backend} backend`);
      session = await openBackend(backend, lab);
    }
    const api = new LvsLab(lab, session);
    for (const [name, config] of Object.entries(options.directors ?? {})) {
      progress(`starting the ${backend} load balancer on ${name}`);
      await api.director(name).configure(config);
    }
    return api;
  } catch (err) {
    await session?.close().catch(() => undefined);
    await lab.teardown();
    throw err;
  }
}

function argvOf(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
}

/** One host of the lab: run commands inside it and pull its links. */
export class HostHandle {
  constructor(
    protected readonly owner: LvsLab,
    readonly host: Host,
  ) {}

  get name(): string {
    return this.host.name;
  }
  get role(): string {
    return this.host.role;
  }
  /** the first address of its first interface */
  get address(): string | undefined {
    return this.host.address;
  }

  /** Run a command inside the host (a string is split on spaces). Throws on a non-zero exit unless `check: false`. */
  exec(command: string | readonly string[], opts: { input?: string; timeoutMs?: number; check?: boolean } = {}): Promise<ExecResult> {
    return this.host.exec(argvOf(command), opts);
  }

  /** Take the host's link(s) down at the switch: the host keeps its addresses, frames are lost. */
  linkDown(iface?: string): Promise<void> {
    return setLink(this.owner.id, this.owner.topology, this.name, iface, false);
  }

  linkUp(iface?: string): Promise<void> {
    return setLink(this.owner.id, this.owner.topology, this.name, iface, true);
  }
}

export interface HttpOptions {
  count?: number;
  concurrency?: number;
  keepAlive?: boolean;
  timeoutMs?: number;
  port?: number;
  path?: string;
  /** source address(es), used in turn; `extra` = the client's extra addresses */
  localAddress?: string | string[] | 'extra';
  /**
   * source port(s), used in turn (request i from port i mod n); default a fresh port per connection.
   * Requests on one port run one after another. Without keepAlive, a port reused within 60 s for the
   * same target is still in TIME_WAIT on the client: that request fails with an EADDRNOTAVAIL error.
   */
  sourcePorts?: number | readonly number[];
}

export interface UdpOptions {
  port?: number;
  count?: number;
  payload?: string;
  /** every datagram from this source port; default a fresh port per datagram */
  sourcePort?: number;
  localAddress?: string | string[] | 'extra';
  /** wait for a reply per datagram (needs an echoing service) */
  waitReply?: boolean;
  intervalMs?: number;
  timeoutMs?: number;
}

export interface SendFileOptions {
  port?: number;
  chunkSize?: number;
  /** linger after the last datagram, like `nc -w` (default 1000 ms) */
  waitMs?: number;
  localAddress?: string;
}

export interface FileDelivery {
  file: string;
  bytes: number;
  localPort: number;
  /** the real server that received the file's datagrams */
  server?: string;
  receivedBytes: number;
  /** what arrived is byte-identical to the file (sha256) */
  intact: boolean;
}

export interface ContinuousOptions {
  everyMs: number;
  forMs: number;
  protocol?: 'http' | 'udp';
  port?: number;
  path?: string;
  timeoutMs?: number;
  localAddress?: string;
}

/** The client: probes leave from here, inside its namespace. */
export class ClientHandle extends HostHandle {
  private sources(localAddress: string | string[] | 'extra' | undefined): string | string[] | undefined {
    if (localAddress !== 'extra') return localAddress;
    const extra = this.host.extraAddresses;
    if (extra.length === 0) throw new LabApiError(`${this.name}: localAddress 'extra' but the host has no extra addresses`);
    return extra;
  }

  /** HTTP GETs (a fresh connection each unless keepAlive); each record names the server that answered. */
  async http(target: string, opts: HttpOptions = {}): Promise<ProbeRun<HttpProbeResult>> {
    const t = parseTarget(target, 'http target');
    const localPort = sourcePortsOf(opts.sourcePorts);
    const agent = await this.host.agent();
    const raw = await agent.http(t.host, {
      port: opts.port ?? t.port,
      path: opts.path ?? t.path,
      count: opts.count,
      concurrency: opts.concurrency,
      keepAlive: opts.keepAlive,
      timeoutMs: opts.timeoutMs,
      localAddress: this.sources(opts.localAddress),
      ...(localPort ? { localPort } : {}),
    });
    return probeRun(raw.map((r) => recordOf(r, this.address)), raw, this.owner.serverNames);
  }

  /**
   * UDP datagrams. The article's UDP services do not answer (like `nc -ul`), so unless `waitReply`
   * names the server, each datagram is attributed from the real servers' own records of who sent
   * what (source address and port): exact per datagram for fresh ports, per server for a shared one.
   */
  async udp(target: string, opts: UdpOptions = {}): Promise<ProbeRun<UdpProbeResult>> {
    const t = parseTarget(target, 'udp target');
    const port = opts.port ?? t.port;
    if (port === undefined) throw new LabApiError(`udp: no port in '${target}' and none in the options`);
    const before = opts.waitReply ? undefined : await this.owner.udpPeerCounts(port);
    const agent = await this.host.agent();
    const raw = await agent.udp(t.host, { ...opts, port, localAddress: this.sources(opts.localAddress) });
    let records = raw.map((r) => recordOf(r, this.address));
    if (before) {
      await sleep(150); // datagrams in flight through the director
      records = attributeUdp(records, before, await this.owner.udpPeerCounts(port));
    }
    return probeRun(records, raw, this.owner.serverNames);
  }

  /** Send each file like `nc -u -w 1 TARGET PORT < FILE` (a fresh source port each) and check what arrived. */
  async sendFile(target: string, files: string | readonly string[], opts: SendFileOptions = {}): Promise<ProbeRun<UdpFileResult> & { deliveries: FileDelivery[] }> {
    const t = parseTarget(target, 'sendFile target');
    const port = opts.port ?? t.port;
    if (port === undefined) throw new LabApiError(`sendFile: no port in '${target}' and none in the options`);
    const agent = await this.host.agent();
    const raw: UdpFileResult[] = [];
    const records: ProbeRecord[] = [];
    const deliveries: FileDelivery[] = [];
    for (const file of typeof files === 'string' ? [files] : files) {
      const start = Date.now();
      const r = await agent.udpFile(t.host, file, { port, chunkSize: opts.chunkSize, waitMs: opts.waitMs, localAddress: opts.localAddress });
      raw.push(r);
      const peers = await this.owner.udpPeers(port);
      const mine = peers.filter((p) => p.peer.peerPort === r.localPort && (r.localAddress === '0.0.0.0' || r.localAddress === '::' || p.peer.peerAddress === r.localAddress || !r.localAddress));
      const want = sha256(await readFile(file));
      const got = mine.length === 1 ? await readFile(mine[0].peer.file).catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
      const server = mine.length === 1 ? mine[0].server : undefined;
      deliveries.push({ file, bytes: r.bytes, localPort: r.localPort, ...(server ? { server } : {}), receivedBytes: got.length, intact: mine.length === 1 && sha256(got) === want });
      records.push({
        ok: server !== undefined,
        at: start,
        ms: Date.now() - start,
        ...(server ? { server } : { error: mine.length > 1 ? 'datagrams reached several real servers' : 'no real server received it' }),
        source: { addr: mine[0]?.peer.peerAddress ?? this.address ?? '0.0.0.0', port: r.localPort },
      });
    }
    return { ...probeRun(records, raw, this.owner.serverNames), deliveries };
  }

  /** A probe every everyMs for forMs (started on schedule, so an outage shows as a run of failures). */
  async probeContinuously(target: string, opts: ContinuousOptions): Promise<ProbeRun<TimelineEntry> & { startedAt: number }> {
    const t = parseTarget(target, 'probeContinuously target');
    const agent = await this.host.agent();
    const timeline = await agent.probeContinuously(t.host, {
      everyMs: opts.everyMs,
      forMs: opts.forMs,
      protocol: opts.protocol,
      port: opts.port ?? t.port,
      path: opts.path ?? t.path,
      timeoutMs: opts.timeoutMs,
      localAddress: opts.localAddress,
    });
    return { ...probeRun(timelineRecords(timeline, opts.localAddress ?? this.address), timeline.probes, this.owner.serverNames), startedAt: timeline.startedAt };
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** What `ipvsadm` printed on a director, with the listing parsed when it is one. */
export class IpvsadmOutput {
  constructor(
    readonly args: readonly string[],
    readonly stdout: string,
    readonly stderr: string,
    readonly status: number,
  ) {}

  get text(): string {
    return this.stdout;
  }

  /** `-Ln` parsed (throws if this was not a numeric service listing) */
  get table(): IpvsTable {
    return parseIpvsList(this.stdout);
  }

  /** `-Lnc` parsed */
  get connections(): IpvsConnRow[] {
    return parseIpvsConnections(this.stdout);
  }
}

export class IpvsadmError extends Error {
  override name = 'IpvsadmError';
}

/** A director: configure its load balancer, run ipvsadm, kill or stop it, or kill and start its keepalived alone. */
export class DirectorHandle extends HostHandle {
  /** what this handle started: whether the director has a keepalived.conf, and whether it and keepalived run */
  private lb: { keepalived: boolean; running: boolean; keepalivedRunning: boolean } | undefined;

  private get session(): BackendSession {
    const s = this.owner.session;
    if (!s) throw new LabApiError(`${this.name}: the lab was brought up without a backend`);
    return s;
  }

  /** Configure and start the load balancer (ipvsadm lines and/or a keepalived.conf). */
  async configure(config: DirectorConfig): Promise<void> {
    await this.session.startDirector(this.name, config);
    const keepalived = config.keepalivedConf !== undefined;
    this.lb = { keepalived, running: true, keepalivedRunning: keepalived };
  }

  /**
   * Run `ipvsadm ARGS` on the director: `ipvsadm('-Ln')`, `ipvsadm('-A -t 192.168.1.112:80 -s rr')`,
   * `ipvsadm('-L', '-n', '-c')`. Throws on a non-zero status unless the last argument is `{ check: false }`.
   */
  async ipvsadm(...args: Array<string | { check?: boolean; stdin?: string }>): Promise<IpvsadmOutput> {
    const last = args[args.length - 1];
    const opts = typeof last === 'object' ? (args.pop() as { check?: boolean; stdin?: string }) : {};
    const argv = (args as string[]).flatMap((a) => (args.length === 1 ? argvOf(a) : [a]));
    const r = await this.session.ipvsadm(this.name, argv, opts.stdin);
    const out = new IpvsadmOutput(argv, r.stdout, r.stderr, r.status);
    if ((opts.check ?? true) && r.status !== 0) {
      throw new IpvsadmError(`${this.name}: ipvsadm ${argv.join(' ')}: exit ${r.status}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
    }
    return out;
  }

  /** `ipvsadm -Ln`, parsed */
  async services(): Promise<IpvsTable> {
    return (await this.ipvsadm('-Ln')).table;
  }

  /** `ipvsadm -Lnc`, parsed into typed rows */
  async connections(): Promise<IpvsConnRow[]> {
    return (await this.ipvsadm('-Lnc')).connections;
  }

  /** SIGKILL the load balancer, keepalived and IPVS alike (a crash: VRRP peers notice only by missed adverts) */
  async kill(): Promise<void> {
    await this.session.killDirector(this.name);
    if (this.lb) this.lb = { ...this.lb, running: false, keepalivedRunning: false };
  }

  /** stop gracefully (VRRP sends priority 0, so a backup takes over at once) */
  async stop(): Promise<void> {
    await this.session.stopDirector(this.name);
    if (this.lb) this.lb = { ...this.lb, running: false, keepalivedRunning: false };
  }

  /** The director's keepalived, checked to apply before a keepalived fault. */
  private keepalivedFault(what: 'killKeepalived' | 'startKeepalived'): { keepalived: boolean; running: boolean; keepalivedRunning: boolean } {
    const lb = this.lb;
    if (!lb || !lb.running) throw new LabApiError(`${this.name}: ${what}: the director's load balancer is not running (configure() starts it)`);
    if (!lb.keepalived) throw new LabApiError(`${this.name}: ${what}: the director runs no keepalived (it was configured without a keepalivedConf)`);
    if (what === 'killKeepalived' && !lb.keepalivedRunning) throw new LabApiError(`${this.name}: killKeepalived: keepalived is not running (startKeepalived() starts it)`);
    if (what === 'startKeepalived' && lb.keepalivedRunning) throw new LabApiError(`${this.name}: startKeepalived: keepalived is already running`);
    return lb;
  }

  /**
   * SIGKILL keepalived alone (VRRP, health checks): IPVS keeps forwarding with its table and
   * connections, the VIPs stay on the interfaces, and a backup takes the VIP too after its
   * master-down interval (split brain), as on Linux when keepalived crashes.
   */
  async killKeepalived(): Promise<void> {
    const lb = this.keepalivedFault('killKeepalived');
    await this.session.killKeepalived(this.name);
    lb.keepalivedRunning = false;
  }

  /** Start keepalived again with the director's keepalived.conf, beside its running IPVS. */
  async startKeepalived(): Promise<void> {
    const lb = this.keepalivedFault('startKeepalived');
    await this.session.startKeepalived(this.name);
    lb.keepalivedRunning = true;
  }
}

/** A real server: what its services saw, and stopping or restarting them. */
export class RealHandle extends HostHandle {
  get identity(): string {
    return this.host.identity;
  }

  /** HTTP requests its service saw (with the client address it saw), oldest first. */
  async httpRequests(opts: { since?: number; port?: number } = {}): Promise<HttpRequestRecord[]> {
    const all = await (await this.host.agent()).httpRequests({ port: opts.port });
    return opts.since === undefined ? all : all.filter((r) => r.at >= opts.since!);
  }

  /** UDP peers its service saw, each with the file of what it sent. */
  async udpPeers(port?: number): Promise<UdpPeerRecord[]> {
    return (await this.host.agent()).udpPeers({ port });
  }

  /** Stop serving the lab's services (the server dies; connections to it are refused). */
  async kill(): Promise<void> {
    const agent = await this.host.agent();
    for (const s of this.owner.topology.services) await agent.unserve(s.protocol, s.port);
  }

  /** Serve the lab's services again. */
  async start(): Promise<void> {
    const agent = await this.host.agent();
    for (const spec of this.owner.lab.servicesFor(this.host)) await agent.serve(spec).catch(() => undefined);
  }
}

/** A built lab with its backend: `up()` returns one. */
export class LvsLab {
  readonly client: ClientHandle;
  private readonly directors = new Map<string, DirectorHandle>();
  private readonly realMap = new Map<string, RealHandle>();
  private readonly others = new Map<string, HostHandle>();
  private down_ = false;

  constructor(
    readonly lab: Lab,
    readonly session: BackendSession | undefined,
  ) {
    this.client = new ClientHandle(this, lab.client);
    for (const h of lab.directors) this.directors.set(h.name, new DirectorHandle(this, h));
    for (const h of lab.reals) this.realMap.set(h.name, new RealHandle(this, h));
  }

  get id(): string {
    return this.lab.id;
  }
  get topology(): Topology {
    return this.lab.topology;
  }
  get backend(): BackendName | 'none' {
    return this.session?.backend ?? 'none';
  }
  /** the real servers' identities (RS1, RS2, ...), as probes name them */
  get serverNames(): string[] {
    return this.lab.reals.map((h) => h.identity);
  }
  get reals(): RealHandle[] {
    return [...this.realMap.values()];
  }

  /** A director by name; without a name, the first one. */
  director(name?: string): DirectorHandle {
    const d = name === undefined ? [...this.directors.values()][0] : this.directors.get(name);
    if (!d) throw new LabApiError(`no director '${name ?? ''}' in lab ${this.id} (directors: ${[...this.directors.keys()].join(', ') || 'none'})`);
    return d;
  }

  real(name: string): RealHandle {
    const r = this.realMap.get(name) ?? this.reals.find((x) => x.identity === name);
    if (!r) throw new LabApiError(`no real server '${name}' in lab ${this.id} (real servers: ${[...this.realMap.keys()].join(', ')})`);
    return r;
  }

  /** Probes from any host (the client's extra addresses aside, every host can send them). */
  probesFrom(name: string): ClientHandle {
    return name === this.client.name ? this.client : new ClientHandle(this, this.lab.host(name));
  }

  /** Any host by name. */
  host(name: string): HostHandle {
    if (this.client.name === name) return this.client;
    const known = this.directors.get(name) ?? this.realMap.get(name) ?? this.others.get(name);
    if (known) return known;
    const h = new HostHandle(this, this.lab.host(name));
    this.others.set(name, h);
    return h;
  }

  /** Drop all traffic between two groups of hosts (on the lab's bridges) until heal(). */
  partition(a: string | readonly string[], b: string | readonly string[]): Promise<void> {
    return partition(this.id, this.topology, typeof a === 'string' ? [a] : a, typeof b === 'string' ? [b] : b);
  }

  heal(): Promise<void> {
    return heal(this.id);
  }

  /**
   * Which directors hold each of the lab's virtual addresses (VIP, DIP) right now. More than one is a
   * split brain — or a SIGKILLed keepalived, which leaves its addresses behind as the real one does.
   */
  async addressHolders(): Promise<Record<string, string[]>> {
    const wanted = [this.topology.vip, this.topology.dip, this.topology.vip6, this.topology.dip6].filter((a): a is string => !!a);
    const out: Record<string, string[]> = Object.fromEntries(wanted.map((a) => [a, []]));
    if (wanted.length === 0) return out;
    const v6 = wanted.some((a) => a.includes(':'));
    const listings = await Promise.all(this.lab.directors.map(async (h) => ({ name: h.name, text: (await h.exec(['ip', '-o', ...(v6 ? [] : ['-4']), 'addr', 'show'], { check: false })).stdout })));
    for (const { name, text } of listings) {
      // `ip` prints IPv6 in the canonical text the topology keeps
      for (const a of wanted) if (text.includes(`${a.includes(':') ? 'inet6' : 'inet'} ${a}/`)) out[a].push(name);
    }
    return out;
  }

  /** UDP datagram counts per source (addr:port) per server, for attributing UDP probes. */
  async udpPeerCounts(port: number): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const { server, peer } of await this.udpPeers(port)) {
      const key = `${peer.peerAddress}:${peer.peerPort}`;
      const m = out.get(key) ?? new Map<string, number>();
      m.set(server, (m.get(server) ?? 0) + peer.datagrams);
      out.set(key, m);
    }
    return out;
  }

  async udpPeers(port?: number): Promise<{ server: string; peer: UdpPeerRecord }[]> {
    const lists = await Promise.all(this.reals.map(async (r) => (await r.udpPeers(port)).map((peer) => ({ server: r.identity, peer }))));
    return lists.flat();
  }

  /** HTTP requests every real server saw since `since` (epoch ms). */
  async httpRequests(since?: number): Promise<{ server: string; request: HttpRequestRecord }[]> {
    const lists = await Promise.all(this.reals.map(async (r) => (await r.httpRequests({ since })).map((request) => ({ server: r.identity, request }))));
    return lists.flat();
  }

  /** Start capturing every segment to `dir` (one pcap per segment). */
  capture(dir: string): Promise<Capture> {
    return startCapture(this.id, this.topology, dir);
  }

  /** Copy the lab's logs (agents, directors) to `dir` before they go with the lab; returns the files. */
  saveLogs(dir: string): Promise<string[]> {
    return copyLabLogs(this.id, dir);
  }

  /** Stop the backend, tear the lab down (processes, namespaces, run directory). Safe to call twice. */
  async down(): Promise<void> {
    if (this.down_) return;
    this.down_ = true;
    try {
      await this.session?.close();
    } finally {
      await this.lab.teardown();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}
