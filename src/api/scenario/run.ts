// Running scenario files: build the lab, start the backend with the scenario's director config, run
// the steps in order, judge each step's expectations, tear down — and describe all of it as a
// ScenarioReport the terminal, JSON, JUnit and HTML reports render.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPORT_FORMAT, type RunReport, type ScenarioReport, type StepReport } from '../../checks/report/model.js';
import { preset, resolveTopology, type LabDescription, type LabSource } from '../../lab/index.js';
import type { BackendName, DirectorConfig } from '../../lb/backend.js';
import { BackendUnavailableError } from '../backends.js';
import { IpvsadmOutput, up, type LvsLab } from '../up.js';
import { judgeIpvsadm, judgeProbes, type ServerSide } from './expectations.js';
import { directorConfigs, loadScenario, resolveFrom, ScenarioError, type LoadedScenario } from './load.js';
import type { FaultSpec, Scenario, ScenarioStep } from './schema.js';
import type { VmKernel } from '../../lab/vm/kernel-cache.js';

export interface RunOptions {
  /** run every scenario on these backends instead of the ones the files name */
  backends?: BackendName[];
  /** a scenario skipped because its backend is unavailable does not stop the run passing (see runVerdict) */
  allowSkips?: boolean;
  onProgress?: (message: string) => void;
}

/** The shipped scenarios (scenarios/ in the package). */
export function shippedScenariosDir(): string {
  // src/api/scenario/ and dist/api/scenario/ are both three levels below the package root.
  return fileURLToPath(new URL('../../../scenarios/', import.meta.url));
}

/** `article` -> the shipped article scenarios; a directory -> its *.yaml; a file -> itself. */
export async function resolveScenarioFiles(spec: string): Promise<string[]> {
  const named = join(shippedScenariosDir(), spec);
  const candidates = /^[a-z][a-z0-9-]*$/.test(spec) ? [named, spec] : [spec];
  for (const c of candidates) {
    const s = await stat(c).catch(() => undefined);
    if (s?.isDirectory()) {
      const files = (await readdir(c)).filter((f) => /\.ya?ml$/.test(f)).sort();
      if (files.length === 0) throw new Error(`${c}: no scenario files (*.yaml) in it`);
      return files.map((f) => join(c, f));
    }
    if (s?.isFile()) return [c];
  }
  throw new Error(`'${spec}' is not a scenario file, a directory of them, or a shipped set (${(await readdir(shippedScenariosDir()).catch(() => [])).join(', ') || 'none'})`);
}

export function backendsOf(s: Scenario, override?: BackendName[]): BackendName[] {
  if (override?.length) return override;
  if (s.backend === 'both') return ['embedded', 'kernel'];
  return Array.isArray(s.backend) ? [...new Set(s.backend)] : [s.backend];
}

async function labSourceOf(l: LoadedScenario): Promise<{ source: LabSource; preset?: string }> {
  const lab = l.scenario.lab;
  const found: { source: LabSource; preset?: string } =
    typeof lab !== 'string' ? { source: lab as unknown as LabDescription } : preset(lab) ? { source: lab, preset: lab } : { source: resolveFrom(l.dir, lab) };
  // the scenario's keep-alive timeout wins over the lab's
  const keepAliveTimeout = l.scenario.keepAliveTimeout;
  return keepAliveTimeout === undefined ? found : { ...found, source: { ...(await resolveTopology(found.source)), keepAliveTimeout } };
}

/** The directors' configurations, read and checked again (the files may have changed since load). */
async function startConfigs(l: LoadedScenario): Promise<Record<string, DirectorConfig>> {
  const { configs, problems } = await directorConfigs(l);
  if (problems.length > 0) throw new ScenarioError(l.file, problems);
  return configs;
}

function stepTitle(step: ScenarioStep, i: number): string {
  if (step.name) return step.name;
  if (step.ipvsadm) return `ipvsadm ${[step.ipvsadm.args].flat().join(' ')}`;
  const kind = Object.keys(step).find((k) => k !== 'expect' && k !== 'name');
  return `step ${i + 1} (${kind})`;
}

function argvOf(x: string | string[]): string[] {
  return Array.isArray(x) ? x : x.trim().split(/\s+/);
}

async function applyFault(lab: LvsLab, f: FaultSpec): Promise<string> {
  if ('kill' in f || 'stop' in f) {
    const name = 'kill' in f ? f.kill : f.stop;
    const h = lab.host(name);
    if (h.role === 'director') await ('kill' in f ? lab.director(name).kill() : lab.director(name).stop());
    else if (h.role === 'real') await lab.real(name).kill();
    else throw new Error(`${'kill' in f ? 'kill' : 'stop'}: ${name} is a ${h.role}; only directors and real servers can be killed or stopped`);
    return `${'kill' in f ? 'killed' : 'stopped'} ${name}`;
  }
  if ('killKeepalived' in f || 'startKeepalived' in f) {
    const name = 'killKeepalived' in f ? f.killKeepalived : f.startKeepalived;
    const h = lab.host(name);
    const what = 'killKeepalived' in f ? 'killKeepalived' : 'startKeepalived';
    if (h.role !== 'director') throw new Error(`${what}: ${name} is a ${h.role === 'real' ? 'real server' : h.role}; only directors run keepalived`);
    await ('killKeepalived' in f ? lab.director(name).killKeepalived() : lab.director(name).startKeepalived());
    return `${'killKeepalived' in f ? 'killed' : 'started'} keepalived on ${name}`;
  }
  if ('linkDown' in f || 'linkUp' in f) {
    const spec = 'linkDown' in f ? f.linkDown : f.linkUp;
    const [host, iface] = spec.split(':');
    await ('linkDown' in f ? lab.host(host).linkDown(iface) : lab.host(host).linkUp(iface));
    return `link ${spec} ${'linkDown' in f ? 'down' : 'up'}`;
  }
  if ('partition' in f) {
    await lab.partition(f.partition[0], f.partition[1]);
    return `partitioned ${f.partition[0].join(',')} | ${f.partition[1].join(',')}`;
  }
  await lab.heal();
  return 'healed the partition';
}

/** Files for sendFile: given paths (relative to the scenario), or generated text of a given size. */
async function filesFor(l: LoadedScenario, specs: NonNullable<ScenarioStep['sendFile']>['files'], scratch: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of specs) {
    if (typeof f === 'string') {
      out.push(resolveFrom(l.dir, f));
      continue;
    }
    // Printable lines, like the text files the article sent, random so a mix-up cannot pass.
    let text = '';
    while (text.length < f.bytes) text += randomBytes(48).toString('base64') + '\n';
    const path = join(scratch, basename(f.name));
    await writeFile(path, text.slice(0, f.bytes));
    out.push(path);
  }
  return out;
}

async function runStep(l: LoadedScenario, lab: LvsLab, step: ScenarioStep, scratch: string): Promise<Omit<StepReport, 'name' | 'durationMs'>> {
  const e = step.expect ?? {};
  const started = Date.now();
  if (step.http) {
    const s = step.http;
    const from = lab.probesFrom(s.from ?? lab.client.name);
    const run = await from.http(s.target, { port: s.port, path: s.path, count: s.count, concurrency: s.concurrency, keepAlive: s.keepAlive, timeoutMs: s.timeoutMs, localAddress: s.localAddress, sourcePorts: s.sourcePorts });
    const side: ServerSide = {};
    if (e.clientAddressSeen) side.clientAddresses = (await lab.httpRequests(started)).map((r) => r.request.remoteAddress);
    return {
      kind: 'http',
      summary: `${from.name}: ${s.count} HTTP request${s.count === 1 ? '' : 's'} to ${s.port ? hostPort(s.target, s.port) : s.target}${s.keepAlive ? ' (keep-alive)' : ''}`,
      records: run.records,
      counts: run.counts,
      ...(e.weights ? { weights: e.weights } : {}),
      checks: judgeProbes(e, run, side),
    };
  }
  if (step.udp) {
    const s = step.udp;
    const from = lab.probesFrom(s.from ?? lab.client.name);
    const run = await from.udp(s.target, { port: s.port, count: s.count, payload: s.payload, sourcePort: s.sourcePort, waitReply: s.waitReply, intervalMs: s.intervalMs, timeoutMs: s.timeoutMs, localAddress: s.localAddress });
    const side: ServerSide = {};
    if (e.clientAddressSeen) side.clientAddresses = (await lab.udpPeers(s.port)).filter((p) => p.peer.lastAt >= started).map((p) => p.peer.peerAddress);
    return {
      kind: 'udp',
      summary: `${from.name}: ${s.count} UDP datagram${s.count === 1 ? '' : 's'} to ${hostPort(s.target, s.port)} ${s.sourcePort ? `from source port ${s.sourcePort}` : 'from fresh source ports'}`,
      records: run.records,
      counts: run.counts,
      ...(e.weights ? { weights: e.weights } : {}),
      checks: judgeProbes(e, run, side),
    };
  }
  if (step.sendFile) {
    const s = step.sendFile;
    const from = lab.probesFrom(s.from ?? lab.client.name);
    const files = await filesFor(l, s.files, scratch);
    const run = await from.sendFile(s.target, files, { port: s.port, chunkSize: s.chunkSize, waitMs: s.waitMs, localAddress: typeof s.localAddress === 'string' && s.localAddress !== 'extra' ? s.localAddress : undefined });
    const side: ServerSide = { deliveries: run.deliveries.map((d) => ({ ...d, file: basename(d.file) })) };
    if (e.clientAddressSeen) side.clientAddresses = (await lab.udpPeers(s.port)).filter((p) => p.peer.lastAt >= started).map((p) => p.peer.peerAddress);
    const landed = run.deliveries.map((d) => `${basename(d.file)} (${d.bytes} bytes, port ${d.localPort}) -> ${d.server ?? 'nobody'}${d.intact ? ', identical' : `, ${d.receivedBytes} bytes received`}`);
    return {
      kind: 'sendFile',
      summary: `${from.name}: ${files.length} file${files.length === 1 ? '' : 's'} to ${hostPort(s.target, s.port)}, like nc -u -w 1`,
      records: run.records,
      counts: run.counts,
      output: landed.join('\n'),
      checks: judgeProbes(e, run, side),
    };
  }
  if (step.probeContinuously) {
    const s = step.probeContinuously;
    const from = lab.probesFrom(s.from ?? lab.client.name);
    const faults = (s.during ?? []).map(async ({ atMs, fault }) => {
      await sleep(atMs);
      return `${atMs} ms: ${await applyFault(lab, fault)}`;
    });
    const [run, ...done] = await Promise.all([
      from.probeContinuously(s.target, { everyMs: s.everyMs, forMs: s.forMs, protocol: s.protocol, port: s.port, path: s.path, timeoutMs: s.timeoutMs, localAddress: typeof s.localAddress === 'string' && s.localAddress !== 'extra' ? s.localAddress : undefined }),
      ...faults,
    ]);
    return {
      kind: 'probeContinuously',
      summary: `${from.name}: a ${s.protocol ?? 'http'} probe every ${s.everyMs} ms for ${s.forMs} ms to ${s.target}`,
      records: run.records,
      counts: run.counts,
      ...(done.length ? { output: (done as string[]).join('\n') } : {}),
      checks: judgeProbes(e, run),
    };
  }
  if (step.ipvsadm) {
    const argv = argvOf(step.ipvsadm.args);
    const r = await lab.director(step.ipvsadm.on).ipvsadm(...argv, { check: false });
    const parse = { table: () => r.table, connections: () => r.connections };
    const checks = judgeIpvsadm(e, r, parse);
    // A failing ipvsadm nobody asked about is an error, not something to pass over silently.
    const error = e.status === undefined && r.status !== 0 ? `ipvsadm exited ${r.status}: ${r.stderr.trim()}` : undefined;
    return { kind: 'ipvsadm', summary: `${step.ipvsadm.on}: ipvsadm ${argv.join(' ')}`, output: show(r), checks, ...(error ? { error } : {}) };
  }
  if (step.exec) {
    const argv = argvOf(step.exec.command);
    const r = await lab.host(step.exec.on).exec(argv, { check: false });
    const checks = [];
    if (e.exitCode !== undefined) checks.push({ name: `exit code ${e.exitCode}`, pass: r.exitCode === e.exitCode, message: `exited ${r.exitCode}: ${r.stderr.trim()}` });
    for (const text of e.contains ?? []) checks.push({ name: `output contains '${text}'`, pass: r.stdout.includes(text), message: `not in:\n${r.stdout}` });
    const error = e.exitCode === undefined && r.exitCode !== 0 ? `exited ${r.exitCode}: ${r.stderr.trim()}` : undefined;
    return { kind: 'exec', summary: `${step.exec.on}: ${argv.join(' ')}`, ...(r.stdout.trim() ? { output: r.stdout } : {}), checks: checks.map((c) => ({ ...c, message: c.pass ? '' : c.message })), ...(error ? { error } : {}) };
  }
  if (step.fault) return { kind: 'fault', summary: await applyFault(lab, step.fault), checks: [] };
  if (step.wait !== undefined) {
    await sleep(step.wait);
    return { kind: 'wait', summary: `waited ${step.wait} ms`, checks: [] };
  }
  throw new Error('a step with nothing to do'); // the schema rules this out
}

function show(r: IpvsadmOutput): string {
  return `$ ipvsadm ${r.args.join(' ')}\n${r.stdout}${r.stderr ? r.stderr : ''}`.replace(/\n+$/, '');
}

/** Run one loaded scenario on one backend. Never throws for the scenario's own failures: they go in the report. */
export async function runScenario(l: LoadedScenario, backend: BackendName, opts: RunOptions = {}): Promise<ScenarioReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const t0 = performance.now();
  const { source, preset: presetName } = await labSourceOf(l);
  const report: ScenarioReport = { name: l.scenario.name, file: l.file, backend, lab: presetName ? { preset: presetName } : {}, steps: [], durationMs: 0 };
  if (l.scenario.description) report.description = l.scenario.description.trim();
  let lab: LvsLab | undefined;
  const scratch = await mkdtemp(join(tmpdir(), 'lvslab-scenario-'));
  try {
    lab = await up(source, { backend, directors: await startConfigs(l), onProgress: (m) => progress(`${l.scenario.name} [${backend}]: ${m}`) });
    report.lab = { ...report.lab, id: lab.id, topology: lab.topology };
    const steps = l.scenario.steps;
    for (let i = 0; i < steps.length; i++) {
      const name = stepTitle(steps[i], i);
      progress(`${l.scenario.name} [${backend}]: step ${i + 1}/${steps.length}: ${name}`);
      const s0 = performance.now();
      try {
        const r = await runStep(l, lab, steps[i], scratch);
        report.steps.push({ name, durationMs: performance.now() - s0, ...r });
      } catch (err) {
        report.steps.push({ name, kind: 'exec', summary: 'could not run', durationMs: performance.now() - s0, checks: [], error: (err as Error).message });
      }
    }
    report.lab.addressHolders = await lab.addressHolders().catch(() => undefined);
  } catch (err) {
    if (err instanceof BackendUnavailableError) report.skipped = err.message;
    else report.error = (err as Error).message;
  } finally {
    progress(`${l.scenario.name} [${backend}]: tearing down`);
    await lab?.down().catch((err: Error) => {
      report.error = [report.error, `teardown: ${err.message}`].filter(Boolean).join('; ');
    });
    await rm(scratch, { recursive: true, force: true });
    report.durationMs = performance.now() - t0;
  }
  return report;
}

/** What a scenario's steps take on the host at most, by what they declare: the base of its in-VM time bound. */
export function nominalStepsMs(s: Scenario): number {
  // A step without a declared duration (exec, ipvsadm, fault) or a probe without a timeout counts
  // as this much: a probe's own default timeout and an `ip`/`ipvsadm` run on a loaded host both fit.
  const EACH = 2_000;
  let ms = 0;
  for (const st of s.steps) {
    if (st.wait !== undefined) ms += st.wait;
    else if (st.http) ms += Math.ceil(st.http.count / (st.http.concurrency ?? 1)) * (st.http.timeoutMs ?? EACH);
    else if (st.udp) ms += st.udp.count * ((st.udp.intervalMs ?? 0) + (st.udp.timeoutMs ?? EACH));
    else if (st.sendFile) ms += st.sendFile.files.length * ((st.sendFile.waitMs ?? 1_000) + EACH);
    else if (st.probeContinuously) ms += st.probeContinuously.forMs + (st.probeContinuously.timeoutMs ?? EACH);
    else ms += EACH;
  }
  return ms;
}

/**
 * Where the kernel backend runs for this process: natively (or inside the kernel VM already) it is
 * opened like any backend; on a host without IPVS but with the kernel VM, the kernel scenarios go
 * to the VM; otherwise they are skipped with the reason (which names the fix).
 */
async function kernelPlacement(): Promise<{ mode: 'here' } | { mode: 'vm'; kernel: VmKernel } | { mode: 'skip'; reason: string }> {
  const { detectKernelCapability, insideKernelVm } = await import('../../lb/kernel/capability.js');
  if (insideKernelVm()) return { mode: 'here' };
  const cap = await detectKernelCapability();
  if (cap.mode === 'native') return { mode: 'here' };
  if (cap.mode === 'vm') return { mode: 'vm', kernel: cap.kernel };
  return { mode: 'skip', reason: `the kernel backend is unavailable: ${cap.reason}` };
}

/**
 * Run scenario files (each on its backends, one after another: labs share two cores). Kernel
 * scenarios on a host without IPVS run together in one kernel VM boot (src/lb/kernel/vm-run.ts),
 * after the host's; the report keeps the files' order either way.
 */
export async function runScenarioFiles(files: string[], title: string, opts: RunOptions = {}): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loaded = [];
  for (const f of files) loaded.push(await loadScenario(f)); // every file valid before any lab is built
  const jobs = loaded.flatMap((l) => backendsOf(l.scenario, opts.backends).map((backend) => ({ l, backend })));
  const placement = jobs.some((j) => j.backend === 'kernel') ? await kernelPlacement() : { mode: 'here' as const };
  const scenarios: Array<ScenarioReport | undefined> = [];
  for (const { l, backend } of jobs) {
    if (backend !== 'kernel' || placement.mode === 'here') scenarios.push(await runScenario(l, backend, opts));
    else if (placement.mode === 'skip') scenarios.push({ name: l.scenario.name, file: l.file, backend, lab: {}, steps: [], durationMs: 0, skipped: placement.reason });
    else scenarios.push(undefined);
  }
  if (placement.mode === 'vm') {
    const inVm = jobs.flatMap(({ l, backend }, i) => (backend === 'kernel' ? [{ i, file: l.file, name: l.scenario.name, nominalMs: nominalStepsMs(l.scenario) }] : []));
    const { runScenariosInVm } = await import('../../lb/kernel/vm-run.js');
    const reports = await runScenariosInVm(inVm, { kernel: placement.kernel, onProgress: opts.onProgress });
    inVm.forEach(({ i }, k) => (scenarios[i] = reports[k]));
  }
  return { format: REPORT_FORMAT, title, startedAt, durationMs: performance.now() - t0, scenarios: scenarios as ScenarioReport[], ...(opts.allowSkips ? { allowSkips: true } : {}) };
}

/** "a.b.c.d:port", or "[x:x::x]:port" for a bare IPv6 target (a URL or bracketed one is left as written). */
function hostPort(target: string, port: number): string {
  return target.includes(':') && !target.includes('[') && !target.includes('/') ? `[${target}]:${port}` : `${target}:${port}`;
}
