// Weighted shares: do the answers split over the real servers in proportion to their weights?
// Judged with a chi-square goodness-of-fit test, so a fair but random split (wlc, sh over many
// clients) passes and a skewed one fails, with the p-value saying how surprising the split is.
import { chiSquareSurvival } from './chi-square.js';

export interface WeightedShareResult {
  pass: boolean;
  /** chi-square statistic over the servers with weight > 0 */
  statistic: number;
  degreesOfFreedom: number;
  /** probability of a split at least this far from the weights if the weights held */
  pValue: number;
  /** significance level the p-value was compared to */
  alpha: number;
  total: number;
  rows: { server: string; weight: number; observed: number; expected: number; share: number; expectedShare: number }[];
  /** answers from servers that had weight 0 or were not named: any makes the test fail */
  unexpected: { server: string; observed: number }[];
  /** some expected count is below 5, where the chi-square approximation is rough */
  lowExpected: boolean;
}

/**
 * Test observed per-server counts against weights. Fails when p < alpha (default 0.01: at most a 1 in
 * 100 chance of calling a correct split wrong), or when a server with weight 0 or no weight answered.
 */
export function weightedShareTest(
  counts: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
  alpha = 0.01,
): WeightedShareResult {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  for (const [server, w] of Object.entries(weights)) {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weight of ${server} must be a number >= 0, got ${w}`);
  }
  const weighted = Object.entries(weights).filter(([, w]) => w > 0);
  if (weighted.length === 0) throw new RangeError('weights: at least one server needs a weight above 0');
  const weightSum = weighted.reduce((s, [, w]) => s + w, 0);
  const unexpected = Object.entries(counts)
    .filter(([server, n]) => n > 0 && !((weights[server] ?? 0) > 0))
    .map(([server, observed]) => ({ server, observed }));
  const total = Object.values(counts).reduce((s, n) => s + n, 0);
  const rows = weighted.map(([server, weight]) => {
    const observed = counts[server] ?? 0;
    const expectedShare = weight / weightSum;
    return { server, weight, observed, expected: total * expectedShare, share: total ? observed / total : 0, expectedShare };
  });
  const statistic = total === 0 ? 0 : rows.reduce((s, r) => s + (r.observed - r.expected) ** 2 / r.expected, 0);
  const df = rows.length - 1;
  // One weighted server: every answer must be its own, there is nothing to test statistically.
  const pValue = total === 0 ? 0 : df === 0 ? 1 : chiSquareSurvival(statistic, df);
  return {
    pass: total > 0 && unexpected.length === 0 && pValue >= alpha,
    statistic,
    degreesOfFreedom: df,
    pValue,
    alpha,
    total,
    rows,
    unexpected,
    lowExpected: rows.some((r) => r.expected < 5),
  };
}
