// The soak's phases, run in the order given to --phase. More abuse goes here as phases of its own
// (director daemon kills, a long traffic soak, the suites under a CPU hog).
import { killCycles } from './kill-cycles.js';
import type { Phase } from './phase.js';

export const PHASES: readonly Phase[] = [killCycles];
