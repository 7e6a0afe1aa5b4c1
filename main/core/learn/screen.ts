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

/** Insecure recall the stored band keeps on validation (issue 13). */
export const SCREEN_RECALL = 0.999;

/** Whether an outage with surrogate probability p goes to the exact engine. */
export function solvedExactly(p: number, threshold: number, band: number): boolean {
  // NaN (no prediction) is never trusted.
  return !(p < threshold - band);
}

/**
 * The smallest band (a probability margin below `threshold`) with which the
 * insecure samples caught (p >= threshold - band) are at least `minRecall` of
 * all insecure samples: at most floor((1 - minRecall) x P) of the P insecure
 * ones may stay below it, the lowest first. 0 when the threshold alone
 * already catches that many, or when there is no insecure sample. With fewer
 * than 1000 insecure samples a recall of 0.999 allows no miss, so the band
 * reaches down to the least probable insecure sample.
 */
export function chooseBand(prob: ArrayLike<number>, label: ArrayLike<number>, threshold: number, minRecall = SCREEN_RECALL): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`);
  if (!(minRecall >= 0 && minRecall <= 1)) throw new RangeError(`minRecall must be from 0 to 1, got ${minRecall}`);
  const pos: number[] = [];
  for (let i = 0; i < prob.length; i++) if (label[i] === 1) pos.push(Number.isNaN(prob[i]) ? 0 : prob[i]);
  if (pos.length === 0) return 0;
  pos.sort((a, b) => a - b);
  const miss = Math.floor((1 - minRecall) * pos.length + 1e-9);
  // The least probable insecure sample that must be caught sets the lower edge.
  const edge = pos[miss];
  // Float32 probabilities: the difference is computed in doubles and kept as is, so threshold - band <= edge holds exactly.
  let band = Math.max(0, threshold - edge);
  while (band > 0 && threshold - band > edge) band = Math.min(1, band + Number.EPSILON * Math.max(1, band));
  return Math.min(1, band);
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
