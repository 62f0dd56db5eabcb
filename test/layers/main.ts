// `npm run lint:layers`: lists every import that breaks the layer rules of .dependency-cruiser.cjs
// and exits 1 if there is one (the same check as test/layers.test.ts, without vitest).
import { layerViolations } from './cruise.js';

const violations = await layerViolations();
for (const line of violations) process.stdout.write(`${line}\n`);
process.stdout.write(violations.length ? `${violations.length} imports break the layer rules\n` : 'layers: no violation\n');
process.exitCode = violations.length ? 1 : 0;
