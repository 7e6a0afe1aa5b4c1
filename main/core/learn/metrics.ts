// Classification and regression metrics for validation and reports, and
// parameter counts (kept vs dense-equivalent). The positive class is 1
// (for N-1: insecure).

import type { Layer } from './layer';

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Counts with prediction = prob >= threshold. */
export function confusion(prob: ArrayLike<number>, label: ArrayLike<number>, threshold = 0.5): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i] >= threshold, y = label[i] === 1;
    if (p && y) c.tp++;
    else if (p) c.fp++;
    else if (y) c.fn++;
    else c.tn++;
  }
  return c;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

export const accuracy = (c: Confusion) => ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
/** Recall of the positive class (sensitivity); NaN with no positives. */
export const recall = (c: Confusion) => ratio(c.tp, c.tp + c.fn);
/** Precision of the positive class; NaN when nothing is predicted positive. */
export const precision = (c: Confusion) => ratio(c.tp, c.tp + c.fp);
export const specificity = (c: Confusion) => ratio(c.tn, c.tn + c.fp);

/** Mean of the recalls of both classes (the one present if only one is). */
export function balancedAccuracy(c: Confusion): number {
  const r = recall(c), s = specificity(c);
  if (Number.isNaN(r)) return s;
  if (Number.isNaN(s)) return r;
  return (r + s) / 2;
}

/** Mean absolute error over the entries where `on` is set (all when absent). */
export function meanAbsoluteError(pred: ArrayLike<number>, target: ArrayLike<number>, on?: ArrayLike<number>): number {
  let sum = 0, n = 0;
  for (let i = 0; i < pred.length; i++) {
    if (on && !on[i]) continue;
    sum += Math.abs(pred[i] - target[i]);
    n++;
  }
  return ratio(sum, n);
}

export interface ParameterCounts {
  /** Weights that exist plus biases. */
  kept: number;
  /** The same architecture fully dense. */
  dense: number;
  /** kept / dense. */
  fraction: number;
  /** Existing / possible weights over the sparse layers only. */
  sparseDensity: number;
}

export function parameterCounts(layers: readonly Layer[]): ParameterCounts {
  let kept = 0, dense = 0, sKept = 0, sAll = 0;
  for (const l of layers) {
    kept += l.nnz() + l.nOut;
    dense += l.nIn * l.nOut + l.nOut;
    if (l.kind === 'sparse') {
      sKept += l.nnz();
      sAll += l.nIn * l.nOut;
    }
  }
  return { kept, dense, fraction: kept / dense, sparseDensity: sAll > 0 ? sKept / sAll : 1 };
}
