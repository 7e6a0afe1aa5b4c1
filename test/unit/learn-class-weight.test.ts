// The class-weight pilots' pure rules (core/learn/class-weight.ts): the
// candidates, hand-computed; the pilot length; the choice and its ties.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseWeight, MIN_PILOT_STEPS, pilotSteps, weightCandidates, type WeightTrial } from '../../main/core/learn/class-weight';
import { POS_WEIGHT_CAP } from '../../main/core/learn/surrogate';

test('candidates: r^0.5, r^0.75 and r of the class ratio, within [1, cap], ascending, no repeats', () => {
  // case_ACTIVSg200's README dataset: 476 insecure, 8356 secure training samples, r = 17.5546.
  const r = 8356 / 476;
  const c = weightCandidates(476, 8356);
  assert.equal(c.length, 3);
  assert.ok(Math.abs(c[0] - Math.sqrt(r)) < 1e-12 && Math.abs(c[0] - 4.18983) < 1e-5, String(c[0]));
  assert.ok(Math.abs(c[1] - r ** 0.75) < 1e-12 && Math.abs(c[1] - 8.57617) < 1e-5, String(c[1]));
  assert.equal(c[2], r);
  // Capped: 1 insecure of 1e6 gives r = 1e6; r^0.5 = 1000 is above the cap too, so one candidate.
  assert.deepEqual(weightCandidates(1, 1e6), [POS_WEIGHT_CAP]);
  // r = 10000 with cap 100: r^0.5 = 100 = cap, all three the cap.
  assert.deepEqual(weightCandidates(1, 1e4, 100), [100]);
  // More insecure than secure: r < 1, every candidate 1.
  assert.deepEqual(weightCandidates(10, 5), [1]);
  assert.deepEqual(weightCandidates(0, 5), [1], 'no insecure sample: the ratio is taken as 1');
});

test('pilot length: 2.5% of the planned steps each, none below MIN_PILOT_STEPS', () => {
  assert.equal(pilotSteps(16 * 276), 111, 'case_ACTIVSg200 README run: 16 epochs of 276 batches');
  assert.equal(pilotSteps(16 * 1068), 428, 'case_ACTIVSg2000 default run');
  assert.equal(pilotSteps(4000), MIN_PILOT_STEPS);
  assert.equal(pilotSteps(3959), 0, '99 steps: too short, the ratio');
  assert.equal(pilotSteps(0), 0);
});

test('choice: the highest validation balanced accuracy; a tie goes to the larger weight', () => {
  const t = (posWeight: number, balancedAccuracy: number): WeightTrial => ({ posWeight, balancedAccuracy, recall: 0.995, threshold: 0.5 });
  assert.equal(chooseWeight([t(4, 0.9), t(8, 0.95), t(16, 0.93)]).posWeight, 8);
  assert.equal(chooseWeight([t(4, 0.95), t(8, 0.95), t(16, 0.93)]).posWeight, 8, 'tie: the larger weight');
  assert.equal(chooseWeight([t(16, 0.95), t(4, 0.95)]).posWeight, 16, 'order does not matter');
  assert.equal(chooseWeight([t(4, Number.NaN), t(8, 0.9)]).posWeight, 8, 'a NaN score never wins');
  assert.throws(() => chooseWeight([]), /no trial/);
});
