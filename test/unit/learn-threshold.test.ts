// The decision threshold (core/learn/threshold.ts) and the statistics under
// it (core/learn/quantile.ts): the incomplete beta function and the
// Harrell-Davis estimator against scipy's values (scipy.special.betainc,
// scipy.stats.mstats.hdquantiles, computed once and written down here), a
// hand-computed threshold, and the rule's properties on random validation
// sets: the margin step adds no false alarm, at most ceil((1 - r) P) insecure
// samples are missed, and the threshold moves continuously with P where one
// order statistic jumps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harrellDavis, lnGamma, logit, regularizedBeta, sigmoid } from '../../main/core/learn/quantile';
import { chooseThreshold, recallQuantile } from '../../main/core/learn/threshold';
import { Rng } from '../../main/core/learn/rng';

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} against ${b}`);

test('lnGamma and the regularized incomplete beta function match scipy', () => {
  close(lnGamma(0.5), 0.5723649429247, 1e-12, 'lnGamma(0.5)');
  close(lnGamma(100.5), 361.43554046777757, 1e-13, 'lnGamma(100.5)');
  close(lnGamma(3), Math.log(2), 1e-14, 'lnGamma(3)');
  const ref: [number, number, number, number][] = [
    [1, 199, 0.005, 0.6311981691194297],
    [1, 199, 1 / 199, 0.6330468192527563],
    [4.52, 899.48, 0.004, 0.3823795722764606],
    [0.5, 0.5, 0.3, 0.36901011956554536],
    [2, 3, 0.7, 0.9163],
    [10, 20, 0.4, 0.7853183897628262],
  ];
  for (const [a, b, x, want] of ref) close(regularizedBeta(x, a, b), want, 1e-11, `I_${x}(${a}, ${b})`);
  assert.equal(regularizedBeta(0, 2, 3), 0);
  assert.equal(regularizedBeta(1, 2, 3), 1);
  assert.throws(() => regularizedBeta(0.5, 0, 1), /a, b > 0/);
});

test('Harrell-Davis quantiles match scipy.stats.mstats.hdquantiles', () => {
  const x = [0.001, 0.299, -0.274, -0.891, -0.455, -0.992, 0.06, 1.34, -0.492, -0.62, 0.49, 0.357, 0.105, -0.93, -0.029, 0.695, -1.344, -0.458, -1.901, -1.29, -1.842, -0.235, -1.267, 0.271, 0.157].sort((a, b) => a - b);
  close(harrellDavis(x, 0.05), -1.76850312, 1e-8, 'q 0.05 of 25');
  close(harrellDavis(x, 0.5), -0.29087876, 1e-7, 'median of 25');
  close(harrellDavis(x, 0.9), 0.60689546, 1e-8, 'q 0.9 of 25');
  const y = Array.from({ length: 400 }, (_, i) => Math.round((((i * 7919) % 1000) / 100 - 5 + (i % 7) * 0.13) * 1e4) / 1e4).sort((a, b) => a - b);
  close(harrellDavis(y, 0.005), -4.84990384, 1e-8, 'q 0.005 of 400');
  close(harrellDavis(y, 0.25), -2.12999917, 1e-8, 'q 0.25 of 400');
  assert.equal(harrellDavis([3], 0.5), 3);
  assert.throws(() => harrellDavis([], 0.5), /at least one/);
  assert.throws(() => harrellDavis([1, 2], 0), /0 < q < 1/);
});

test('a hand-computed threshold: below the quantile\'s reach the lowest insecure score, lowered to the logit midpoint of the margin', () => {
  // 3 insecure samples cannot reach a 0.5% quantile: the edge is the lowest, 0.2. The highest secure score below it
  // is 0.1; the midpoint of logit(0.1) = log(1/9) and logit(0.2) = log(1/4) is log(1/6): P = 1/7.
  const prob = [0.2, 0.6, 0.9, 0.1, 0.3, 0.05], label = [1, 1, 1, 0, 0, 0];
  close(chooseThreshold(prob, label, 0.995), 1 / 7, 1e-14, 'threshold');
  // No secure score below the edge: the edge itself (every insecure sample caught).
  assert.equal(chooseThreshold([0.2, 0.6, 0.3], [1, 1, 0], 0.995), 0.2);
  // No insecure sample: 0.5.
  assert.equal(chooseThreshold([0.2, 0.1], [0, 0], 0.995), 0.5);
  assert.throws(() => chooseThreshold(prob, label, 0), /minRecall/);
  assert.throws(() => chooseThreshold(prob, label, 1.5), /minRecall/);
});

/** A validation set: insecure logits ~ N(2, 1.5) with a few outliers far below, secure ~ N(-4, 2). */
function draw(rng: Rng, nPos: number, nNeg: number): { prob: number[]; label: number[] } {
  const prob: number[] = [], label: number[] = [];
  for (let i = 0; i < nPos; i++) { prob.push(sigmoid(rng.float() < 0.01 ? -8 + rng.normal() : 2 + 1.5 * rng.normal())); label.push(1); }
  for (let i = 0; i < nNeg; i++) { prob.push(sigmoid(-4 + 2 * rng.normal())); label.push(0); }
  return { prob, label };
}

function confusionAt(prob: number[], label: number[], t: number): { tp: number; fp: number; fn: number } {
  let tp = 0, fp = 0, fn = 0;
  prob.forEach((p, i) => { if (label[i] === 1) { if (p >= t) tp++; else fn++; } else if (p >= t) fp++; });
  return { tp, fp, fn };
}

test('property: the margin step adds no false alarm and misses at most ceil((1 - r) P) insecure samples', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const nPos = 1 + rng.int(1200), nNeg = rng.int(3000);
    const { prob, label } = draw(rng, nPos, nNeg);
    const r = [0.99, 0.995, 0.999][trial % 3];
    const t = chooseThreshold(prob, label, r);
    const pos = prob.filter((_, i) => label[i] === 1).sort((a, b) => a - b);
    const edge = recallQuantile(pos, r);
    const atT = confusionAt(prob, label, t), atEdge = confusionAt(prob, label, edge);
    assert.ok(t <= edge, `trial ${trial}: threshold ${t} above the edge ${edge}`);
    assert.equal(atT.fp, atEdge.fp, `trial ${trial}: the margin step added false alarms`);
    assert.ok(atT.fn <= Math.ceil((1 - r) * nPos - 1e-9), `trial ${trial}: ${atT.fn} of ${nPos} missed at recall ${r}`);
  }
});

test('property: the threshold moves continuously with the number of insecure samples, where the lowest-k order statistic jumps', () => {
  // At 0.995, 199 insecure samples allow floor(0.995) = 0 misses and 200 allow 1: the old rule jumped from the lowest
  // score to the second lowest. Adding one insecure sample in the middle of the distribution barely moves the new edge.
  const rng = new Rng(5);
  let worst = 0;
  for (let trial = 0; trial < 50; trial++) {
    const base = Array.from({ length: 199 }, () => 2 + 1.5 * rng.normal());
    base[0] = -9; // one sure-looking insecure sample, the case that took a model to 0.61
    const sorted199 = base.map(sigmoid).sort((a, b) => a - b);
    const sorted200 = [...sorted199, sigmoid(2)].sort((a, b) => a - b);
    const e199 = logit(recallQuantile(sorted199, 0.995)), e200 = logit(recallQuantile(sorted200, 0.995));
    const gap = logit(sorted199[1]) - logit(sorted199[0]);
    worst = Math.max(worst, Math.abs(e200 - e199) / gap);
  }
  assert.ok(worst < 0.05, `the edge moved ${worst} of the gap between the two lowest scores when one sample was added`);
});

test('the edge pulls away from one outlier: a far insecure sample no longer fixes the threshold alone', () => {
  const scores = [sigmoid(-10), ...Array.from({ length: 198 }, (_, i) => sigmoid(-1 + (3 * i) / 198))].sort((a, b) => a - b);
  const edge = recallQuantile(scores, 0.995);
  assert.ok(edge > 10 * scores[0] && edge < scores[1], `edge ${edge} between ${scores[0]} and ${scores[1]}`);
});
