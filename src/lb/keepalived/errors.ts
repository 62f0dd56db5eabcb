// Problems found in a keepalived.conf. Errors stop the parse (lvslab refuses a file whose meaning is
// unclear); warnings are what keepalived 2.2.7 itself prints and then carries on.

export interface ConfProblem {
  line: number;
  message: string;
}

export interface ConfDiagnostic extends ConfProblem {
  /** `warning`: keepalived prints it too; `note`: lvslab's own explanation of what a warning costs */
  level: 'warning' | 'note';
  /** the line as keepalived prints it: `(FILE: Line N) MESSAGE` */
  text: string;
}

export class KeepalivedConfError extends Error {
  readonly problems: ConfProblem[];
  readonly file: string;
  constructor(file: string, problems: ConfProblem[]) {
    super(problems.map((p) => `${file} line ${p.line}: ${p.message}`).join('\n'));
    this.name = 'KeepalivedConfError';
    this.problems = problems;
    this.file = file;
  }
}

export function formatDiagnostic(file: string, line: number, message: string): string {
  return `(${file}: Line ${line}) ${message}`;
}
