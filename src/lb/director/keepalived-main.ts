#!/usr/bin/env node
// keepalived's side of an embedded director as a process: `node dist/lb/director/keepalived-main.js
// --config FILE`, started by the embedded backend in the director's namespace after the data plane
// (main.ts) answers. It takes the director's keepalived lock first (lock.ts: one keepalived side per
// director; a second one leaves at once, touching nothing), runs until SIGTERM/SIGINT or a control
// `stop` (VRRP resigns, the VIPs go), and on SIGKILL leaves the VIPs and the data plane's table as
// they are. Every line it logs starts with an ISO timestamp.
import { z } from 'zod';
import { KeepalivedSide, type KeepalivedSideConfig } from './keepalived.js';
import { timestamped } from './lines.js';
import { HeldLock, lockHolder } from './lock.js';
import { failProcess, readConfigArg, stopOnSignals } from './process-config.js';

const ConfigSchema = z.object({
  director: z.string().min(1),
  socket: z.string().min(1),
  dataplaneSocket: z.string().min(1),
  keepalivedConf: z.string(),
  keepalivedFile: z.string().optional(),
  lock: z.string().min(1).optional(),
  modules: z.array(z.object({ import: z.string().min(1), options: z.unknown().optional() })).optional(),
  dataplaneCheckMs: z.number().int().min(0).max(3_600_000).optional(),
});

/** Exit status of a keepalived side that found another one running for its director (as main.ts). */
const EXIT_LOCKED = 3;

function fail(msg: string, status = 2): never {
  return failProcess('keepalived', msg, status);
}

const parsedConfig = readConfigArg(ConfigSchema, 'keepalived', 'keepalived-main.js');
const config = parsedConfig.value as KeepalivedSideConfig;

let lock: HeldLock | undefined;
if (config.lock) {
  lock = HeldLock.tryAcquire(config.lock, `keepalived ${config.director}`);
  if (!lock) {
    const pid = lockHolder(config.lock);
    fail(`keepalived is already running on ${config.director}${pid ? ` (pid ${pid})` : ''}: it holds ${config.lock}; not starting a second one`, EXIT_LOCKED);
  }
}

const log = (m: string) => process.stderr.write(timestamped(m));
// A module's stray error must not take VRRP down: log and carry on.
process.on('uncaughtException', (err) => log(`keepalived: uncaught: ${err.stack ?? err}`));
process.on('unhandledRejection', (err) => log(`keepalived: unhandled rejection: ${String(err)}`));

let side: KeepalivedSide;
// the director daemon gone under us is the director's death: go with it, resigning nothing
const onDataplaneGone = (why: string) => {
  log(`keepalived: the director daemon is gone (${why}): exiting with it, without resigning`);
  void side.die().then(() => {
    lock?.release();
    process.exit(1);
  });
  setTimeout(() => process.exit(1), 5000).unref();
};
try {
  side = await KeepalivedSide.start(config, { log, onDataplaneGone });
} catch (err) {
  fail((err as Error).message);
}
stopOnSignals(side, lock, 'keepalived: ');
