// The chi-square goodness-of-fit test used to judge weighted shares ("does wrr 3:1 really split 3:1?").
// The p-value is the upper regularized incomplete gamma function Q(k/2, x/2), computed with the
// classical series (x < a+1) and Lentz's continued fraction (x >= a+1); ln Γ by Lanczos (g=7, n=9),
// accurate to ~1e-14, far beyond what a significance threshold needs.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPS = 1e-15;
const MAX_ITER = 10_000;

/** Lower regularized incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gammaP needs a > 0, got ${a}`);
  if (x < 0) throw new RangeError(`gammaP needs x >= 0, got ${x}`);
  if (x === 0) return 0;
  return x < a + 1 ? seriesP(a, x) : 1 - continuedFractionQ(a, x);
}

/** Upper regularized incomplete gamma Q(a, x) = 1 - P(a, x), computed directly to keep small tails exact. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gammaQ needs a > 0, got ${a}`);
  if (x < 0) throw new RangeError(`gammaQ needs x >= 0, got ${x}`);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - seriesP(a, x) : continuedFractionQ(a, x);
}

function seriesP(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function continuedFractionQ(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** P(X >= statistic) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareSurvival(statistic: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`chi-square needs whole degrees of freedom >= 1, got ${df}`);
  if (statistic < 0) throw new RangeError(`chi-square statistic must be >= 0, got ${statistic}`);
  return gammaQ(df / 2, statistic / 2);
}
