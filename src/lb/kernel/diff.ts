// Differences between two trace outputs (kernel vs embedded), printed as a unified-style diff so a
// failing differential check shows exactly which connection or which ipvsadm line differs.

/** Lines that differ, as `-kernel` / `+embedded` with a little context; empty when equal. */
export function diffLines(a: string, b: string, labels: [string, string] = ['kernel', 'embedded'], context = 2): string {
  if (a === b) return '';
  // outputs end in a newline: its empty last piece is no line of either
  const lines = (t: string) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
  const x = lines(a);
  const y = lines(b);
  // LCS table: outputs are a few hundred lines at most
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const ops: Array<{ op: ' ' | '-' | '+'; text: string; ai: number }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push({ op: ' ', text: x[i], ai: i });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // a changed line reads as diff -u prints it: the old (kernel) line, then the new one
      ops.push({ op: '-', text: x[i], ai: i });
      i++;
    } else {
      ops.push({ op: '+', text: y[j], ai: i });
      j++;
    }
  }
  const keep = new Set<number>();
  ops.forEach((o, k) => {
    if (o.op !== ' ') for (let c = k - context; c <= k + context; c++) keep.add(c);
  });
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let last = -2;
  ops.forEach((o, k) => {
    if (!keep.has(k)) return;
    if (k !== last + 1) out.push(`@@ ${labels[0]} line ${o.ai + 1} @@`);
    out.push(`${o.op}${o.text}`);
    last = k;
  });
  return out.join('\n');
}

export interface ItemOutput {
  /** trace line number */
  line: number;
  output: string;
  /** kernel side: seconds after the replay started that the item printed (its timers ran that long) */
  atS?: number;
}

/** For each trace line, the seconds of `advance` before it: the embedded core's manual clock there. */
function advancedBefore(lines: string[]): number[] {
  const at: number[] = [];
  let t = 0;
  lines.forEach((l, i) => {
    at[i + 1] = t;
    const m = /^\s*advance\s+([\d.]+)/.exec(l);
    if (m) t += Number(m[1]);
  });
  return at;
}

/** A --stats row compared: TCP and FWM rows by Conns (their packet and byte counts include segments a
 * trace does not spell out), UDP rows whole (one datagram and one reply per conn, with len=). */
function statsRows(ls: string[]): string[] {
  let proto = '';
  return ls.map((l) => {
    const svc = /^(TCP|UDP|FWM)/.exec(l);
    if (svc) proto = svc[1];
    if (!svc && !l.startsWith('  -> ')) return l;
    return proto === 'UDP' ? l : l.slice(0, 42);
  });
}

/** Which ipvsadm listing a trace item is, from its words (short options may be bundled: -Lnc). */
function listingKind(itemText: string): 'conns' | 'rate' | 'stats' | 'nosort' | 'other' {
  const words = itemText.trim().split(/\s+/);
  if (!words[0]?.startsWith('-')) return 'other';
  const short = (c: string) => words.some((w) => /^-[A-Za-z]+$/.test(w) && w.includes(c));
  if (words.includes('--connection') || short('c')) return 'conns';
  if (words.includes('--nosort')) return 'nosort';
  if (words.includes('--rate')) return 'rate';
  if (words.includes('--stats')) return 'stats';
  return 'other';
}

function mmss(text: string): number {
  const [m, s] = text.trim().split(':').map(Number);
  return m * 60 + s;
}

/**
 * Compares kernel and embedded output item by item. Exact, except where the kernel's output is live:
 * `--nosort` service blocks and `-c` rows are compared as sets, each kernel expiry between the
 * embedded one minus the time the replay had spent beyond the trace's advances when it printed the
 * item (its timers ran, the core's manual clock did not; the whole replay's `elapsedS` when the item
 * has no `atS`) minus 1 s, and the embedded one; `--rate` by layout and zero/non-zero; `--stats` by
 * the Conns column for TCP, whole for UDP (statsRows). Returns '' when equal, else one diff per
 * differing item.
 */
export function compareTraceItems(traceText: string, kernel: ItemOutput[], embedded: ItemOutput[], elapsedS = 0): string {
  const lines = traceText.split('\n');
  const clock = advancedBefore(lines);
  const lag = new Map(kernel.filter((i) => i.atS !== undefined).map((i) => [i.line, Math.max(0, i.atS! - clock[i.line])]));
  const k = new Map(kernel.map((i) => [i.line, i.output]));
  const e = new Map(embedded.filter((i) => i.output !== '').map((i) => [i.line, i.output]));
  const reports: string[] = [];
  for (const line of [...new Set([...k.keys(), ...e.keys()])].sort((a, b) => a - b)) {
    const text = (lines[line - 1] ?? '').replace(/(^|\s)#.*$/, '').trim();
    const ko = k.get(line) ?? '';
    const eo = e.get(line) ?? '';
    if (ko === eo) continue;
    const kind = listingKind(text);
    const kl = ko.split('\n');
    const el = eo.split('\n');
    let same = false;
    // what the diff shows: for -c listings, the rows sorted with the expiry of a kernel row that is
    // within the allowed lag shown as the embedded one, so only real differences stand out
    let shown: [string, string] = [ko, eo];
    if (kind === 'conns' && kl.slice(0, 2).join() === el.slice(0, 2).join()) {
      const key = (l: string) => l.slice(0, 4) + l.slice(11);
      const pool = el.slice(2).filter((l) => l !== '');
      const behind = lag.get(line) ?? elapsedS;
      const kRows = kl.slice(2).filter((l) => l !== '');
      let unmatched = 0;
      const matched = kRows.map((row) => {
        const at = pool.findIndex((o) => key(o) === key(row) && mmss(row.slice(4, 10)) <= mmss(o.slice(4, 10)) && mmss(row.slice(4, 10)) >= mmss(o.slice(4, 10)) - behind - 1);
        if (at < 0) {
          unmatched++;
          return row;
        }
        return pool.splice(at, 1)[0];
      });
      same = kl.length === el.length && unmatched === 0 && pool.length === 0;
      const byKey = (a: string, b: string) => key(a).localeCompare(key(b));
      const table = (head: string[], rows: string[]) => `${[...head, ...rows.sort(byKey)].join('\n')}\n`;
      shown = [table(kl.slice(0, 2), matched), table(el.slice(0, 2), el.slice(2).filter((l) => l !== ''))];
    } else if (kind === 'nosort') {
      // unsorted is the kernel's hash-table order, and its service hash mixes in the network
      // namespace's address: the order differs from one namespace to the next. Compare the
      // service blocks (a service line and its dest lines) as a set.
      const blocks = (ls: string[]) => {
        const out: string[] = [];
        for (const l of ls) {
          if (l.startsWith('  -> ') && out.length > 0 && !/^(Prot|IP Virtual)/.test(out[out.length - 1])) out[out.length - 1] += `\n${l}`;
          else out.push(l);
        }
        return out.sort().join('\n');
      };
      same = blocks(kl) === blocks(el);
    } else if (kind === 'rate') {
      // numbers right-aligned in their columns: their widths differ with their values
      const shape = (ls: string[]) => ls.map((l) => l.replace(/\d+[KMGT]?/g, (n) => (n === '0' ? '0' : 'N')).replace(/ +/g, ' '));
      same = shape(kl).join('\n') === shape(el).join('\n');
    } else if (kind === 'stats') {
      same = statsRows(kl).join('\n') === statsRows(el).join('\n');
    }
    if (!same) reports.push(`line ${line}: ${text}\n${diffLines(...shown)}`);
  }
  return reports.join('\n\n');
}
