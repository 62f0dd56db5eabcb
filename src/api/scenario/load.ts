// Reading scenario files: YAML text -> validated Scenario, with every problem as `FILE: PATH: what
// (line N)`, all at once — the lab included (a preset name, a lab file, or a description inline), so
// a scenario that cannot run is refused before anything is built. Relative paths inside a scenario
// (keepalived.conf, lab files, files to send) are resolved against the scenario file's directory.
// loadScenario also reads and checks each director's keepalived.conf and ipvsadm lines
// (director-inputs.ts), so a typo there costs no lab either.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { ZodError } from 'zod';
import type { DirectorConfig } from '../../lb/backend.js';
import { checkDirectorConfig } from '../director-inputs.js';
import { loadTopology, namesFile, unknownPresetProblem } from '../../lab/load.js';
import { preset } from '../../lab/presets.js';
import { LabDescriptionError, validateDescription } from '../../lab/validate.js';
import { InputFileError, parseInput, readInputFile, type InputProblem, type ParsedInput } from '../../lab/yaml-source.js';
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

/** "PATH: problem", with " (line N)" when `lineOf` (from the parsed file) knows the field's line. */
export function formatZodProblems(error: ZodError, lineOf?: ParsedInput['lineOf']): string[] {
  return error.issues.map((i) => {
    // A union without its own message says only "Invalid input": point at the format instead.
    const message = i.code === 'invalid_union' && /^Invalid input$/.test(i.message) ? 'not one of the accepted forms (see docs/scenarios.md)' : i.message;
    const line = lineOf?.(i.path as PropertyKey[]);
    return `${issuePath(i.path)}: ${message}${line !== undefined ? ` (line ${line})` : ''}`;
  });
}

function fileProblems(problems: InputProblem[]): string[] {
  return problems.map((p) => (p.line !== undefined ? `line ${p.line}: ${p.message}` : p.message));
}

/** What is wrong with the scenario's `lab` that needs no file read: an unknown preset, an inline description. */
function labProblems(lab: Scenario['lab'], lineOf: ParsedInput['lineOf']): string[] {
  if (typeof lab === 'string') {
    if (preset(lab) || namesFile(lab)) return [];
    const line = lineOf(['lab']);
    return [`lab: ${unknownPresetProblem(lab)}${line !== undefined ? ` (line ${line})` : ''}`];
  }
  try {
    validateDescription(lab, 'lab', (path) => lineOf(`lab.${path}`));
    return [];
  } catch (err) {
    if (err instanceof LabDescriptionError) return err.problems;
    throw err;
  }
}

/** Parse and validate scenario text; `file` names it in errors and anchors relative paths. */
export function parseScenario(text: string, file: string): LoadedScenario {
  let input: ParsedInput;
  try {
    input = parseInput(text);
  } catch (err) {
    if (err instanceof InputFileError) throw new ScenarioError(file, fileProblems(err.problems));
    throw err;
  }
  const parsed = scenarioSchema.safeParse(input.value);
  if (!parsed.success) throw new ScenarioError(file, formatZodProblems(parsed.error, input.lineOf));
  const problems = labProblems(parsed.data.lab, input.lineOf);
  if (problems.length) throw new ScenarioError(file, problems);
  return { file, dir: dirname(resolve(file)), scenario: parsed.data };
}

/** Read, parse and validate a scenario file, and the lab file it names (if it names one). */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readInputFile(file);
  } catch (err) {
    if (err instanceof InputFileError) throw new ScenarioError(file, fileProblems(err.problems));
    throw err;
  }
  const loaded = parseScenario(text, file);
  const lab = loaded.scenario.lab;
  if (typeof lab === 'string' && !preset(lab)) {
    await loadTopology(resolveFrom(loaded.dir, lab)).catch((err: unknown) => {
      if (err instanceof LabDescriptionError) throw new ScenarioError(file, err.problems.map((p) => `lab: ${p}`));
      throw err;
    });
  }
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
    if (d.kernel) config.kernel = d.kernel;
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
