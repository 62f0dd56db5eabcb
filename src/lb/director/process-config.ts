// How the director's two processes (main.ts: the data plane; keepalived-main.ts: the keepalived side)
// fail at start, read the JSON configuration their starter wrote, and stop on a signal: one place for both.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { timestamped } from './lines.js';

/** A timestamped error line on stderr, then exit (2: bad input). */
export function failProcess(who: string, msg: string, status = 2): never {
  process.stderr.write(timestamped(`${who}: ${msg}`));
  process.exit(status);
}

/** `--config FILE.json`, read and checked against `schema`; any problem ends the process naming it. */
export function readConfigArg<S extends z.ZodType>(schema: S, who: string, entry: string): { path: string; value: z.infer<S> } {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: false });
  if (!values.config) failProcess(who, `usage: ${entry} --config FILE.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(values.config, 'utf8'));
  } catch (err) {
    failProcess(who, `config ${values.config}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    failProcess(who, `config ${values.config}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return { path: values.config, value: parsed.data };
}

/**
 * SIGTERM / SIGINT: log, stop gracefully, release the lock, exit 0; a stop that hangs for 10 s exits 1.
 * `prefix` goes before the log lines ("keepalived: " for the keepalived side, nothing for the daemon).
 */
export function stopOnSignals(proc: { log(line: string): void; stop(): Promise<void> }, lock: { release(): void } | undefined, prefix = ''): void {
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    proc.log(`${prefix}${sig}: stopping`);
    void proc.stop().then(() => {
      proc.log(`${prefix}stopped`);
      lock?.release();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
