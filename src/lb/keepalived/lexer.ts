// keepalived.conf is line oriented: a statement is a keyword and its words up to the end of the line,
// optionally followed by `{ ... }`. Comments start with `!` or `#` anywhere outside quotes. This turns
// text into a tree of statements, keeping line numbers for messages.
import type { ConfProblem } from './errors.js';

export interface Statement {
  keyword: string;
  args: string[];
  line: number;
  /** present when the statement opens a `{ }` block */
  block?: Statement[];
  /** the line of the block's closing `}` (where keepalived's end-of-block checks report) */
  endLine?: number;
}

interface Token {
  text: string;
  line: number;
  /** `{` and `}` outside quotes */
  brace: boolean;
}

function tokenize(text: string, problems: ConfProblem[]): Token[] {
  const tokens: Token[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    let p = 0;
    while (p < raw.length) {
      const c = raw[p];
      if (c === ' ' || c === '\t') {
        p++;
      } else if (c === '!' || c === '#') {
        break;
      } else if (c === '{' || c === '}') {
        tokens.push({ text: c, line, brace: true });
        p++;
      } else if (c === '"') {
        const end = raw.indexOf('"', p + 1);
        if (end < 0) {
          problems.push({ line, message: 'unterminated quoted string' });
          return;
        }
        tokens.push({ text: raw.slice(p + 1, end), line, brace: false });
        p = end + 1;
      } else {
        let q = p;
        while (q < raw.length && !' \t{}"!#'.includes(raw[q])) q++;
        tokens.push({ text: raw.slice(p, q), line, brace: false });
        p = q;
      }
    }
  });
  return tokens;
}

/** Parse text into statements; structural problems (unbalanced braces, quotes) go to `problems`. */
export function lex(text: string, problems: ConfProblem[]): Statement[] {
  const tokens = tokenize(text, problems);
  let pos = 0;
  const parseList = (opener: Statement | undefined): Statement[] => {
    const list: Statement[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.brace && t.text === '}') {
        pos++;
        if (!opener) {
          problems.push({ line: t.line, message: "unexpected '}' with no open block" });
          continue;
        }
        opener.endLine = t.line;
        return list;
      }
      if (t.brace && t.text === '{') {
        // an anonymous block has no keyword to attach to: keepalived skips it, we refuse it
        problems.push({ line: t.line, message: "'{' without a keyword before it" });
        pos++;
        parseList({ keyword: '{', args: [], line: t.line });
        continue;
      }
      const stmt: Statement = { keyword: t.text, args: [], line: t.line };
      pos++;
      while (pos < tokens.length && !tokens[pos].brace && tokens[pos].line === t.line) {
        stmt.args.push(tokens[pos].text);
        pos++;
      }
      // `{` may also start the next line, as in `virtual_ipaddress` followed by `{` alone
      if (pos < tokens.length && tokens[pos].brace && tokens[pos].text === '{') {
        pos++;
        stmt.block = parseList(stmt);
      }
      list.push(stmt);
    }
    if (opener) {
      const name = [opener.keyword, ...opener.args].join(' ');
      problems.push({ line: opener.line, message: `block '${name}' is not closed (missing '}')` });
    }
    return list;
  };
  return parseList(undefined);
}
