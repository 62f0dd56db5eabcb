#!/usr/bin/env node
// The director daemon's process entry: `node dist/lb/director/main.js --config FILE`, started by the
// embedded backend inside a director's namespace (`ip netns exec lvs-<id>-<director>`). It takes
// the director's lock first (lock.ts: one daemon per director; a second one leaves at once, touching
// nothing), runs until SIGTERM/SIGINT or a control `stop`, and removes its rules on the way out.
// Every line it logs starts with an ISO timestamp.
import { z } from 'zod';
import { DirectorDaemon, timestamped, type DaemonConfig } from './daemon.js';
import { createCore } from './core.js';
import type { IpvsCore } from './ipvs-core.js';
import { HeldLock, lockHolder } from './lock.js';
import { failProcess, readConfigArg, stopOnSignals } from './process-config.js';
import type { DirectorModule } from './modules.js';

const ConfigSchema = z.object({
  director: z.string().min(1),
  socket: z.string().min(1),
  queue: z.number().int().min(0).max(65535).optional(),
  queueMaxlen: z.number().int().min(1).max(1 << 20).optional(),
  transport: z.enum(['netlink', 'koffi']).optional(),
  dataplane: z.enum(['per-packet', 'offload']).optional(),
  kernel: z.string().min(1).optional(),
  ipvsadm: z.array(z.string()).optional(),
  keepalivedConf: z.string().optional(),
  keepalivedFile: z.string().optional(),
  lock: z.string().min(1).optional(),
  rulesCheckMs: z.number().int().min(0).max(3_600_000).optional(),
  markBase: z.number().int().positive().optional(),
  modules: z.array(z.object({ import: z.string().min(1), options: z.unknown().optional() })).optional(),
  /** test seam: a module whose default export builds the IPVS core (default: the embedded IPVS) */
  coreModule: z.string().optional(),
});

/** Exit status of a daemon that found another one running for its director. */
const EXIT_LOCKED = 3;

function fail(msg: string, status = 2): never {
  return failProcess('lvslab director', msg, status);
}

const parsedConfig = readConfigArg(ConfigSchema, 'lvslab director', 'main.js');
const { coreModule, ...config } = parsedConfig.value as DaemonConfig & { coreModule?: string };

// Before the queue, the rules or the socket: a second daemon must leave without touching the first's.
let lock: HeldLock | undefined;
if (config.lock) {
  lock = HeldLock.tryAcquire(config.lock, `director daemon ${config.director}`);
  if (!lock) {
    const pid = lockHolder(config.lock);
    fail(`another director daemon is running on ${config.director}${pid ? ` (pid ${pid})` : ''}: it holds ${config.lock}; not starting a second one`, EXIT_LOCKED);
  }
}

const log = (m: string) => process.stderr.write(timestamped(m));
let core: IpvsCore;
let builtin: DirectorModule[] = [];
if (coreModule) {
  const m = (await import(coreModule)) as { default: () => IpvsCore };
  core = m.default();
} else {
  try {
    ({ core, modules: builtin } = createCore(log, config.kernel));
  } catch (err) {
    fail(`config ${parsedConfig.path}: kernel: ${(err as Error).message}`);
  }
}

// A packet or a module must never take the data plane down: log and carry on.
process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err}`));
process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String(err)}`));

let daemon: DirectorDaemon;
try {
  daemon = await DirectorDaemon.start(config, core, { builtinModules: builtin, log });
} catch (err) {
  fail((err as Error).message);
}
stopOnSignals(daemon, lock);
