// The soak's phases, run in the order given to --phase (default: all, in this order). More abuse
// goes here as phases of its own.
import { daemonKills } from './daemon-kills.js';
import { fuzz } from './fuzz.js';
import { killCycles } from './kill-cycles.js';
import type { Phase } from './phase.js';
import { suites } from './suites.js';
import { traffic } from './traffic.js';

export const PHASES: readonly Phase[] = [fuzz, killCycles, daemonKills, traffic, suites];
