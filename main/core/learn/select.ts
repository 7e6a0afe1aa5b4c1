// Selection helpers shared by mask init and rewiring: distinct random
// samples and top-k with seeded random tie-breaks (so two connections with
// the same |w| or the same CH3-L3 score are not always settled by index).

import type { Rng } from './rng';

/** k distinct integers from [0, n), ascending. */
export function sampleDistinct(n: number, k: number, rng: Rng): Int32Array {
  if (k > n) throw new RangeError(`cannot draw ${k} distinct values from ${n}`);
  if (k === 0) return new Int32Array(0);
  let out: Int32Array;
  if (k * 3 > n) {
    // Partial Fisher-Yates over the whole range.
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    out = a.slice(0, k);
  } else {
    // Floyd's algorithm: O(k) draws.
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    out = Int32Array.from(chosen);
  }
  return out.sort();
}

/**
 * Indices (ascending) of the k largest scores. Scores tied at the k-th value
 * are chosen at random; NaN counts as -Infinity.
 */
export function topK(scores: ArrayLike<number>, k: number, rng: Rng): Int32Array {
  const n = scores.length;
  if (k <= 0) return new Int32Array(0);
  if (k >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    vals[i] = Number.isNaN(s) ? -Infinity : s;
  }
  const sorted = vals.slice().sort();
  const t = sorted[n - k];
  const out: number[] = [];
  const ties: number[] = [];
  for (let i = 0; i < n; i++) {
    if (vals[i] > t) out.push(i);
    else if (vals[i] === t) ties.push(i);
  }
  const need = k - out.length;
  // Partial shuffle of the ties, keep the first `need`.
  for (let i = 0; i < need; i++) {
    const j = i + rng.int(ties.length - i);
    const tmp = ties[i];
    ties[i] = ties[j];
    ties[j] = tmp;
    out.push(ties[i]);
  }
  return Int32Array.from(out).sort();
}

/** Indices (ascending) of the k smallest scores, ties at random. */
export function bottomK(scores: ArrayLike<number>, k: number, rng: Rng): Int32Array {
  const neg = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) neg[i] = -scores[i];
  return topK(neg, k, rng);
}
