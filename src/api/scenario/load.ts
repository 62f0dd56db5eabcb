// Reading scenario files: YAML text -> validated Scenario, with every problem as `FILE: PATH: what`,
// all at once. Relative paths inside a scenario (keepalived.conf, lab files, files to send) are
// resolved against the scenario file's directory. loadScenario also reads and checks each
// director's keepalived.conf and ipvsadm lines (director-inputs.ts), so a typo there costs no lab.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ZodError } from 'zod';
import type { DirectorConfig } from '../../lb/backend.js';
import { checkDirectorConfig } from '../director-inputs.js';
import { scenarioSchema, type Scenario } from './schema.js';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid scenario:\n  ${problems.join('\n  ')}`);
  }
}

export interface LoadedScenario {
  file: string;
  dir: string;
  scenario: Scenario;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(top level)';
}

export function formatZodProblems(error: ZodError): string[] {
  return error.issues.map((i) => {
    // A union without its own message says only "Invalid input": point at the format instead.
    const message = i.code === 'invalid_union' && /^Invalid input$/.test(i.message) ? 'not one of the accepted forms (see docs/scenarios.md)' : i.message;
    return `${issuePath(i.path)}: ${message}`;
  });
}

/** Parse and validate scenario text; `file` names it in errors and anchors relative paths. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ScenarioError(file, formatZodProblems(parsed.error));
  return { file, dir: dirname(resolve(file)), scenario: parsed.data };
}

export async function loadScenario(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  const loaded = parseScenario(text, file);
  const { problems } = await directorConfigs(loaded);
  if (problems.length > 0) throw new ScenarioError(file, problems);
  return loaded;
}

/**
 * Each director's configuration as the scenario gives it (its keepalived.conf read, named as the
 * user can find it), checked as the director will check it. Problems name the scenario path, the
 * file, its line and what is wrong.
 */
export async function directorConfigs(l: LoadedScenario): Promise<{ configs: Record<string, DirectorConfig>; problems: string[] }> {
  const configs: Record<string, DirectorConfig> = {};
  const problems: string[] = [];
  for (const [name, d] of Object.entries(l.scenario.directors)) {
    const at = `directors.${name}`;
    const config: DirectorConfig = {};
    if (d.ipvsadm) config.ipvsadm = d.ipvsadm;
    if (d.dataplane) config.dataplane = d.dataplane;
    if (d.keepalived) {
      const path = resolveFrom(l.dir, d.keepalived);
      const shown = relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
      try {
        config.keepalivedConf = await readFile(path, 'utf8');
        config.keepalivedFile = shown;
      } catch (err) {
        problems.push(`${at}.keepalived: cannot read ${shown} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
    }
    configs[name] = config;
    const check = checkDirectorConfig(config, (i) => `${at}.ipvsadm[${i}]`);
    problems.push(...check.problems.map((p) => `${at}: ${p}`));
  }
  return { configs, problems };
}

export function resolveFrom(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}
