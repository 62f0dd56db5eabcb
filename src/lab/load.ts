// Where descriptions come from: a preset name, a YAML or JSON file, or a TS object. All end in
// validateDescription, so every source gets the same errors; a file's errors name the file and the
// line of each problem.
import { LabDescriptionError, validateDescription } from './validate.js';
import { isPresetReference, preset, presetFromReference, presetNames, type PresetReference } from './presets.js';
import type { LabDescription, Topology } from './topology.js';
import { InputFileError, parseInput, readInputFile, type InputProblem, type ParsedInput } from './yaml-source.js';

function fileProblems(source: string, problems: InputProblem[]): string[] {
  return problems.map((p) => `${p.line !== undefined ? `${source}:${p.line}` : source}: ${p.message}`);
}

function parseFile(text: string, source: string): ParsedInput {
  try {
    return parseInput(text);
  } catch (err) {
    if (err instanceof InputFileError) throw new LabDescriptionError(fileProblems(source, err.problems));
    throw err;
  }
}

/** Parse YAML (JSON is YAML) text into a description object; `source` names it in errors. */
export function parseDescriptionText(text: string, source: string): unknown {
  return parseFile(text, source).value;
}

/** A file's text -> validated topology, each problem with the file, the field and its line. */
export function topologyFromText(text: string, source: string): Topology {
  const parsed = parseFile(text, source);
  // a file may name a preset with parameters (`preset: article-scale`, `rs: 64`)
  if (isPresetReference(parsed.value)) return validateDescription(presetFromReference(parsed.value, source), source);
  return validateDescription(parsed.value, source, (path) => parsed.lineOf(path));
}

/** A preset name, or the closest ones to a mistyped name. */
export function unknownPresetProblem(name: string): string {
  const near = presetNames().filter((p) => editDistance(p, name) <= 2);
  return `'${name}' is neither a preset (${presetNames().join(', ')}) nor a description file${near.length ? ` — did you mean ${near.map((p) => `'${p}'`).join(' or ')}?` : ''}`;
}

/** Whether a lab given as text names a file (a path or a .yaml/.yml/.json name) rather than a preset. */
export function namesFile(spec: string): boolean {
  return /[./]/.test(spec);
}

/** A preset name or a path to a .yaml/.yml/.json file -> validated topology. */
export async function loadTopology(spec: string): Promise<Topology> {
  const p = preset(spec);
  if (p) return validateDescription(p, spec);
  if (!namesFile(spec)) throw new LabDescriptionError([unknownPresetProblem(spec)]);
  let text: string;
  try {
    text = await readInputFile(spec);
  } catch (err) {
    if (err instanceof InputFileError) throw new LabDescriptionError(fileProblems(spec, err.problems));
    throw err;
  }
  return topologyFromText(text, spec);
}

/** A description given as a preset name, a preset with parameters, an object, or an already validated topology. */
export type LabSource = string | PresetReference | LabDescription | Topology;

export async function resolveTopology(source: LabSource): Promise<Topology> {
  if (typeof source === 'string') return loadTopology(source);
  if (isPresetReference(source)) return validateDescription(presetFromReference(source), source.preset);
  if (isTopology(source)) return source;
  return validateDescription(source);
}

function isTopology(x: LabDescription | Topology): x is Topology {
  return Array.isArray((x as Topology).segments);
}

/** Levenshtein distance, for "did you mean" on short names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}
