// ERK densities, random masks and the selection helpers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerConnectionCounts, layerDensities, randomMask } from '../../main/core/learn/density';
import { LearnError } from '../../main/core/learn/errors';
import { Rng } from '../../main/core/learn/rng';
import { bottomK, sampleDistinct, topK } from '../../main/core/learn/select';

const approx = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('ERK by hand: two layers, no cap', () => {
  // 10x10 (raw (10+10)/100 = 0.2) and 100x100 (raw 0.02) at sparsity 0.9:
  // budget 0.1 * 10100 = 1010 = eps * (0.2*100 + 0.02*10000) -> eps = 1010/220.
  const d = layerDensities([{ nIn: 10, nOut: 10 }, { nIn: 100, nOut: 100 }], 0.9);
  approx(d[0], (1010 / 220) * 0.2);
  approx(d[1], (1010 / 220) * 0.02);
});

test('ERK by hand: a layer capped at 1 and the rest rescaled', () => {
  // Sparsity 0.5: budget 5050; eps = 5050/220 would give the small layer
  // 4.59 > 1, so it is dense (100 kept) and eps = (5050 - 100) / 200.
  const d = layerDensities([{ nIn: 10, nOut: 10 }, { nIn: 100, nOut: 100 }], 0.5);
  assert.equal(d[0], 1);
  approx(d[1], ((5050 - 100) / 200) * 0.02);
});

test('ERK densities keep the global budget, stay in (0, 1], favour small fan-in', () => {
  const shapes = [{ nIn: 6, nOut: 256 }, { nIn: 4, nOut: 256 }, { nIn: 256, nOut: 256 }, { nIn: 256, nOut: 256 }, { nIn: 768, nOut: 64 }, { nIn: 576, nOut: 64 }];
  const total = shapes.reduce((s, l) => s + l.nIn * l.nOut, 0);
  for (const sparsity of [0.5, 0.8, 0.9, 0.95, 0.99]) {
    const d = layerDensities(shapes, sparsity);
    const kept = d.reduce((s, di, l) => s + di * shapes[l].nIn * shapes[l].nOut, 0);
    approx(kept, (1 - sparsity) * total, 1e-6 * total);
    for (const di of d) assert.ok(di > 0 && di <= 1);
    // Where neither is capped, density ratio equals the (in+out)/(in*out) ratio.
    if (d[2] < 1 && d[4] < 1) approx(d[2] / d[4], (512 / 65536) / (832 / 49152), 1e-9);
    const counts = layerConnectionCounts(shapes, d);
    const sum = counts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (1 - sparsity) * total) <= shapes.length, `rounded total ${sum}`);
  }
  for (const d of layerDensities(shapes, 0.9, 'uniform')) approx(d, 0.1);
  assert.throws(() => layerDensities(shapes, 1), LearnError);
  assert.throws(() => layerDensities(shapes, -0.1), LearnError);
});

test('random masks have the exact count, sorted, distinct and in range', () => {
  const rng = new Rng(2);
  for (const [nIn, nOut, count] of [[10, 10, 1], [10, 10, 50], [10, 10, 100], [300, 200, 600]] as const) {
    const m = randomMask({ nIn, nOut }, count, rng);
    assert.equal(m.length, count);
    for (let i = 0; i < m.length; i++) {
      assert.ok(m[i] >= 0 && m[i] < nIn * nOut);
      if (i > 0) assert.ok(m[i] > m[i - 1]);
    }
  }
});

test('sampleDistinct is uniform enough and deterministic from the seed', () => {
  const hits = new Float64Array(20);
  const rng = new Rng(9);
  for (let r = 0; r < 2000; r++) for (const v of sampleDistinct(20, 3, rng)) hits[v]++;
  // Each value expected 300 times.
  for (const h of hits) assert.ok(h > 220 && h < 380, `count ${h}`);
  assert.deepEqual(Array.from(sampleDistinct(50, 40, new Rng(4))), Array.from(sampleDistinct(50, 40, new Rng(4))));
  assert.throws(() => sampleDistinct(3, 4, rng), RangeError);
});

test('topK takes everything above the k-th value and breaks ties at random', () => {
  const scores = [5, 1, 3, 3, 3, 0, 7, NaN];
  // Top 3: 7 and 5 certain, one of the three 3s.
  const seen = new Set<number>();
  for (let s = 1; s <= 30; s++) {
    const t = Array.from(topK(scores, 3, new Rng(s)));
    assert.equal(t.length, 3);
    assert.ok(t.includes(0) && t.includes(6));
    const third = t.find((i) => i !== 0 && i !== 6)!;
    assert.ok([2, 3, 4].includes(third));
    seen.add(third);
  }
  assert.equal(seen.size, 3, 'every tied index gets picked for some seed');
  assert.deepEqual(Array.from(topK(scores, 0, new Rng(1))), []);
  assert.deepEqual(Array.from(topK([1, 2], 5, new Rng(1))), [0, 1]);
  assert.deepEqual(Array.from(bottomK([4, 0.5, 2, 0.1], 2, new Rng(1))), [1, 3]);
});
