// How the director's two processes (main.ts: the data plane; keepalived-main.ts: the keepalived side)
// fail at start and read the JSON configuration their starter wrote: one place for both.
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
