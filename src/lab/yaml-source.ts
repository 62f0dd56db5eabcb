// Reading a file a user wrote — a lab description or a scenario, YAML or JSON — as untrusted input:
// bounded in size, every syntax problem with its line (an alias bomb or a too deep nesting included,
// never a raw exception), and a way back from a field's path to its line, so that validation errors
// can say where to look.
import { open } from 'node:fs/promises';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';

/** The largest file lvslab reads as a lab description or a scenario (a real one is a few KiB). */
export const MAX_INPUT_FILE_BYTES = 1 << 20;

/** How many alias uses a file may expand (yaml's own default; an alias bomb needs far more). */
const MAX_ALIAS_COUNT = 100;

export interface InputProblem {
  /** 1-based, when the problem sits on a line */
  line?: number;
  message: string;
}

/** A file that cannot be read or parsed; each problem says what, and where when it can. */
export class InputFileError extends Error {
  override name = 'InputFileError';
  constructor(readonly problems: InputProblem[]) {
    super(problems.map((p) => (p.line !== undefined ? `line ${p.line}: ${p.message}` : p.message)).join('\n'));
  }
}

/** The text of a regular file of at most MAX_INPUT_FILE_BYTES (a FIFO or /dev/zero is refused, not read forever). */
export async function readInputFile(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new InputFileError([{ message: `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InputFileError([{ message: 'not a regular file' }]);
    // Read one byte past the limit rather than trust st.size (files in /proc say 0).
    const buf = Buffer.alloc(MAX_INPUT_FILE_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > MAX_INPUT_FILE_BYTES) {
      throw new InputFileError([{ message: `${st.size > n ? `${(st.size / 2 ** 20).toFixed(1)} MiB` : 'larger than 1 MiB'}: files are limited to ${MAX_INPUT_FILE_BYTES / 2 ** 20} MiB` }]);
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    throw new InputFileError([{ message: `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  } finally {
    await fh.close();
  }
}

/** A parsed file: its value, and the line of any field in it. */
export interface ParsedInput {
  value: unknown;
  /** The line of the field at `path` (zod's key list, or text like "hosts.rs1.interfaces[0].name";
   *  the deepest existing part of it when the field itself is missing). */
  lineOf(path: string | readonly PropertyKey[]): number | undefined;
}

export function parseInput(text: string): ParsedInput {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new InputFileError(
      doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        if (e.code === 'DUPLICATE_KEY') {
          const lineText = line !== undefined ? (text.split('\n')[line - 1] ?? '') : '';
          const key = /^\s*-?\s*["']?([^"':]+)/.exec(lineText)?.[1]?.trim() ?? '?';
          return { line, message: `duplicate key '${key}' (a host, segment or field given twice)` };
        }
        if (/Maximum call stack/.test(first)) return { line, message: 'nested too deeply' };
        return { line, message: first };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) {
      const what = /alias/i.test(err.message) ? `aliases expand too far (more than ${MAX_ALIAS_COUNT} uses; an alias bomb?)` : 'nested too deeply';
      throw new InputFileError([{ line: lastAliasLine(doc, lines), message: what }]);
    }
    throw err;
  }
  return { value, lineOf: (path) => lineOfPath(doc, lines, path) };
}

function lineOfNode(node: unknown, lines: LineCounter): number | undefined {
  const range = isNode(node) ? node.range : undefined;
  return range ? lines.linePos(range[0]).line : undefined;
}

/** Where the expansion is set off: the line of the file's last alias (the one using all the others). */
function lastAliasLine(doc: Document, lines: LineCounter): number | undefined {
  let last: number | undefined;
  visit(doc, {
    Alias(_, node) {
      last = lineOfNode(node, lines) ?? last;
    },
  });
  return last;
}

/** The node one key (or index) below `node`, and the line to show for it. */
function child(node: unknown, key: PropertyKey, lines: LineCounter): { node: unknown; line?: number } | undefined {
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item === undefined ? undefined : { node: item, line: lineOfNode(item, lines) };
  }
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) return undefined;
    // A scalar value's own line; a block (map, list) is named on its key's line.
    const at = isScalar(pair.value) ? pair.value : pair.key;
    return { node: pair.value, line: lineOfNode(at, lines) };
  }
  return undefined;
}

/** Keys of a text path, matched against the document (a key may hold dots: sysctl names). */
function nextKey(node: unknown, rest: string): { key: PropertyKey; rest: string } | undefined {
  const index = /^\[(\d+)\]\.?/.exec(rest);
  if (index) return { key: Number(index[1]), rest: rest.slice(index[0].length) };
  if (!isMap(node)) return undefined;
  let best: string | undefined;
  for (const p of node.items) {
    if (!isPair(p) || !isScalar(p.key)) continue;
    const k = String(p.key.value);
    const fits = rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`);
    if (fits && (best === undefined || k.length > best.length)) best = k;
  }
  if (best === undefined) return undefined;
  return { key: best, rest: rest.slice(best.length).replace(/^\./, '') };
}

function lineOfPath(doc: Document, lines: LineCounter, path: string | readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, lines);
  const keys = typeof path === 'string' ? undefined : [...path];
  let rest = typeof path === 'string' ? path : '';
  for (;;) {
    let key: PropertyKey | undefined;
    if (keys) key = keys.shift();
    else if (rest) {
      const next = nextKey(node, rest);
      if (next) ({ key, rest } = next);
    }
    if (key === undefined) return line;
    const c = child(node, key, lines);
    if (!c) return line;
    node = c.node;
    line = c.line ?? line;
  }
}
