// The verdict loss's class weight, chosen on validation: short pilot runs,
// one per candidate weight, from the same initial network through the same
// batches (the run's seed), each scored on the validation samples at the
// operating point the product uses (the threshold that keeps MIN_RECALL of
// the insecure ones): the weight with the highest balanced accuracy there
// trains the model. Paired pilots make the comparison one of the weight
// alone; their cost is a small share of the run (PILOT_SHARE per candidate).

import { POS_WEIGHT_CAP } from './surrogate';

/** Optimiser steps of one pilot, as a share of the run's planned steps. */
export const PILOT_SHARE = 0.025;
/** A pilot shorter than this (warm-up of 50 steps included) says little: runs planned shorter train with the class ratio. */
export const MIN_PILOT_STEPS = 100;

/** One candidate weight's pilot, scored on validation. */
export interface WeightTrial {
  posWeight: number;
  /** Validation balanced accuracy and insecure recall at `threshold` (the one keeping the run's minimum recall on validation). */
  balancedAccuracy: number;
  recall: number;
  threshold: number;
}

/**
 * Candidate weights of insecure outages: the class ratio r (secure /
 * insecure training samples: both classes weigh the same) and the milder
 * r^0.5 and r^0.75 (a weight below r trades recall at a fixed threshold
 * for fewer false alarms, which the threshold then buys back), each within
 * [1, cap], ascending, without repeats.
 */
export function weightCandidates(positives: number, negatives: number, cap = POS_WEIGHT_CAP): number[] {
  const r = positives > 0 ? negatives / positives : 1;
  const out: number[] = [];
  for (const e of [0.5, 0.75, 1]) {
    const w = Math.min(cap, Math.max(1, r ** e));
    if (!out.some((x) => Math.abs(x - w) < 1e-9 * Math.max(1, w))) out.push(w);
  }
  return out.sort((a, b) => a - b);
}

/** Steps of each pilot for a run of `plannedSteps`, or 0 when the run is too short for pilots (it trains with the ratio). */
export function pilotSteps(plannedSteps: number): number {
  const s = Math.ceil(PILOT_SHARE * plannedSteps);
  return s >= MIN_PILOT_STEPS ? s : 0;
}

/** The best trial: highest validation balanced accuracy; a tie goes to the larger weight (the safer for recall). */
export function chooseWeight(trials: WeightTrial[]): WeightTrial {
  if (trials.length === 0) throw new Error('chooseWeight: no trial');
  // A NaN score (no insecure validation sample) never wins.
  const score = (t: WeightTrial) => (Number.isNaN(t.balancedAccuracy) ? -Infinity : t.balancedAccuracy);
  let best = trials[0];
  for (const t of trials.slice(1)) {
    const d = score(t) - score(best);
    if (d > 1e-12 || ((Math.abs(d) <= 1e-12 || score(t) === score(best)) && t.posWeight > best.posWeight)) best = t;
  }
  return best;
}
