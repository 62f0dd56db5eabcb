// `ipvsadm -R`: the input is read as config_stream_read() reads it (config_stream.c) and every line
// runs as its own ipvsadm command line. Reader rules kept from C: words split on space, tab, CR and
// newline; the word "ipvsadm" is dropped wherever it appears (so `ipvsadm -A ...` lines work); empty
// lines are skipped; '#' starts no comment (a "# ..." line is a command line without a command, which
// makes ipvsadm give up with its "Try ..." message); a last line ending in two or more blanks and no
// newline is lost.
import type { IpvsCommand } from '../ipvs/types.js';
import { IpvsadmUsageError } from './errors.js';
import { parseIpvsadm } from './parse.js';
import { type IpvsadmEnv, resolverOf } from './env.js';

/** The words of each command line config_stream_read() returns, in order. */
export function splitRestoreLines(text: string): string[][] {
  const lines: string[][] = [];
  let i = 0;
  const n = text.length;
  const blank = (c: string): boolean => c === ' ' || c === '\t' || c === '\r';
  while (i < n) {
    // one config_stream_read() call
    const words: string[] = [];
    let ended = false;
    let lost = false;
    while (!ended) {
      if (i >= n) {
        // fscanf hit EOF: a line with words is returned, an empty one ends the input
        if (words.length === 0) lost = true;
        break;
      }
      const c = text[i];
      if (blank(c) || c === '\n') {
        // fscanf matched nothing: eat blanks up to a newline (line done) or EOF (line dropped)
        for (;;) {
          if (i >= n) {
            lost = true;
            ended = true;
            break;
          }
          const d = text[i++];
          if (d === '\n') {
            ended = true;
            break;
          }
          if (!blank(d)) {
            i--;
            break;
          }
        }
        continue;
      }
      let j = i;
      while (j < n && !blank(text[j]) && text[j] !== '\n') j++;
      const word = text.slice(i, j);
      i = j;
      if (word !== 'ipvsadm') words.push(word);
      // fscanf's %1[ \t\n\r] takes one separator after the word
      if (i < n) {
        const sep = text[i++];
        if (sep === '\n') ended = true;
      }
    }
    if (lost) break;
    lines.push(words);
  }
  return lines;
}

/** One line of -R input: its words and either the command or ipvsadm's error for it. */
export interface RestoreLine {
  /** 1-based among the command lines config_stream_read() returned */
  line: number;
  argv: string[];
  command?: IpvsCommand;
  error?: IpvsadmUsageError;
}

/** Every non-empty line of -R input, parsed; errors are kept per line, in order. */
export function parseRestoreLines(text: string, env: IpvsadmEnv = {}): RestoreLine[] {
  const out: RestoreLine[] = [];
  // one resolver for every line, so the files are read once
  const lineEnv = { ...env, resolver: resolverOf(env) };
  splitRestoreLines(text).forEach((argv, k) => {
    if (argv.length === 0) return; // restore_table() only runs lines with at least one word
    const entry: RestoreLine = { line: k + 1, argv };
    try {
      entry.command = parseIpvsadm(argv, lineEnv);
    } catch (e) {
      if (!(e instanceof IpvsadmUsageError)) throw e;
      e.line = k + 1;
      entry.error = e;
    }
    out.push(entry);
  });
  return out;
}

/**
 * The commands of `ipvsadm -R` input, all of them or none: the first line ipvsadm would reject
 * throws its IpvsadmUsageError (with `.line` set). ipvsadm itself runs the lines before a bad one;
 * use runIpvsadm() or parseRestoreLines() for that behaviour.
 */
export function parseRestore(text: string, env: IpvsadmEnv = {}): IpvsCommand[] {
  return parseRestoreLines(text, env).map((l) => {
    if (l.error) throw l.error;
    return l.command!;
  });
}
