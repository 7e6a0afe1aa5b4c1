// The split-conformal edges studied for the screen's band: the k-th lowest
// calibration score for the largest k with k / (n + 1) <= 1 - recall, none
// (solve everything) below 1 / (1 - recall) - 1 samples, the guarantee
// holding on exchangeable draws, and the per-scenario calibration values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conformalEdge, scenarioMinima } from '../../main/core/learn/screen';
import { Rng } from '../../main/core/learn/rng';

test('the k-th lowest score, and no edge when too few samples can promise the recall', () => {
  // 142 insecure validation samples (the bench's count): 0.999 needs 999, so nothing is promised short of solving everything.
  const s = Array.from({ length: 142 }, (_, i) => (i + 1) / 200);
  assert.deepEqual(conformalEdge(s, 0.999), { edge: 0, k: 0, guarantee: 1 });
  // 0.99: k = floor(0.01 x 143) = 1, the lowest score, promising 1 - 1/143.
  const r = conformalEdge(s, 0.99);
  assert.equal(r.k, 1);
  assert.equal(r.edge, 0.005);
  assert.ok(Math.abs(r.guarantee - (1 - 1 / 143)) < 1e-12);
  // 1999 samples at 0.999: k = 2, the second lowest (unsorted input, NaN counts as 0).
  const many = Array.from({ length: 1999 }, (_, i) => 0.5 + i / 1e4);
  many[7] = NaN; many[100] = 0.01;
  assert.deepEqual(conformalEdge(many, 0.999), { edge: 0.01, k: 2, guarantee: 1 - 2 / 2000 });
  assert.throws(() => conformalEdge(s, 1), /minRecall/);
});

test('on exchangeable draws the promised recall holds', () => {
  const rng = new Rng(7);
  let caught = 0, total = 0;
  const trials = 400, n = 199, recall = 0.95;
  for (let t = 0; t < trials; t++) {
    const cal = Array.from({ length: n }, () => rng.float());
    const { edge, guarantee } = conformalEdge(cal, recall);
    assert.ok(guarantee >= recall);
    const fresh = rng.float();
    total++;
    if (fresh >= edge) caught++;
  }
  // 1 - k/(n+1) = 0.95 with k = 10; 400 draws: below 0.92 would be a 3-sigma failure.
  assert.ok(caught / total >= 0.92, `recall ${caught / total}`);
});

test("each scenario's lowest insecure probability is one calibration value", () => {
  const prob = [0.9, 0.2, 0.6, 0.05, 0.7, 0.3];
  const label = [1, 1, 0, 1, 0, 1];
  const scen = [0, 0, 1, 1, 2, 2];
  assert.deepEqual(scenarioMinima(prob, label, scen).sort(), [0.05, 0.2, 0.3]);
  assert.deepEqual(scenarioMinima([0.4], [0], [0]), [], 'a scenario without an insecure outage gives none');
});
