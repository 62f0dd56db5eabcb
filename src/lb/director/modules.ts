// The contract between a director's processes and the modules they host: keepalived's side of a
// director — VRRP (vrrp-module.ts), the health checkers (checker-module.ts) and lvs_sync_daemon
// (sync-module.ts). The embedded backend runs them in the keepalived-side process (keepalived.ts),
// apart from the data plane (daemon.ts), which hosts the sync daemons' reporting; a process's config
// names each module by a ModuleSpec; the module file's default export builds it. See docs/director.md.
//
// What the daemon calls:
//  - `DirectorModule.start(host)` after the core is configured and the data plane runs;
//  - `DirectorModule.control(call, args)` for control requests `{op:"module", module, call, args}`;
//  - `DirectorModule.status()` — included in the daemon's `status` answer;
//  - `DirectorModule.stop(how)` — 'graceful' on SIGTERM/stop (VRRP sends priority 0), before the
//    data plane is taken down; newest module first.
// What a module gets (DirectorHost):
//  - `host.config` — the director's name and keepalived.conf;
//  - `host.ipvsadm(argv)` — change the table as ipvsadm would (the netfilter rules follow);
//  - `host.onServicesChanged(cb)` — called after any ipvsadm change to the service table (only in
//    the data-plane process, which sees every change);
//  - `host.events` — what modules tell each other (the vrrp module publishes VRRP transitions, the
//    sync module follows them), so nothing travels through process-wide state;
//  - `host.core` — the IPVS core the packets go through, in the data-plane process (the sync module
//    asks it for its daemons); `host.syncIdle()` in the keepalived-side process instead, which waits,
//    over the control socket, until the data plane's sync daemons have settled;
//  - `host.log(line)`.
import type { EventEmitter } from 'node:events';
import { compiledPath } from '../../lab/dist-path.js';
import type { IpvsadmResult } from '../ipvs/types.js';
import type { VrrpTransitionEvent } from '../vrrp/speaker.js';
import type { IpvsCore } from './ipvs-core.js';
import type { RuleService } from './netfilter.js';

export interface ModuleSpec {
  /** an absolute module path or package specifier whose default export is a DirectorModuleFactory */
  import: string;
  options?: unknown;
}

/** The part of the director's configuration its modules read. */
export interface HostConfig {
  /** the lab's director host name (ds1, ds2) */
  readonly director: string;
  /** keepalived.conf text (its virtual_server blocks configure the core at start; modules read the rest) */
  readonly keepalivedConf?: string;
  /** the file it came from, as messages about it name it (default `keepalived.conf`) */
  readonly keepalivedFile?: string;
}

/** Events the hosted modules publish to each other through the daemon. */
export interface DirectorEvents {
  /** a VRRP instance changed state (published by the vrrp module from the first INIT -> BACKUP on) */
  vrrpTransition: [VrrpTransitionEvent];
}

export interface DirectorHost {
  readonly config: HostConfig;
  /** the IPVS core, where the module runs in the data-plane process */
  readonly core?: IpvsCore;
  readonly events: EventEmitter<DirectorEvents>;
  log(msg: string): void;
  ipvsadm(argv: string[], stdin?: string): Promise<IpvsadmResult>;
  /** the data-plane process only: it sees every change, whoever made it */
  onServicesChanged?(cb: (services: RuleService[]) => void): void;
  /** the keepalived-side process: wait until the data plane's sync daemons have settled */
  syncIdle?(): Promise<void>;
}

export interface DirectorModule {
  readonly name: string;
  start(host: DirectorHost): Promise<void> | void;
  stop(how: 'graceful' | 'kill'): Promise<void> | void;
  status?(): unknown;
  control?(call: string, args: unknown): Promise<unknown> | unknown;
}

export type DirectorModuleFactory = (options: unknown) => DirectorModule;

/**
 * The spec of one of lvslab's own modules, from its module URL (`import.meta.url`): the daemon runs
 * compiled code, so the spec names the module's file under dist/ (see src/lab/dist-path.ts).
 */
export function ownModuleSpec(moduleUrl: string, what: string, options: unknown): ModuleSpec {
  return { import: compiledPath(moduleUrl, what), options };
}

/** Import a spec's module and build it with the spec's options. */
export async function loadModule(spec: ModuleSpec): Promise<DirectorModule> {
  const mod = (await import(spec.import)) as { default?: DirectorModuleFactory };
  if (typeof mod.default !== 'function') throw new Error(`module ${spec.import}: no default export factory`);
  return mod.default(spec.options);
}

/** The control socket's `module` op, the same in both processes: the named module's control call. */
export async function callModule(modules: readonly DirectorModule[], name: unknown, call: unknown, args: unknown): Promise<unknown> {
  const m = modules.find((x) => x.name === name);
  if (!m) throw new Error(`no module '${String(name)}' (running: ${modules.map((x) => x.name).join(', ') || 'none'})`);
  if (!m.control) throw new Error(`module '${m.name}' takes no control calls`);
  return await m.control(String(call ?? ''), args);
}
