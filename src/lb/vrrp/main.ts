#!/usr/bin/env node
// Standalone VRRP process, one per director namespace, for labs whose director daemon does not host
// VRRP (and for interop runs next to real keepalived):
//   ip netns exec lvs-<id>-ds1 node dist/lb/vrrp/main.js --config keepalived.conf [--map eth0=ext0,eth1=int0] [--state FILE]
// stdout: one JSON line per event ({"event":"transition",...}, {"event":"ready"}, {"event":"stopped"}).
// stderr: keepalived-style log lines and config warnings. SIGTERM/SIGINT: resign (priority 0), exit 0.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KeepalivedConfError, startupLog } from '../keepalived/index.js';
import { loadVrrpConfig, parseInterfaceMap } from './load.js';
import { VrrpSpeaker } from './speaker.js';

function fail(msg: string): never {
  process.stderr.write(`lvslab vrrp: ${msg}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { config: { type: 'string' }, map: { type: 'string' }, state: { type: 'string' } },
  allowPositionals: false,
});
if (!values.config) fail('usage: main.js --config keepalived.conf [--map eth0=ext0,...] [--state FILE]');

let loaded;
try {
  const interfaces = values.map ? parseInterfaceMap(values.map) : undefined;
  loaded = loadVrrpConfig(readFileSync(values.config, 'utf8'), { file: values.config, ...(interfaces ? { interfaces } : {}) });
} catch (e) {
  fail(e instanceof KeepalivedConfError ? `invalid configuration:\n${e.message}` : (e as Error).message);
}
// what `keepalived --vrrp` logs about its file at start: the parent's lines, the NOTICE, the VRRP child's
for (const line of startupLog(loaded, ['vrrp'])) process.stderr.write(`${line}\n`);

const out = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
process.on('uncaughtException', (err) => process.stderr.write(`lvslab vrrp: uncaught: ${err.stack ?? err}\n`));

let speaker: VrrpSpeaker;
try {
  speaker = await VrrpSpeaker.start({ config: loaded.config, log: (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) });
} catch (e) {
  fail((e as Error).message);
}

const writeState = () => {
  if (!values.state) return;
  const tmp = `${values.state}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, ...speaker.status() }));
  renameSync(tmp, values.state);
};
speaker.on('transition', (t) => {
  out({ event: 'transition', ...t });
  // VIP changes are applied asynchronously: write the state once they are in
  void speaker.settled().then(writeState);
});
writeState();
// counters and learned masters change without a transition: refresh the file a few times a second
if (values.state) setInterval(writeState, 200).unref();
out({ event: 'ready', pid: process.pid });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await speaker.stop();
  writeState();
  out({ event: 'stopped', status: speaker.status() });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGUSR1', () => out({ event: 'status', status: speaker.status() }));
