// The readout's pooled offset margins (gnn.ts offsetPool): what the columns
// hold on a hand-made sample, the prior and the sign kept on the worst
// margin's weight, and models made before it reading as they did.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, constrainOffsetPool, offsetPoolGain, poolWidth, predPoolWidth, resolveGraphNet } from '../../main/core/learn/gnn';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';

// A triangle and a tail: 4 buses, 4 branches; branch 1 is out in the sample.
const graph: GraphTopology = { numNodes: 4, src: Int32Array.from([0, 1, 2, 2]), dst: Int32Array.from([1, 2, 0, 3]) };
const sample = (): GraphSample => ({
  nodeFeat: new Float32Array(4 * 2).fill(0.1), edgeFeat: new Float32Array(4 * 2).fill(0.2),
  edgeMask: Uint8Array.from([1, 0, 1, 1]),
  // Branch 1 (out) would be the worst; of the others branch 3 is 0.02 below its limit.
  edgeOffset: Float32Array.from([0.5, 1.5, 0.9, 0.98]), edgeLimit: Float32Array.from([1, 1, 1, 1]),
  // Bus 2 is 0.004 above its upper limit, bus 3 0.01 above its lower one.
  nodeOffset: Float32Array.from([1.0, 1.02, 1.104, 0.91]), nodeUpper: Float32Array.from([1.1, 1.1, 1.1, 1.1]), nodeLower: Float32Array.from([0.9, 0.9, 0.9, 0.9]),
  targets: {},
});

const cfg = (over = {}) => resolveGraphNet({ nodeFeatDim: 2, edgeFeatDim: 2, hidden: 4, layers: 1, headHidden: 4, predPoolGain: 10, sparsity: 0, offsetPool: true, offsetPoolGain: 100, ...over });

test('the offsets\' margins and the worst of them, as the spec counts violations, at the tail of the readout', () => {
  const model = GraphNet.create(cfg(), new Rng(1));
  const { cache } = model.forward(model.batch(graph, [sample()]));
  const P = poolWidth(model.cfg), pool = cache.pool!;
  assert.equal(predPoolWidth(model.cfg), 3 + 3 + 1);
  const tail = Array.from(pool.subarray(P - 4), (x) => Math.round(x * 1e4) / 1e4);
  // edge: max over present branches of offset - limit = 0.98 - 1; upper: 1.104 - 1.1; lower: min(offset - 0.9) = 0.01 (bus 3); worst = max(-0.02, 0.004, -0.01).
  assert.deepEqual(tail, [100 * -0.02, 100 * 0.004, 100 * 0.01, 100 * 0.004].map((x) => Math.round(Math.fround(x) * 1e4) / 1e4));
  assert.equal(cache.poolOffsetKind![0], 1, 'the upper margin is the worst');
  // A lower violation beyond it wins: -lower.
  const s = sample();
  s.nodeOffset![3] = 0.89;
  const c2 = model.forward(model.batch(graph, [s])).cache;
  assert.ok(Math.abs(c2.pool![P - 1] - 100 * 0.01) < 1e-4);
  assert.equal(c2.poolOffsetKind![0], 2);
});

test('the worst margin\'s skip weight starts at 1 (logit up by offsetPoolGain per unit beyond a limit) and never goes below 0', () => {
  const model = GraphNet.create(cfg(), new Rng(2));
  const w = model.layer('head.graph.skip').weight.data, j = predPoolWidth(model.cfg) - 1;
  assert.equal(w[j], 1);
  assert.equal(offsetPoolGain(model.cfg), 100);
  w[j] = -0.3;
  w[0] = -0.3; // the others are free
  constrainOffsetPool(model);
  assert.equal(w[j], 0);
  assert.ok(Math.abs(w[0] + 0.3) < 1e-7);
});

test('models made before offsetPool (no field) read as they did: three pooled predictions, no constraint', () => {
  const { offsetPool: _o, offsetPoolGain: _g, ...old } = cfg();
  const c = resolveGraphNet(old);
  assert.ok(!c.offsetPool);
  assert.equal(predPoolWidth(c), 3);
  assert.equal(offsetPoolGain(c), c.predPoolGain);
  const model = GraphNet.create(c, new Rng(3));
  const before = Float32Array.from(model.layer('head.graph.skip').weight.data);
  model.layer('head.graph.skip').weight.data[2] = -1;
  constrainOffsetPool(model);
  assert.equal(model.layer('head.graph.skip').weight.data[2], -1);
  assert.equal(before.length, 3);
  assert.throws(() => resolveGraphNet({ ...old, offsetPool: 'yes' as never }), /offsetPool must be true or false/);
  assert.throws(() => resolveGraphNet({ ...old, offsetPoolGain: -1 }), /offsetPoolGain must be a positive number/);
});
