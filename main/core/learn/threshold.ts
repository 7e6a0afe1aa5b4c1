// The surrogate's decision threshold from its validation predictions
// (P(insecure) >= threshold says insecure), in two steps:
//
// 1. The recall edge: the (1 - minRecall) quantile of the insecure samples'
//    scores, by Harrell-Davis in logit space when the sample reaches that
//    quantile (P >= 1 / (1 - minRecall) - 1 insecure samples: 199 for
//    0.995), else the lowest insecure score (a quantile below the sample's
//    reach cannot be estimated without a model of the tail). One order
//    statistic (the rule before) put the threshold at the mercy of one
//    sample and jumped with P: at 0.995, 199 insecure samples allowed no
//    miss and 200 allowed one. On case_ACTIVSg200 one insecure validation
//    outage scored 3e-5 and took a model's stressed balanced accuracy to
//    0.61 (the smoothed edge: 0.955).
// 2. Recall that costs no false alarm: the edge is lowered to the midpoint
//    (in logit space) between the highest secure validation score below it
//    and the lowest insecure one above that secure score, so that every
//    insecure sample the validation data separates from the secure ones is
//    caught and no secure one is added. On case_ACTIVSg2000 the classes are
//    that far apart: the edge alone (0.902) missed 6 of the stressed test
//    scenarios' 872 insecure outages, the lowered one (0.735) none, at the
//    same false alarms (README, "The decision threshold").

import { harrellDavis, logit, sigmoid } from './quantile';

/** How the threshold was chosen, recorded with every model. */
export const THRESHOLD_RULE = 'harrell-davis edge, lowered to the class margin';

/**
 * The Harrell-Davis edge, or the lowest score when the sample does not reach
 * the quantile; never above the order statistic that misses ceil(qP)
 * samples (so validation recall stays within one sample of the rule's
 * floor(qP)). `sortedInsecure` ascending, non-empty.
 */
export function recallQuantile(sortedInsecure: readonly number[], minRecall: number): number {
  const q = 1 - minRecall, n = sortedInsecure.length;
  if (!(q > 0) || n * q < 1 - q - 1e-9) return sortedInsecure[0];
  const cap = sortedInsecure[Math.min(n - 1, Math.ceil(q * n - 1e-9))];
  return Math.min(sigmoid(harrellDavis(sortedInsecure.map(logit), q)), cap);
}

/**
 * The decision threshold for insecure recall `minRecall` on validation
 * (about minRecall at the edge, at least what the edge catches after the
 * margin step). 0.5 with no insecure validation sample.
 */
export function chooseThreshold(prob: ArrayLike<number>, label: ArrayLike<number>, minRecall = 0.99): number {
  if (!(minRecall > 0 && minRecall <= 1)) throw new RangeError(`minRecall must be above 0 and at most 1, got ${minRecall}`);
  const pos: number[] = [];
  for (let i = 0; i < prob.length; i++) if (label[i] === 1) pos.push(Number.isNaN(prob[i]) ? 0 : prob[i]);
  if (pos.length === 0) return 0.5;
  pos.sort((a, b) => a - b);
  const edge = recallQuantile(pos, minRecall);
  // The highest secure score below the edge (-Infinity: none).
  let secure = -Infinity;
  for (let i = 0; i < prob.length; i++) if (label[i] !== 1 && prob[i] < edge && prob[i] > secure) secure = prob[i];
  // The lowest insecure score above it, and no higher than the edge.
  let insecure = edge;
  for (const p of pos) if (p > secure) { insecure = Math.min(p, edge); break; }
  if (secure === -Infinity) return insecure;
  const mid = sigmoid((logit(secure) + logit(insecure)) / 2);
  // Strictly above the secure score and at most the insecure one (prob >= threshold is insecure); the clamp of logit can tie them.
  return mid > secure && mid <= insecure ? mid : insecure;
}
