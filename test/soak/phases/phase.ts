// A soak phase: one kind of abuse, run for a number of cycles, counting what it left behind.
import type { SoakContext } from '../soak-lab.js';

export interface PhaseResult {
  cycles: number;
  /** things left behind (namespaces, run directories, processes), each counted once */
  leftovers: number;
  /** broken expectations other than leftovers (fuzz failures, traffic errors, failed suite runs) */
  failures?: number;
}

export interface Phase {
  name: string;
  /** one line for --help */
  summary: string;
  run(ctx: SoakContext, cycles: number): Promise<PhaseResult>;
}
