// Where descriptions come from: a preset name, a YAML or JSON file, or a TS object. All end in
// validateDescription, so every source gets the same errors.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { LabDescriptionError, validateDescription } from './validate.js';
import { isPresetReference, preset, presetFromReference, presetNames, type PresetReference } from './presets.js';
import type { LabDescription, Topology } from './topology.js';

/** Parse YAML (JSON is YAML) text into a description object; `source` names it in errors. */
export function parseDescriptionText(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new LabDescriptionError(
      doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        const where = line !== undefined ? `${source}:${line}` : source;
        if (e.code === 'DUPLICATE_KEY') {
          const lineText = line !== undefined ? (text.split('\n')[line - 1] ?? '') : '';
          const key = /^\s*-?\s*["']?([^"':]+)/.exec(lineText)?.[1]?.trim() ?? '?';
          return `${where}: duplicate key '${key}' (a host, segment or field given twice)`;
        }
        return `${where}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  return doc.toJS();
}

/** A preset name or a path to a .yaml/.yml/.json file -> validated topology. */
export async function loadTopology(spec: string): Promise<Topology> {
  const p = preset(spec);
  if (p) return validateDescription(p, spec);
  if (!/[./]/.test(spec)) {
    throw new LabDescriptionError([`'${spec}' is neither a preset (${presetNames().join(', ')}) nor a description file`]);
  }
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch (err) {
    throw new LabDescriptionError([`${spec}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  const doc = parseDescriptionText(text, spec);
  return validateDescription(isPresetReference(doc) ? presetFromReference(doc, spec) : doc, spec);
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
