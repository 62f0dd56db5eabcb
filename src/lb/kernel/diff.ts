// Differences between two trace outputs (kernel vs embedded), printed as a unified-style diff so a
// failing differential check shows exactly which connection or which ipvsadm line differs.

/** Lines that differ, as `-kernel` / `+embedded` with a little context; empty when equal. */
export function diffLines(a: string, b: string, labels: [string, string] = ['kernel', 'embedded'], context = 2): string {
  const x = a.split('\n');
  const y = b.split('\n');
  if (a === b) return '';
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
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      ops.push({ op: '+', text: y[j], ai: i });
      j++;
    } else {
      ops.push({ op: '-', text: x[i], ai: i });
      i++;
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
