// One fold's training on 80 MUTAG graphs: fixed-rate rewiring keeps the
// connection count and zeta while the mask moves; adaptive rewiring's zeta
// follows validation and early stopping keeps the best-validation epoch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { foldSplit, stratifiedFolds } from '../../main/core/learn/tu/folds';
import { firstGraphs } from '../../main/core/learn/tu/graphs';
import { defaultTuTrain, trainTuRun } from '../../main/core/learn/tu/train';
import { loadTu } from '../../main/services/reproduce/tu-data';

const data = firstGraphs(loadTu('MUTAG', join(__dirname, '..', 'fixtures', 'tu')), 80);
const split = foldSplit(data.labels, stratifiedFolds(data.labels, 10, 1), 0, 0.2, 1);

test('fixed-rate rewiring: zeta constant (none after the last epoch), the parameter count below dense', async () => {
  const r = await trainTuRun({ data, split, method: 'fixed', sparsity: 0.9, cfg: { ...defaultTuTrain, epochs: 4 }, seed: 1 });
  assert.deepEqual(r.history.map((h) => h.zeta), [0.3, 0.3, 0.3, 0]);
  const dense = await trainTuRun({ data, split, method: 'dense', sparsity: 0, cfg: { ...defaultTuTrain, epochs: 1 }, seed: 1 });
  assert.ok(r.params < 0.3 * dense.params, `${r.params} vs dense ${dense.params}`);
  assert.equal(r.epochs, 4);
  assert.equal(r.accuracy, r.curve[3]);
});

test('adaptive rewiring: zeta moves with validation, early stopping keeps the best-validation epoch', async () => {
  const cfg = { ...defaultTuTrain, epochs: 40, patience: 3, lr: 0.02 };
  const r = await trainTuRun({ data, split, method: 'adaptive', sparsity: 0.34, cfg, seed: 2 });
  assert.ok(r.epochs < 40, `stopped after ${r.epochs} epochs`);
  const best = r.history.reduce((a, h) => (h.valLoss < a.valLoss ? h : a));
  assert.equal(r.bestEpoch, best.epoch);
  assert.equal(r.accuracy, best.testAccuracy);
  assert.equal(r.epochs - r.bestEpoch, 3);
  // The rate rose after improving epochs (x1.2, capped at 0.5) and fell after the others (x0.7).
  const z = r.history.map((h) => h.zeta);
  for (let k = 0; k < z.length; k++) {
    const prev = k === 0 ? 0.3 : z[k - 1];
    if (prev === 0 || k === z.length - 1) { assert.equal(z[k], 0); continue; }
    const improved = r.history[k].valLoss < Math.min(...r.history.slice(0, k).map((h) => h.valLoss), Infinity);
    const want = improved ? Math.min(prev * 1.2, 0.5) : prev * 0.7 < 0.02 ? 0 : prev * 0.7;
    assert.ok(Math.abs(z[k] - want) < 1e-12, `epoch ${k + 1}: zeta ${z[k]}, expected ${want}`);
  }
  assert.ok(new Set(z).size > 2, `zeta ${z}`);
});

test('bad run requests are refused with a reason', async () => {
  const run = (method: string, sparsity: number) => trainTuRun({ data, split, method: method as 'dense', sparsity, cfg: { ...defaultTuTrain, epochs: 1 }, seed: 1 });
  await assert.rejects(run('set', 0.5), /method must be one of dense, fixed, adaptive, got 'set'/);
  await assert.rejects(run('dense', 0.5), /the dense method has sparsity 0, got 0.5/);
  await assert.rejects(run('fixed', 0), /method fixed needs a sparsity in \(0, 1\), got 0/);
  await assert.rejects(trainTuRun({ data, split: { ...split, val: new Int32Array(0) }, method: 'adaptive', sparsity: 0.5, cfg: defaultTuTrain, seed: 1 }), /adaptive rewiring needs a validation part/);
});
