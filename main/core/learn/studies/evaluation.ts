// The figures every study reports for a (perturbed or compressed) network on
// held-out test outages, from evaluateSurrogate's per-sample output at the
// model's own decision threshold. A study may evaluate a stratified sample of
// the test outages (every insecure one, a share of the secure ones): each
// sample then carries the weight of the outages it stands for, so accuracy
// and the loading error estimate the whole split's without bias, and
// recall, taken over every insecure outage, is exact.

import { accuracy, balancedAccuracy, recall, type Confusion } from '../metrics';
import type { SurrogateEvaluation } from '../surrogate';
import type { Rng } from '../rng';

export interface StudyMetrics {
  accuracy: number;
  balancedAccuracy: number;
  recall: number;
  loadingMae: number;
}

/** Positions (ascending) of the test samples a study evaluates, and the weight of each. */
export interface StudySample {
  /** Positions into the full test split. */
  pick: Int32Array;
  weight: Float64Array;
  /** Outages of the split the sample stands for. */
  of: number;
}

/**
 * Every insecure sample and secure ones drawn at random up to `max` in all
 * (max <= 0 or not less than n: every sample, weight 1).
 */
export function stratifiedSample(label: ArrayLike<number>, max: number, rng: Rng): StudySample {
  const n = label.length;
  const all = (): StudySample => ({ pick: Int32Array.from({ length: n }, (_, i) => i), weight: new Float64Array(n).fill(1), of: n });
  if (!(max > 0) || max >= n) return all();
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < n; i++) (label[i] === 1 ? pos : neg).push(i);
  const keepNeg = Math.max(0, Math.min(neg.length, max - pos.length));
  if (keepNeg === neg.length) return all();
  const negPick = rng.shuffle(Int32Array.from(neg)).subarray(0, keepNeg);
  const pick = Int32Array.from([...pos, ...negPick]).sort();
  const wNeg = keepNeg > 0 ? neg.length / keepNeg : 0;
  const weight = Float64Array.from(pick, (i) => (label[i] === 1 ? 1 : wNeg));
  return { pick, weight, of: n };
}

/** Weighted confusion at threshold th (prediction: prob >= th). */
export function weightedConfusion(prob: ArrayLike<number>, label: ArrayLike<number>, weight: ArrayLike<number> | null, th: number): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < prob.length; i++) {
    const w = weight ? weight[i] : 1, p = prob[i] >= th, y = label[i] === 1;
    if (p && y) c.tp += w;
    else if (p) c.fp += w;
    else if (y) c.fn += w;
    else c.tn += w;
  }
  return c;
}

/** The study's figures of an evaluation whose samples carry `weight` (null: 1 each). */
export function studyMetrics(ev: SurrogateEvaluation, weight: ArrayLike<number> | null, th: number): StudyMetrics {
  const c = weightedConfusion(ev.prob, ev.label, weight, th);
  let a = 0, n = 0;
  for (let i = 0; i < ev.prob.length; i++) {
    const w = weight ? weight[i] : 1;
    a += w * ev.loadAbs[i];
    n += w * ev.loadN[i];
  }
  return { accuracy: accuracy(c), balancedAccuracy: balancedAccuracy(c), recall: recall(c), loadingMae: n > 0 ? a / n : NaN };
}

/** Weighted share of samples whose verdict at th differs between two evaluations of the same samples. */
export function flipRate(a: ArrayLike<number>, b: ArrayLike<number>, weight: ArrayLike<number> | null, th: number): number {
  let f = 0, t = 0;
  for (let i = 0; i < a.length; i++) {
    const w = weight ? weight[i] : 1;
    t += w;
    if ((a[i] >= th) !== (b[i] >= th)) f += w;
  }
  return t > 0 ? f / t : NaN;
}
