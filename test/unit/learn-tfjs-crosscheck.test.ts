// The tfjs backend against the cpu backend, with TensorFlow.js's pure
// JavaScript CPU backend: on a small network with identical weights and
// masks, the same head outputs (1e-5 relative) and gradients (1e-4), one
// optimiser step the same update, one rewiring epoch the same mask (SET,
// RigL, CH3-L3), and a short training run on each reaching comparable
// validation metrics. Each check fails if the tfjs graph differs from
// gnn.ts in any layer, readout or loss term.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { GraphNet, resolveGraphNet } from '../../main/core/learn/gnn';
import type { GraphSample } from '../../main/core/learn/graph';
import { computeLoss, resolveLoss } from '../../main/core/learn/loss';
import { Optimizer, type OptimizerConfig } from '../../main/core/learn/optim';
import { Rng } from '../../main/core/learn/rng';
import { deserializeModel, serializeModel } from '../../main/core/learn/serialize';
import { syntheticTask } from '../../main/core/learn/synthetic';
import { Trainer, type TrainerConfigInput } from '../../main/core/learn/trainer';
import { TfjsAdam } from '../../main/core/learn/tfjs/adam';
import { installCpuSegmentSum } from '../../main/core/learn/tfjs/cpu-kernels';
import { TfjsNet } from '../../main/core/learn/tfjs/net';
import { TfjsTraining } from '../../main/core/learn/tfjs/training';

const task = syntheticTask({ nodes: 8, chords: 3, samples: 320, seed: 5, margin: 0.1 });
const nTrain = Math.floor(task.samples.length * 0.75);
const train = task.samples.slice(0, nTrain), val = task.samples.slice(nTrain);
const arch = { nodeFeatDim: task.nodeFeatDim, edgeFeatDim: task.edgeFeatDim, hidden: 8, layers: 2, headHidden: 8, sparsity: 0.5 };

/** Samples with every optional input of the heads set (offsets, limits, target weights), so each path is compared. */
function withBaselines(samples: GraphSample[], seed: number): GraphSample[] {
  const rng = new Rng(seed), N = task.graph.numNodes, E = task.graph.src.length;
  const arr = (n: number, a: number, b: number) => Float32Array.from({ length: n }, () => a + (b - a) * rng.float());
  return samples.map((s) => ({
    ...s, edgeOffset: arr(E, -0.2, 0.2), nodeOffset: arr(N, 0.9, 1.1), edgeLimit: arr(E, 0.4, 0.6),
    nodeUpper: arr(N, 1.0, 1.1), nodeLower: arr(N, 0.9, 1.0), edgeTargetWeight: arr(E, 0.5, 2),
  }));
}

/** max |a - b| / max |b|: the error relative to the quantity's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s > 0 ? d / s : d;
}

/** A model whose readouts are not near zero (fresh ones start small), so the heads' gradients are all sizeable. */
function model(seed: number, offsetPool = false): GraphNet {
  const m = GraphNet.create(resolveGraphNet({ ...arch, predPoolGain: 3, offsetPool, offsetPoolGain: 8 }), new Rng(seed));
  const rng = new Rng(seed + 100);
  for (const l of m.layers) {
    for (let k = 0; k < l.bias.data.length; k++) l.bias.data[k] = 0.1 * rng.normal();
    if (l.name.endsWith('.out') || l.name.endsWith('.skip')) for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] *= 5;
  }
  return m;
}

tf.setBackend('cpu');
installCpuSegmentSum(tf);

for (const [regression, offsetPool] of [['mse', false], ['huber', false], ['huber', true]] as const) {
  test(`same outputs (1e-5) and gradients (1e-4) on both backends (${regression}, all heads, offsets and limits${offsetPool ? ", the offsets' margins pooled" : ''})`, () => {
    const m = model(3, offsetPool);
    const net = new TfjsNet(tf, m);
    const batch = m.batch(task.graph, withBaselines(train.slice(0, 6), 9));
    const lossCfg = resolveLoss({ regression, huberDelta: 0.05, posWeight: 2.5, edgeWeight: 0.7, nodeWeight: 1.3 });
    const { out, cache } = m.forward(batch);
    const tout = net.outputs(batch);
    for (const k of ['edge', 'node', 'graph'] as const) {
      assert.ok(out[k] && tout[k], k);
      const r = relErr(tout[k]!, out[k]!);
      assert.ok(r < 1e-5, `${k} outputs differ by ${r} relative`);
    }
    const loss = computeLoss(out, batch, lossCfg);
    m.zeroGrad();
    m.backward(batch, cache, loss.grad);
    const g = net.gradients(batch, lossCfg);
    tf.dispose(g.dense);
    assert.ok(Math.abs(g.loss - loss.total) <= 1e-5 * Math.abs(loss.total), `loss ${g.loss} vs ${loss.total}`);
    const params = m.params();
    assert.equal(g.grads.length, params.length);
    params.forEach((p, i) => {
      const scale = Math.max(...p.grad.map(Math.abs));
      assert.ok(scale > 1e-6, `${p.name}: gradient is zero, the check would be empty`);
      const r = relErr(g.grads[i], p.grad);
      assert.ok(r < 1e-4, `${p.name} gradients differ by ${r} relative`);
    });
    net.dispose();
  });
}

test('one optimiser step (Adam, clip, warm-up, weight decay) gives the same update on both backends', () => {
  const cfg: OptimizerConfig = { kind: 'adam', lr: 0.01, clipNorm: 0.5, warmupSteps: 3, weightDecay: 0.1 };
  const a = model(4), b = deserializeModel(serializeModel(a).config, serializeModel(a).blobs);
  const net = new TfjsNet(tf, b);
  const ours = new Optimizer(cfg), theirs = new TfjsAdam(cfg, net);
  theirs.upload(b);
  const rng = new Rng(11);
  // Two steps: the second checks the moments carried over and the bias correction.
  for (let s = 0; s < 2; s++) {
    const pa = a.params(), pb = b.params();
    pa.forEach((p, i) => {
      for (let k = 0; k < p.grad.length; k++) p.grad[k] = rng.normal();
      pb[i].grad.set(p.grad);
    });
    const before = pa.map((p) => p.data.slice());
    ours.step(pa);
    theirs.step(pb);
    pa.forEach((p, i) => {
      const du = p.data.map((w, k) => w - before[i][k]), dv = pb[i].data.map((w, k) => w - before[i][k]);
      assert.ok(Math.max(...du.map(Math.abs)) > 0, `${p.name} did not move`);
      const r = relErr(dv, du);
      assert.ok(r < 1e-4, `step ${s + 1}: ${p.name} updates differ by ${r} relative`);
      assert.ok(relErr(pb[i].m, p.m) < 1e-5 && relErr(pb[i].v, p.v) < 1e-5, `${p.name} moments differ`);
    });
  }
  assert.equal(theirs.t, 2);
  theirs.dispose();
  net.dispose();
});

const masks = (t: Trainer) => t.model.sparseLayers().map((l) => Array.from(l.positions()).join(','));

for (const method of ['set', 'rigl', 'adaptive'] as const) {
  test(`one rewiring epoch (${method}) gives the same mask on both backends, regrown connections at zero with fresh moments`, () => {
    const cfg: TrainerConfigInput = { model: arch, topology: { method }, epochs: 3, batchSize: 16, optimizer: { kind: 'adam', lr: 0.01, clipNorm: 1 }, seed: 2, patience: 0 };
    const data = { graph: task.graph, train: train.slice(0, 64), val: val.slice(0, 16) };
    const cpu = new Trainer(cfg, data), tfj = new Trainer(cfg, data);
    const backend = new TfjsTraining(tf, tfj, data);
    const before = masks(tfj);
    assert.deepEqual(masks(cpu), before);
    for (let p = cpu.nextBatchIndices(); p; p = cpu.nextBatchIndices()) cpu.applyGradients(cpu.gradientsAt(p));
    for (let p = tfj.nextBatchIndices(); p; p = tfj.nextBatchIndices()) tfj.applyGradients(backend.gradientsAt(p));
    const rc = cpu.endEpoch(), rt = tfj.endEpoch();
    assert.ok(rt.pruned > 0 && rt.pruned === rc.pruned && rt.regrown === rc.regrown, `pruned ${rt.pruned} vs ${rc.pruned}`);
    assert.notDeepEqual(masks(tfj), before);
    assert.deepEqual(masks(tfj), masks(cpu));
    assert.ok(Math.abs(rt.trainLoss - rc.trainLoss) < 1e-4 * Math.abs(rc.trainLoss), `train loss ${rt.trainLoss} vs ${rc.trainLoss}`);
    // The next step uploads the new mask: regrown connections start at zero weight and zero moments in tfjs.
    backend.sync();
    const { m } = backend.adam.moments();
    const old = new Map(tfj.model.sparseLayers().map((l, i) => [l.name, new Set(before[i].split(',').map(Number))]));
    let regrown = 0;
    backend.net.layers.forEach((t, i) => {
      if (!t.positions) return;
      const w = t.w.dataSync(), mask = t.mask!.dataSync(), mm = m[2 * i], on = new Set(t.positions);
      for (let q = 0; q < w.length; q++) {
        assert.equal(mask[q], on.has(q) ? 1 : 0);
        if (!on.has(q)) assert.equal(mm[q], 0, `${t.name}: moment left at pruned position ${q}`);
        if (on.has(q) && !old.get(t.name)!.has(q)) {
          regrown++;
          assert.equal(w[q], 0);
          assert.equal(mm[q], 0);
        }
      }
    });
    assert.equal(regrown, rt.regrown);
    backend.dispose();
  });
}

test('a short training run reaches comparable validation metrics on both backends', () => {
  const cfg: TrainerConfigInput = { model: { ...arch, hidden: 12, headHidden: 12 }, topology: { method: 'adaptive' }, epochs: 8, batchSize: 16, optimizer: { kind: 'adam', lr: 0.02, clipNorm: 1 }, seed: 1, patience: 0 };
  const data = { graph: task.graph, train, val };
  const t0 = performance.now();
  const cpu = new Trainer(cfg, data);
  cpu.fit();
  const t1 = performance.now();
  const tfj = new Trainer(cfg, data);
  const backend = new TfjsTraining(tf, tfj, data);
  const r = backend.fit();
  const t2 = performance.now();
  assert.equal(r.stopped, 'completed');
  assert.equal(r.epochs, 8);
  const mc = cpu.evaluate(val), mt = tfj.evaluate(val);
  // It learnt (cpu reaches 0.9 balanced accuracy here), and as far as the cpu backend did.
  const fresh = new Trainer(cfg, data).evaluate(val);
  assert.ok(mt.loss < 0.6 * fresh.loss, `tfjs val loss ${mt.loss}, untrained ${fresh.loss}`);
  assert.ok(Math.abs(mt.loss - mc.loss) <= 0.1 * mc.loss, `val loss ${mt.loss} (tfjs) vs ${mc.loss} (cpu)`);
  assert.ok(mt.balancedAccuracy >= 0.8, `tfjs balanced accuracy ${mt.balancedAccuracy}`);
  assert.ok(Math.abs(mt.balancedAccuracy - mc.balancedAccuracy) <= 0.1, `balanced accuracy ${mt.balancedAccuracy} (tfjs) vs ${mc.balancedAccuracy} (cpu)`);
  assert.ok(Math.abs(mt.edgeMae - mc.edgeMae) <= 0.1 * mc.edgeMae, `edge MAE ${mt.edgeMae} (tfjs) vs ${mc.edgeMae} (cpu)`);
  // The model it hands back is in our sparse format and predicts the same through either backend.
  const stored = deserializeModel(serializeModel(tfj.model).config, serializeModel(tfj.model).blobs);
  const p1 = stored.predict(task.graph, val.slice(0, 8));
  const p2 = new TfjsNet(tf, stored).predict(task.graph, val.slice(0, 8));
  const rp = relErr(p2.graphProb!, p1.graphProb!), re = relErr(p2.edge!, p1.edge!);
  assert.ok(rp < 1e-5 && re < 1e-5, `stored model's predictions differ between backends: probabilities ${rp}, edges ${re} relative`);
  console.log(`cpu ${((t1 - t0) / 1000).toFixed(2)} s, tfjs ${((t2 - t1) / 1000).toFixed(2)} s; balanced accuracy ${mc.balancedAccuracy.toFixed(3)} / ${mt.balancedAccuracy.toFixed(3)}`);
  backend.dispose();
});
