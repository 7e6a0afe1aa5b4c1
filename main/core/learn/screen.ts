// Verified screening: the rule that sends an outage to the exact engine, the
// safety band below the decision threshold chosen on validation data, and the
// record an outage gets when the surrogate's verdict is kept.
//
// An outage is solved exactly when the surrogate flags it (P(insecure) >=
// threshold) or comes within `band` of flagging it (P >= threshold - band);
// islanded outages are decided by topology and always solved exactly (their
// record reports the main island's state). Only the rest keep the surrogate's
// verdict, which is then 'secure'.

import type { ContingencyRecord, JudgedRecord } from '../grid/contingency-types';
import { severity } from '../grid/severity';
import { logit, sigmoid } from './quantile';

/** Insecure recall the stored band keeps on validation (issue 13). */
export const SCREEN_RECALL = 0.999;

/** Whether an outage with surrogate probability p goes to the exact engine. */
export function solvedExactly(p: number, threshold: number, band: number): boolean {
  // NaN (no prediction) is never trusted.
  return !(p < threshold - band);
}

/** The standard normal quantile of SCREEN_RECALL's miss rate (0.001): 3.09 standard deviations. */
const Z_0999 = 3.090232306167813;


/**
 * The lower edge of P(insecure) that keeps insecure recall >= minRecall on
 * the insecure samples' probabilities, as the more cautious of two readings
 * of the validation data:
 * - empirical: at most floor((1 - minRecall) x P) of the P insecure samples
 *   may fall below it, the lowest first. Below 1000 insecure samples a
 *   recall of 0.999 allows no miss, and the edge is the least probable one:
 *   a minimum over few samples says little of the tail beyond it;
 * - the tail extrapolated: the minRecall quantile of a normal fitted to the
 *   insecure samples' logits (mean - z x standard deviation; at least two
 *   samples), which keeps reaching below the lowest one seen.
 */
export function recallEdge(insecureProb: readonly number[], minRecall = SCREEN_RECALL): number {
  if (!(minRecall >= 0 && minRecall <= 1)) throw new RangeError(`minRecall must be from 0 to 1, got ${minRecall}`);
  const pos = insecureProb.map((p) => (Number.isNaN(p) ? 0 : p)).sort((a, b) => a - b);
  if (pos.length === 0) return 1;
  const empirical = pos[Math.floor((1 - minRecall) * pos.length + 1e-9)];
  if (pos.length < 2) return empirical;
  const z = pos.map(logit);
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1));
  // The normal quantile of the miss rate: 3.09 sd below the mean for 0.999.
  const k = minRecall === SCREEN_RECALL ? Z_0999 : normalQuantile(minRecall);
  const tail = sigmoid(mean - k * sd);
  return Math.min(empirical, tail);
}

/**
 * The smallest band (a probability margin below `threshold`) that reaches
 * down to recallEdge: outages with P(insecure) >= threshold - band go to the
 * exact engine. 0 when the threshold alone reaches that far, or when there is
 * no insecure sample.
 */
export function chooseBand(prob: ArrayLike<number>, label: ArrayLike<number>, threshold: number, minRecall = SCREEN_RECALL): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`);
  const pos: number[] = [];
  for (let i = 0; i < prob.length; i++) if (label[i] === 1) pos.push(prob[i]);
  if (pos.length === 0) return 0;
  const edge = recallEdge(pos, minRecall);
  // Computed in doubles from float32 probabilities: widened by ulps until threshold - band <= edge holds exactly.
  let band = Math.max(0, threshold - edge);
  while (band > 0 && band < 1 && threshold - band > edge) band = Math.min(1, band + Number.EPSILON * Math.max(1, band));
  return Math.min(1, band);
}

/**
 * Split-conformal edges, the rule with a finite-sample guarantee (studied
 * beside recallEdge; the stored band keeps recallEdge, see the README).
 *
 * Per sample: with n exchangeable insecure calibration scores, an unseen
 * insecure outage scores at least the k-th lowest with probability >= 1 -
 * k / (n + 1); the largest k with k / (n + 1) <= 1 - minRecall gives the
 * highest edge that keeps the guarantee. k = 0 (n + 1 < 1 / (1 - minRecall):
 * 999 samples for 0.999) means no edge is guaranteed: 0, solve everything.
 * `guarantee` is what the returned edge promises.
 *
 * Per scenario: the outages of one operating point are not exchangeable with
 * another's (a stressed point shifts them all), scenarios are. With each
 * validation scenario's lowest insecure score as one calibration value, an
 * unseen scenario loses no insecure outage below the k-th lowest of them
 * with probability >= 1 - k / (m + 1) over m scenarios; the same rule on m.
 */
export function conformalEdge(scores: readonly number[], minRecall = SCREEN_RECALL): { edge: number; k: number; guarantee: number } {
  if (!(minRecall >= 0 && minRecall < 1)) throw new RangeError(`minRecall must be from 0 to below 1, got ${minRecall}`);
  const s = scores.map((p) => (Number.isNaN(p) ? 0 : p)).sort((a, b) => a - b);
  const n = s.length;
  const k = Math.min(n, Math.floor((1 - minRecall) * (n + 1) + 1e-9));
  if (k === 0) return { edge: 0, k: 0, guarantee: 1 };
  return { edge: s[k - 1], k, guarantee: 1 - k / (n + 1) };
}

/** Each scenario's lowest insecure probability (scenarios without an insecure outage give none): the per-scenario calibration values of conformalEdge. */
export function scenarioMinima(prob: ArrayLike<number>, label: ArrayLike<number>, scenario: ArrayLike<number>): number[] {
  const min = new Map<number, number>();
  for (let i = 0; i < prob.length; i++) {
    if (label[i] !== 1) continue;
    const p = Number.isNaN(prob[i]) ? 0 : prob[i];
    min.set(scenario[i], Math.min(min.get(scenario[i]) ?? Infinity, p));
  }
  return [...min.values()];
}

/** Inverse of the standard normal CDF at p in (0, 1) (Acklam's rational approximation, relative error below 1.2e-9). */
function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Recall of insecure samples at threshold - band (NaN with none): what chooseBand guarantees on its own data. */
export function bandRecall(prob: ArrayLike<number>, label: ArrayLike<number>, threshold: number, band: number): number {
  let pos = 0, caught = 0;
  for (let i = 0; i < prob.length; i++) {
    if (label[i] !== 1) continue;
    pos++;
    if (solvedExactly(prob[i], threshold, band)) caught++;
  }
  return pos ? caught / pos : NaN;
}

/**
 * The record of an outage whose surrogate verdict (secure) is kept: nothing
 * was solved (not converged, no iterations, no voltages), the highest loading
 * is the surrogate's prediction where its edge head gives one (NaN
 * otherwise), and the severity follows the one rule for a secure outage.
 */
export function surrogateRecord(o: { branch: number; from: number; to: number; probability: number; maxLoading: number | null }): JudgedRecord {
  const maxLoading = o.maxLoading !== null && Number.isFinite(o.maxLoading) ? o.maxLoading : NaN;
  const rec: ContingencyRecord = {
    branch: o.branch, from: o.from, to: o.to, verdict: 'secure', converged: false, iterations: 0, islanded: false, cutBuses: 0,
    lostLoadMW: 0, lostGenMW: 0, maxLoading, nOverloads: 0, worstBranch: null, minVm: NaN, maxVm: NaN, nVoltageViolations: 0, mismatch: NaN,
    severity: severity({ verdict: 'secure', maxLoading: Number.isNaN(maxLoading) ? 0 : maxLoading, overloadExcess: 0, voltageExcess: 0, lostFraction: 0 }),
  };
  return { ...rec, judgedBy: 'surrogate', probability: o.probability };
}
