// Model serialization round trip, metrics by hand, and the loss against
// finite differences.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnError } from '../../main/core/learn/errors';
import { GraphNet, resolveGraphNet } from '../../main/core/learn/gnn';
import { makeBatch } from '../../main/core/learn/graph';
import { computeLoss, resolveLoss, type HeadOutputs } from '../../main/core/learn/loss';
import { accuracy, balancedAccuracy, confusion, meanAbsoluteError, parameterCounts, precision, recall } from '../../main/core/learn/metrics';
import { Rng } from '../../main/core/learn/rng';
import { deserializeModel, serializeModel } from '../../main/core/learn/serialize';
import { syntheticTask } from '../../main/core/learn/synthetic';

const task = syntheticTask({ nodes: 10, chords: 4, samples: 12, seed: 8 });

test('serialize/deserialize gives the same predictions and stores only existing connections', () => {
  for (const sparsity of [0, 0.9]) {
    const cfg = resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 24, layers: 2, headHidden: 12, sparsity });
    const m = GraphNet.create(cfg, new Rng(1));
    const s = serializeModel(m);
    // JSON-able config; blobs are copies.
    const back = deserializeModel(JSON.parse(JSON.stringify(s.config)), s.blobs);
    const p1 = m.predict(task.graph, task.samples), p2 = back.predict(task.graph, task.samples);
    assert.deepEqual(p2, p1);
    const w0 = s.blobs.find((b) => b.name === 'enc.node.w')!;
    const before = m.layers[0].weight.data[0];
    w0.data[0] += 1;
    assert.equal(m.layers[0].weight.data[0], before, 'blobs are copies');
    const floats = s.blobs.filter((b) => b.name.endsWith('.w')).reduce((n, b) => n + b.data.length, 0);
    const counts = parameterCounts(m.layers);
    assert.equal(floats + m.layers.reduce((n, l) => n + l.nOut, 0), counts.kept);
    if (sparsity > 0) {
      assert.ok(counts.kept < 0.2 * counts.dense, `kept ${counts.kept} of ${counts.dense}`);
      assert.ok(Math.abs(counts.sparseDensity - 0.1) < 0.01, `density ${counts.sparseDensity}`);
    } else {
      assert.equal(counts.kept, counts.dense);
    }
  }
});

test('deserialize refuses foreign or damaged input with a clear message', () => {
  const m = GraphNet.create(resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 8, layers: 1, headHidden: 8, sparsity: 0.5 }), new Rng(2));
  const s = serializeModel(m);
  assert.throws(() => deserializeModel({ format: 'other' }, s.blobs), /not a gridrewire-gnn model/);
  assert.throws(() => deserializeModel({ ...s.config, version: 9 }, s.blobs), /version 9/);
  assert.throws(() => deserializeModel(s.config, s.blobs.filter((b) => b.name !== 'mp0.lin1.col')), /mp0.lin1.col is missing/);
  const bad = s.blobs.map((b) => (b.name === 'mp0.lin1.col' ? { name: b.name, data: new Int32Array(b.data.length).fill(99) } : b));
  assert.throws(() => deserializeModel(s.config, bad), LearnError);
  const wrongType = s.blobs.map((b) => (b.name === 'enc.node.w' ? { name: b.name, data: new Int32Array(b.data.length) } : b));
  assert.throws(() => deserializeModel(s.config, wrongType), /should be Float32Array/);
});

test('metrics by hand', () => {
  // probs vs labels: TP 2 (0.9, 0.6), FN 1 (0.2), FP 1 (0.7), TN 2 (0.1, 0.4).
  const c = confusion([0.9, 0.6, 0.2, 0.7, 0.1, 0.4], [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(c, { tp: 2, fp: 1, tn: 2, fn: 1 });
  assert.equal(accuracy(c), 4 / 6);
  assert.equal(recall(c), 2 / 3);
  assert.equal(precision(c), 2 / 3);
  assert.equal(balancedAccuracy(c), (2 / 3 + 2 / 3) / 2);
  // No positives: balanced accuracy falls back to specificity; recall is undefined.
  const neg = confusion([0.1, 0.8], [0, 0]);
  assert.equal(balancedAccuracy(neg), 0.5);
  assert.ok(Number.isNaN(recall(neg)));
  assert.equal(meanAbsoluteError([1, 2, 3], [1.5, 2, 2], [1, 0, 1]), 0.75);
  assert.ok(Number.isNaN(meanAbsoluteError([1], [2], [0])));
});

test('loss by hand and against finite differences', () => {
  const batch = makeBatch(task.graph, task.samples.slice(0, 2), 3, 2);
  const E = batch.edgeTarget.length, N = batch.nodeTarget.length;
  const rng = new Rng(3);
  const out: HeadOutputs = {
    edge: Float32Array.from({ length: E }, () => rng.float() * 2),
    node: Float32Array.from({ length: N }, () => rng.float()),
    graph: Float32Array.from([1.5, -0.7]),
  };
  for (const cfg of [resolveLoss({ posWeight: 3 }), resolveLoss({ regression: 'huber', huberDelta: 0.2, edgeWeight: 2, graphWeight: 0.5 })]) {
    const L = computeLoss(out, batch, cfg);
    // BCE by hand for the two graphs.
    const bce = (z: number, y: number) => (y === 1 ? cfg.posWeight : 1) * (Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y * z);
    const z = out.graph!;
    const want = (bce(z[0], batch.graphTarget[0]) + bce(z[1], batch.graphTarget[1])) / 2;
    assert.ok(Math.abs(L.graph - want) < 1e-9);
    // Removed edges carry no target.
    assert.equal(L.counts.edge, E - 2);
    for (const key of ['edge', 'node', 'graph'] as const) {
      const arr = out[key]!, grad = L.grad[key]!;
      for (let i = 0; i < arr.length; i++) {
        const v0 = arr[i], h = 1e-3;
        arr[i] = v0 + h;
        const lp = computeLoss(out, batch, cfg).total;
        arr[i] = v0 - h;
        const lm = computeLoss(out, batch, cfg).total;
        arr[i] = v0;
        const fd = (lp - lm) / (2 * h);
        assert.ok(Math.abs(fd - grad[i]) < 1e-4 + 1e-2 * Math.abs(fd), `${key}[${i}] fd ${fd} vs ${grad[i]}`);
      }
    }
  }
  assert.throws(() => resolveLoss({ posWeight: -1 }), /loss.posWeight/);
});

test('batches stack samples block-diagonally and check shapes', () => {
  const b = makeBatch(task.graph, task.samples.slice(0, 3), 3, 2);
  const N = task.graph.numNodes, E = task.graph.src.length;
  assert.equal(b.nodeFeat.length, 3 * N * 3);
  assert.equal(b.edgeSrc[2 * E + 1], 2 * N + task.graph.src[1]);
  // One edge removed per sample: two directed messages per present edge.
  assert.equal(b.msgSrc.length, 2 * 3 * (E - 1));
  assert.deepEqual(Array.from(b.activePerGraph), [E - 1, E - 1, E - 1]);
  assert.throws(() => makeBatch(task.graph, [{ ...task.samples[0], edgeMask: new Uint8Array(2) }], 3, 2), /edgeMask has 2 flags/);
  assert.throws(() => makeBatch(task.graph, [{ ...task.samples[0], targets: { graph: 2 } }], 3, 2), /graph target must be 0 or 1/);
});
