// Small-sample statistics the decision rules share: the logit of a
// probability, the regularized incomplete beta function and the
// Harrell-Davis quantile estimator built on it.

/** log(p / (1 - p)), with p kept 1e-6 from 0 and 1 so that a sure prediction stays finite (and one sure sample cannot pull an average without bound). */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

// Its inverse is the learner's own (loss.ts: stable for large |x|).
export { sigmoid } from './loss';

// Lanczos approximation (g = 7, 9 terms): about 15 significant digits for x > 0.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Gamma(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b) (the Beta(a, b) distribution's CDF at x), a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta needs a, b > 0, got ${a}, ${b}`);
  if (!(x > 0)) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast on the side of the distribution's mean.
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/**
 * The Harrell-Davis estimate of the q-quantile of ascending `sorted`: every
 * order statistic weighted by the Beta(q(n+1), (1-q)(n+1)) mass of its slice
 * ((i-1)/n, i/n]. A smooth estimator: its variance is lower than one order
 * statistic's, and it moves continuously with n and the values (Harrell &
 * Davis, Biometrika 69, 1982; scipy.stats.mstats.hdquantiles).
 */
export function harrellDavis(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('harrellDavis needs at least one value');
  if (!(q > 0 && q < 1)) throw new RangeError(`harrellDavis needs 0 < q < 1, got ${q}`);
  if (n === 1) return sorted[0];
  const a = q * (n + 1), b = (1 - q) * (n + 1);
  let sum = 0, below = 0;
  for (let i = 1; i <= n; i++) {
    const upTo = regularizedBeta(i / n, a, b);
    sum += (upTo - below) * sorted[i - 1];
    below = upTo;
    // The rest of the weights are below double precision.
    if (1 - below < 1e-16) break;
  }
  return sum;
}
