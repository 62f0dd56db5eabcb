// Runs the layer rules of .dependency-cruiser.cjs through dependency-cruiser's API. The API rather
// than the `depcruise` command: dependency-cruiser 18's command refuses Node 20, which lvslab supports,
// while its API runs there.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAYER_RULES_FILE = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

/**
 * Cruise `roots` (relative to `baseDir`) with the repo's rules; one line per offending import,
 * `from -> to (rule)`, `a -> b -> a (no-circular)` for a cycle, `m (no-orphans)` for an orphan. `baseDir` defaults to the repo;
 * any tree laid out like it (src/lb/ipvs, src/lab, ...) is judged by the same rules.
 */
export async function layerViolations(baseDir: string = REPO_ROOT, roots: string[] = ['src']): Promise<string[]> {
  const options = await extractDepcruiseOptions(LAYER_RULES_FILE);
  const { output } = await cruise(roots, { ...options, baseDir });
  if (typeof output === 'string') throw new Error(`dependency-cruiser returned text, not a cruise result: ${output.slice(0, 200)}`);
  return output.summary.violations.map((v) => describeViolation(v, output));
}

function describeViolation(v: IViolation, result: ICruiseResult): string {
  // a cycle names every step; a module-level rule (no-orphans) has from === to and names it once
  const chain = v.cycle?.length ? [v.from, ...v.cycle.map((step) => step.name)] : v.from === v.to ? [v.from] : [v.from, v.to];
  return `${chain.map((m) => moduleName(m, result)).join(' -> ')} (${v.rule.name})`;
}

/** `node:fs` for a built-in, the package name for a package, the path for our own modules */
function moduleName(resolved: string, result: ICruiseResult): string {
  const mod = result.modules.find((m) => m.source === resolved);
  if (mod?.coreModule) return `node:${resolved.replace(/^node:/, '')}`;
  const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(resolved);
  return pkg ? pkg[1] : resolved;
}
