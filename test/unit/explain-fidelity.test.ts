// The fidelity measures on hand-computed examples (R(k), flip rate, score
// kept, bootstrap interval; precision@k, Jaccard, the overloaded branch in
// the top 5 and its baselines), and one outage's measurements against direct
// forward passes of the network with those connections removed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet } from '../../main/core/learn/gnn';
import type { GraphSample } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';
import { ringWithChords } from '../../main/core/learn/synthetic';
import { attributeNetwork } from '../../main/core/learn/explain';
import { fidelityRows, hiddenConnections, ratioDifference, measureOutage, physicsAgreement, rankConnections, topConnections, type OutageFidelity } from '../../main/core/learn/explain-fidelity';

test('physics agreement: precision@k, Jaccard, the worst overload in the top 5, random and DC baselines', () => {
  const a = physicsAgreement([
    { explained: [1, 2, 3], exact: [3, 4, 5, 6, 7, 8], dc: [3, 4, 5, 6, 7], worstOverload: 2 },
    { explained: [], exact: [9, 10], dc: [10, 9], worstOverload: -1 },
    { explained: [4], exact: [], dc: [], worstOverload: 4 }, // nothing solved: left out
  ], 5);
  assert.equal(a.outages, 2);
  assert.ok(Math.abs(a.precisionAtK - (1 / 5 + 0) / 2) < 1e-12);
  assert.ok(Math.abs(a.jaccardAtK - (1 / 7 + 0) / 2) < 1e-12);
  assert.ok(Math.abs(a.dcLodf.precisionAtK - (1 + 2 / 5) / 2) < 1e-12);
  assert.equal(a.dcLodf.jaccardAtK, 1);
  assert.equal(a.outagesWithOverload, 1);
  assert.equal(a.overloadedInTop5, 1);
  assert.ok(Math.abs(a.baselineRandom! - 5 / 6) < 1e-12, 'five of six branches at random');
  assert.equal(a.baselineDcLodf, 0);
  assert.equal(physicsAgreement([{ explained: [1], exact: [1], dc: [1], worstOverload: -1 }], 5).overloadedInTop5, null);
});

test('fidelity rows: R(k) as a ratio of means, flips, score kept, a bootstrap interval, and k beyond the connections', () => {
  const m = (change: number, flipped: boolean, keptGap: number, randomChange: number) => ({ change, flipped, keptGap, randomChange });
  const outages: OutageFidelity[] = [
    { emptyGap: 4, byRanking: { attribution: [m(2, true, 1, 1), null], random: [m(1, false, 4, 1), null], inverse: [m(0, false, 4, 1), null], magnitude: [m(1, false, 3, 1), null], weight: [m(1, false, 2, 2), null] } },
    { emptyGap: 4, byRanking: { attribution: [m(4, false, 3, 1), null], random: [m(1, false, 4, 1), null], inverse: [m(0, false, 4, 1), null], magnitude: [m(1, false, 3, 1), null], weight: [m(1, false, 2, 2), null] } },
  ];
  const [r1, r5] = fidelityRows(outages, 'attribution', [1, 5], 3, new Rng(1), 2000);
  assert.equal(r1.ratio, 3);
  assert.equal(r1.flipRate, 0.5);
  assert.equal(r1.keptScore, 1 - 4 / 8);
  assert.ok(r1.ratioLow! >= 2 && r1.ratioLow! < 3 && r1.ratioHigh! > 3 && r1.ratioHigh! <= 4, `[${r1.ratioLow}, ${r1.ratioHigh}]`);
  assert.equal(r5.ratio, null);
  assert.match(r5.note!, /k = 5 is more than the model's 3 connections/);
  const [w1] = fidelityRows(outages, 'weight', [1, 5], 3, new Rng(1));
  assert.equal(w1.ratio, 0.5);
  assert.equal(w1.keptScore, 0.5);
  assert.equal(fidelityRows(outages, 'inverse', [1], 3, new Rng(1))[0].ratio, 0);
  // Paired: R(attribution) 3 minus R(weight) 0.5; an outage resampled for both.
  const d = ratioDifference(outages, 'attribution', 'weight', 0, new Rng(1), 2000)!;
  assert.equal(d.difference, 2.5);
  // Resampling {o1, o1}: 2 - 0.5; {o2, o2}: 4 - 0.5; {o1, o2}: 2.5.
  assert.ok(d.low >= 1.5 && d.low < 2.5 && d.high > 2.5 && d.high <= 3.5, `[${d.low}, ${d.high}]`);
  assert.equal(ratioDifference(outages, 'attribution', 'weight', 1, new Rng(1)), null, 'k beyond the connections: nothing measured');
});

test("one outage's measurements are the network's with those connections removed; the weights come back", () => {
  const rng = new Rng(3);
  const graph = ringWithChords(10, 3, rng);
  const E = graph.src.length, N = graph.numNodes;
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 6, layers: 2, headHidden: 4, sparsity: 0.5, predPoolGain: 3 }), rng);
  for (const l of model.layers) if (l.name.endsWith('.out') || l.name.endsWith('.skip')) for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] = rng.float() - 0.5;
  const x: GraphSample = { nodeFeat: Float32Array.from({ length: N * 3 }, () => rng.float()), edgeFeat: Float32Array.from({ length: E * 2 }, () => rng.float()), edgeOffset: new Float32Array(E).fill(0.5), edgeLimit: new Float32Array(E).fill(1), targets: {} };
  const batch = model.batch(graph, [x]);
  const attr = attributeNetwork(model, batch);
  const before = model.layers.map((l) => Float32Array.from(l.weight.data));
  const f = (zero: (li: number, q: number) => boolean) => {
    const saved = model.layers.map((l) => Float32Array.from(l.weight.data));
    model.layers.forEach((l, li) => { for (let q = 0; q < l.weight.data.length; q++) if (zero(li, q)) l.weight.data[q] = 0; });
    const v = model.forward(batch).out.graph![0];
    model.layers.forEach((l, li) => l.weight.data.set(saved[li]));
    return v;
  };
  const f0 = f(() => false);
  const idx = hiddenConnections(attr, model);
  const o = measureOutage(model, batch, attr, 0.5, [1, 3], 30, new Rng(7));
  model.layers.forEach((l, li) => assert.deepEqual(l.weight.data, before[li], `${l.name} restored`));
  const hidden = new Set(Array.from(idx.layer));
  assert.ok(Math.abs(o.emptyGap - Math.abs(f0 - f((li) => hidden.has(li)))) < 1e-6);
  for (const r of ['attribution', 'weight', 'inverse', 'magnitude'] as const) {
    const tops = topConnections(r, idx, attr, [1, 3], new Rng(1));
    [1, 3].forEach((k, j) => {
      const top = new Set(Array.from(tops[j]!, (i) => `${idx.layer[i]}:${idx.pos[i]}`));
      const removed = f((li, q) => top.has(`${li}:${q}`));
      const kept = f((li, q) => hidden.has(li) && !top.has(`${li}:${q}`));
      const mr = o.byRanking[r][j]!;
      assert.ok(Math.abs(mr.change - Math.abs(f0 - removed)) < 1e-6, `${r} k=${k} removed`);
      assert.ok(Math.abs(mr.keptGap - Math.abs(f0 - kept)) < 1e-6, `${r} k=${k} kept`);
      assert.ok(mr.randomChange >= 0);
    });
  }
  // The explanation's sets push one way: of the k most positive and the k most negative
  // attributions, the larger sum; k = 1 is the largest |attribution|.
  const sa = (i: number) => attr.layers[idx.layer[i]].verdict[idx.pos[i]];
  const ks = [1, 2, 3, 5, 10, 25];
  const sets = topConnections('attribution', idx, attr, ks, new Rng(1));
  const sorted = Array.from({ length: idx.layer.length }, (_, i) => sa(i)).sort((x, y) => y - x);
  ks.forEach((k, j) => {
    const vals = Array.from(sets[j]!, sa), sum = vals.reduce((t, v) => t + v, 0);
    const bestUp = sorted.slice(0, k).reduce((t, v) => t + v, 0), bestDown = sorted.slice(-k).reduce((t, v) => t + v, 0);
    assert.equal(vals.length, k);
    assert.ok(Math.abs(Math.abs(sum) - Math.max(Math.abs(bestUp), Math.abs(bestDown))) < 1e-9, `k=${k}: the larger one-way sum`);
  });
  assert.equal(Math.abs(sa(sets[0]![0])), Math.max(...sorted.map(Math.abs)), 'k = 1: the largest |attribution|');
  // The |attribution| ranking is by |gradient x weight|, the weight ranking by |weight|.
  const a = rankConnections('magnitude', idx, attr, new Rng(1)), w = rankConnections('weight', idx, attr, new Rng(1));
  const absA = (i: number) => Math.abs(attr.layers[idx.layer[i]].verdict[idx.pos[i]]), absW = (i: number) => Math.abs(attr.layers[idx.layer[i]].weight[idx.pos[i]]);
  for (let t = 1; t < a.length; t++) { assert.ok(absA(a[t - 1]) >= absA(a[t])); assert.ok(absW(w[t - 1]) >= absW(w[t])); }
});
