// Rewiring properties: the connection count is kept, no connection is
// duplicated, indices stay sorted and valid, the k smallest magnitudes go,
// survivors keep weights and optimiser moments, regrown connections are new
// and start at zero with zero moments, and each rule regrows what it should.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ch3l3Scores } from '../../main/core/learn/ch3l3';
import { randomMask } from '../../main/core/learn/density';
import { LearnError } from '../../main/core/learn/errors';
import { Optimizer } from '../../main/core/learn/optim';
import { type RegrowRule, rewireLayer } from '../../main/core/learn/rewire';
import { Rng } from '../../main/core/learn/rng';
import { SparseLayer, csrFromPositions, validateCsr } from '../../main/core/learn/sparse';

function makeLayer(nIn: number, nOut: number, density: number, rng: Rng): SparseLayer {
  const count = Math.max(1, Math.round(density * nIn * nOut));
  const l = SparseLayer.fromPositions('L', nIn, nOut, randomMask({ nIn, nOut }, count, rng)).init(rng, 'relu');
  // Distinct non-zero moments so that misalignment would show.
  l.weight.m = Float32Array.from(l.weight.data, (_w, k) => 0.001 * (k + 1));
  l.weight.v = Float32Array.from(l.weight.data, (_w, k) => 0.002 * (k + 1));
  return l;
}

function snapshot(l: SparseLayer) {
  const pos = l.positions();
  return new Map(Array.from(pos, (p, k) => [p, { w: l.weight.data[k], m: l.weight.m[k], v: l.weight.v[k] }]));
}

function checkInvariants(l: SparseLayer, before: ReturnType<typeof snapshot>, zeta: number) {
  validateCsr(l.name, l.nIn, l.nOut, l.rowPtr, l.col);
  const nnz = before.size, total = l.nIn * l.nOut;
  assert.equal(l.nnz(), nnz, 'connection count kept');
  for (const a of [l.weight.data, l.weight.grad, l.weight.m, l.weight.v]) assert.equal(a.length, nnz);
  const pos = l.positions();
  assert.equal(new Set(pos).size, nnz, 'no duplicate connection');
  const k = Math.min(Math.round(zeta * nnz), total - nnz);
  const survivors: number[] = [], fresh: number[] = [];
  pos.forEach((p, j) => {
    const old = before.get(p);
    if (old) {
      assert.equal(l.weight.data[j], old.w, `survivor ${p} keeps its weight`);
      assert.equal(l.weight.m[j], old.m, `survivor ${p} keeps m`);
      assert.equal(l.weight.v[j], old.v, `survivor ${p} keeps v`);
      survivors.push(p);
    } else {
      assert.equal(l.weight.data[j], 0, `regrown ${p} starts at zero`);
      assert.equal(l.weight.m[j], 0);
      assert.equal(l.weight.v[j], 0);
      fresh.push(p);
    }
  });
  assert.equal(fresh.length, k, 'exactly k regrown, all new');
  // The pruned ones are the k smallest magnitudes.
  const survived = new Set(survivors);
  const prunedMags = [...before].filter(([p]) => !survived.has(p)).map(([, s]) => Math.abs(s.w));
  const keptMags = survivors.map((p) => Math.abs(before.get(p)!.w));
  if (prunedMags.length && keptMags.length) assert.ok(Math.max(...prunedMags) <= Math.min(...keptMags));
  return { fresh, survivors };
}

for (const regrow of ['random', 'gradient', 'ch3l3'] as RegrowRule[]) {
  for (const [nIn, nOut, density] of [[40, 30, 0.01], [40, 30, 0.1], [24, 20, 0.5], [10, 10, 0.95]] as const) {
    test(`rewire ${regrow}: invariants at density ${density} (${nOut}x${nIn})`, () => {
      const rng = new Rng(nIn + nOut + Math.round(density * 100));
      const l = makeLayer(nIn, nOut, density, rng);
      for (let round = 0; round < 3; round++) {
        const before = snapshot(l);
        const G = Float32Array.from({ length: nIn * nOut }, () => rng.float() * 2 - 1);
        const zeta = 0.3;
        const st = rewireLayer(l, { zeta, regrow, rng, denseGrad: G });
        const { fresh } = checkInvariants(l, before, zeta);
        assert.equal(st.pruned, fresh.length);
        assert.equal(st.regrown, fresh.length);
        if (regrow === 'gradient' && fresh.length) {
          // Regrown = largest |G| among pairs absent before the step.
          const absent = [...Array(nIn * nOut).keys()].filter((p) => !before.has(p));
          const chosen = new Set(fresh);
          const minChosen = Math.min(...fresh.map((p) => Math.abs(G[p])));
          const maxOther = Math.max(-Infinity, ...absent.filter((p) => !chosen.has(p)).map((p) => Math.abs(G[p])));
          assert.ok(minChosen >= maxOther);
        }
        // Give regrown weights values so the next round is not trivial.
        for (let j = 0; j < l.nnz(); j++) if (l.weight.data[j] === 0) l.weight.data[j] = rng.float() - 0.5;
        // The optimiser steps on the new arrays without shape errors.
        l.weight.grad.fill(0.1);
        new Optimizer({ kind: 'adam', lr: 1e-3 }).step(l.params());
      }
    });
  }
}

test('ch3l3 regrows the highest-scoring pairs of the pruned layer', () => {
  const rng = new Rng(77);
  const l = makeLayer(30, 25, 0.12, rng);
  const before = snapshot(l);
  const st = rewireLayer(l, { zeta: 0.2, regrow: 'ch3l3', rng });
  const { fresh, survivors } = checkInvariants(l, before, 0.2);
  assert.equal(st.byScore, fresh.length, 'enough positive candidates: no random fill');
  // Scores recomputed on the survivors' graph.
  const { rowPtr, col } = csrFromPositions(30, 25, Int32Array.from(survivors).sort());
  const sc = ch3l3Scores(30, 25, rowPtr, col);
  const score = new Map(Array.from(sc.position, (p, j) => [p, sc.score[j]]));
  const chosen = new Set(fresh);
  const minChosen = Math.min(...fresh.map((p) => score.get(p) ?? 0));
  let maxOther = 0;
  for (const [p, s] of score) if (!chosen.has(p) && !before.has(p)) maxOther = Math.max(maxOther, s);
  assert.ok(minChosen > 0 && minChosen >= maxOther, `min chosen ${minChosen}, best left ${maxOther}`);
});

test('ch3l3 fills with random pairs when positive scores run out, and says so', () => {
  // A matching (i -> o_i) has no length-3 paths at all.
  const n = 12;
  const pos = Int32Array.from({ length: n }, (_, i) => i * n + i);
  const l = SparseLayer.fromPositions('M', n, n, pos);
  l.weight.data.set(Float32Array.from({ length: n }, (_, i) => i + 1));
  const before = snapshot(l);
  const st = rewireLayer(l, { zeta: 0.25, regrow: 'ch3l3', rng: new Rng(1) });
  checkInvariants(l, before, 0.25);
  assert.equal(st.byScore, 0);
  assert.equal(st.regrown, 3);
  assert.match(st.fallback ?? '', /0 positive CH3-L3 candidates/);
  // Over the path budget: random regrowth, flagged.
  const l2 = makeLayer(20, 20, 0.3, new Rng(3));
  const st2 = rewireLayer(l2, { zeta: 0.1, regrow: 'ch3l3', rng: new Rng(3), maxPaths: 10 });
  assert.match(st2.fallback ?? '', /exceed the budget/);
  assert.equal(st2.regrown, Math.round(0.1 * l2.nnz()));
});

test('rewiring edge cases: zeta 0, dense layer, bad input', () => {
  const rng = new Rng(5);
  const l = makeLayer(8, 8, 0.25, rng);
  const before = snapshot(l);
  assert.equal(rewireLayer(l, { zeta: 0, regrow: 'random', rng }).pruned, 0);
  assert.deepEqual(snapshot(l), before);
  const full = makeLayer(4, 4, 1, rng);
  assert.equal(rewireLayer(full, { zeta: 0.5, regrow: 'random', rng }).regrown, 0, 'nothing absent to regrow');
  // Nearly full: k is capped by the absent pairs.
  const nearly = SparseLayer.fromPositions('N', 4, 4, Int32Array.from({ length: 15 }, (_, i) => i));
  nearly.weight.data.fill(1);
  assert.equal(rewireLayer(nearly, { zeta: 0.5, regrow: 'random', rng }).regrown, 1);
  assert.throws(() => rewireLayer(l, { zeta: 0.3, regrow: 'gradient', rng }), LearnError);
  assert.throws(() => rewireLayer(l, { zeta: 1.5, regrow: 'random', rng }), LearnError);
  assert.throws(() => rewireLayer(l, { zeta: 0.3, regrow: 'magic' as RegrowRule, rng }), LearnError);
});

test('random regrowth is deterministic from the seed and spreads over the absent pairs', () => {
  const run = (seed: number) => {
    const l = makeLayer(30, 30, 0.05, new Rng(10));
    rewireLayer(l, { zeta: 0.5, regrow: 'random', rng: new Rng(seed) });
    return Array.from(l.positions());
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});
