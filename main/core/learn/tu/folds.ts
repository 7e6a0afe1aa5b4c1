// Seeded stratified k-fold cross-validation (the TU benchmarks' protocol):
// each class's graphs are shuffled and dealt round-robin over the folds, one
// class after the other, so every fold holds each class in proportion and
// fold sizes differ by at most one. The same seed gives the same folds, so
// every method is tested on exactly the same graphs.

import { LearnError } from '../errors';
import { Rng } from '../rng';

/** k disjoint sorted test folds covering 0 .. labels.length - 1. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new LearnError('bad-config', `folds must be an integer >= 2, got ${k}`);
  if (labels.length < k) throw new LearnError('bad-config', `${labels.length} graphs cannot fill ${k} folds`);
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const ids = Int32Array.from(byClass.get(c)!);
    rng.shuffle(ids);
    for (const i of ids) folds[next++ % k].push(i);
  }
  return folds.map((f) => Int32Array.from(f).sort());
}

export interface FoldSplit {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/**
 * Fold f as test; the rest is training, of which a stratified `valFraction`
 * (at least one graph per class) is carved out as validation, seeded by
 * (seed, f) so every method sees the same three parts.
 */
export function foldSplit(labels: ArrayLike<number>, folds: readonly Int32Array[], f: number, valFraction: number, seed: number): FoldSplit {
  if (!(f >= 0 && f < folds.length)) throw new LearnError('bad-config', `fold ${f} outside 0..${folds.length - 1}`);
  if (!(valFraction >= 0 && valFraction < 1)) throw new LearnError('bad-config', `validation fraction must be in [0, 1), got ${valFraction}`);
  const test = folds[f];
  const inTest = new Set(test);
  const rest: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!inTest.has(i)) rest.push(i);
  if (valFraction === 0) return { train: Int32Array.from(rest), val: new Int32Array(0), test };
  const rng = new Rng(seed * 7919 + f + 1);
  const byClass = new Map<number, number[]>();
  for (const i of rest) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const val: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const ids = Int32Array.from(byClass.get(c)!);
    rng.shuffle(ids);
    const take = Math.max(1, Math.round(valFraction * ids.length));
    for (let j = 0; j < take && j < ids.length - 1; j++) val.push(ids[j]);
  }
  const inVal = new Set(val);
  return { train: Int32Array.from(rest.filter((i) => !inVal.has(i))), val: Int32Array.from(val).sort(), test };
}
