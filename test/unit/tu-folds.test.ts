// Stratified 10-fold CV on MUTAG's labels: disjoint folds covering every
// graph, each class in proportion, sizes within one; the same seed gives the
// same folds, another seed others; the validation part is carved from the
// training part only, stratified, the same for the same seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { foldSplit, stratifiedFolds } from '../../main/core/learn/tu/folds';
import { loadTu } from '../../main/services/reproduce/tu-data';

const { labels } = loadTu('MUTAG', join(__dirname, '..', 'fixtures', 'tu'));
const positives = (ids: ArrayLike<number>) => Array.from(ids).filter((i) => labels[i] === 1).length;

test('folds are disjoint, cover all 188 graphs, and hold 12-13 of the 125 and 6-7 of the 63', () => {
  const folds = stratifiedFolds(labels, 10, 1);
  assert.equal(folds.length, 10);
  const seen = new Set<number>();
  for (const f of folds) {
    for (const i of f) { assert.ok(!seen.has(i), `graph ${i} in two folds`); seen.add(i); }
    assert.ok(f.length === 18 || f.length === 19, `fold of ${f.length}`);
    const p = positives(f);
    assert.ok(p >= 12 && p <= 13 && f.length - p >= 6 && f.length - p <= 7, `fold with ${p} / ${f.length - p}`);
  }
  assert.equal(seen.size, 188);
});

test('the same seed gives the same folds; another seed other folds', () => {
  const a = stratifiedFolds(labels, 10, 7), b = stratifiedFolds(labels, 10, 7), c = stratifiedFolds(labels, 10, 8);
  assert.deepEqual(a.map((f) => [...f]), b.map((f) => [...f]));
  assert.notDeepEqual(a.map((f) => [...f]), c.map((f) => [...f]));
});

test('validation is 10% of the training part, stratified, disjoint from test and train, seeded', () => {
  const folds = stratifiedFolds(labels, 10, 1);
  const s = foldSplit(labels, folds, 3, 0.1, 1);
  assert.deepEqual([...s.test], [...folds[3]]);
  assert.equal(s.train.length + s.val.length + s.test.length, 188);
  const all = new Set([...s.train, ...s.val, ...s.test]);
  assert.equal(all.size, 188);
  assert.equal(s.val.length, 17);
  assert.equal(positives(s.val), 11);
  assert.deepEqual([...foldSplit(labels, folds, 3, 0.1, 1).val], [...s.val]);
  assert.notDeepEqual([...foldSplit(labels, folds, 4, 0.1, 1).val], [...s.val]);
});

test('bad fold requests are refused with a reason', () => {
  assert.throws(() => stratifiedFolds(labels, 1, 1), /folds must be an integer >= 2, got 1/);
  assert.throws(() => stratifiedFolds([0, 1, 0], 10, 1), /3 graphs cannot fill 10 folds/);
  assert.throws(() => foldSplit(labels, stratifiedFolds(labels, 10, 1), 10, 0.1, 1), /fold 10 outside 0\.\.9/);
  assert.throws(() => foldSplit(labels, stratifiedFolds(labels, 10, 1), 0, 1, 1), /validation fraction must be in \[0, 1\), got 1/);
});
