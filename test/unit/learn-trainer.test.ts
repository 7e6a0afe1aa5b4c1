// The trainer end to end on a small synthetic graph task: it learns, early
// stopping restores the best weights and mask, a checkpoint resumes exactly,
// and gradients computed in parts average to the full-batch gradient.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnError } from '../../main/core/learn/errors';
import { serializeModel } from '../../main/core/learn/serialize';
import { syntheticTask } from '../../main/core/learn/synthetic';
import { type EpochRecord, Trainer, type TrainerConfigInput, averageGradients } from '../../main/core/learn/trainer';
import { cappedGraphTerm, graphTerm } from '../../main/core/learn/loss';
import type { GraphSample } from '../../main/core/learn/graph';

const task = syntheticTask({ nodes: 8, chords: 3, samples: 600, seed: 5, margin: 0.1 });
const nTrain = Math.floor(task.samples.length * 0.75);
const train = task.samples.slice(0, nTrain), val = task.samples.slice(nTrain);
const model = { nodeFeatDim: task.nodeFeatDim, edgeFeatDim: task.edgeFeatDim, hidden: 16, layers: 2, headHidden: 16, sparsity: 0.5 };
const optimizer = { kind: 'adam' as const, lr: 0.01, clipNorm: 1 };

test('adaptive + CH3-L3 at 50% sparsity learns the synthetic task', () => {
  const tr = new Trainer({ model, topology: { method: 'adaptive' }, epochs: 16, batchSize: 16, patience: 0, optimizer, seed: 1 }, { graph: task.graph, train, val });
  const epochs: EpochRecord[] = [];
  let batches = 0;
  const r = tr.fit({ onEpoch: (e) => epochs.push(e), onBatch: () => batches++ });
  assert.equal(r.stopped, 'completed');
  assert.equal(epochs.length, 16);
  assert.equal(batches, 16 * tr.batchesPerEpoch);
  const m = tr.evaluate(val);
  assert.ok(m.balancedAccuracy >= 0.95, `balanced accuracy ${m.balancedAccuracy}`);
  assert.ok(m.recall >= 0.9, `recall ${m.recall}`);
  assert.ok(m.edgeMae < 0.15, `edge MAE ${m.edgeMae}`);
  // Rewiring happened, kept the density, and reported it.
  assert.ok(epochs.some((e) => e.pruned > 0 && e.regrown === e.pruned));
  for (const e of epochs) {
    assert.ok(Math.abs(e.density - epochs[0].density) < 1e-12);
    assert.ok(e.paramsKept < e.paramsDense);
  }
  // The first rewiring used zeta0 (0.3) raised by 1.2 after an improvement.
  assert.ok(Math.abs(epochs[0].zeta - 0.36) < 1e-12, `zeta after epoch 1: ${epochs[0].zeta}`);
});

test('dense and static baselines: dense layers, or a mask that never changes', () => {
  const dense = new Trainer({ model, topology: { method: 'dense' }, epochs: 1, batchSize: 32, optimizer, seed: 1 }, { graph: task.graph, train: train.slice(0, 64) });
  assert.ok(dense.model.layers.every((l) => l.kind === 'dense'));
  assert.equal(dense.fit().history[0].density, 1);
  const st = new Trainer({ model, topology: { method: 'static' }, epochs: 3, batchSize: 32, optimizer, seed: 1 }, { graph: task.graph, train: train.slice(0, 64), val: val.slice(0, 32) });
  const masks = () => st.model.sparseLayers().map((l) => Array.from(l.positions()).join(','));
  const before = masks();
  const r = st.fit();
  assert.deepEqual(masks(), before);
  assert.ok(r.history.every((e) => e.pruned === 0 && e.rewiringFrozen));
});

/** Flipped labels: what the model learns on train makes validation worse. */
const flipped: GraphSample[] = train.slice(0, 48).map((s) => ({
  ...s,
  targets: { edge: s.targets.edge!.map((x) => 2 - 3 * x), node: s.targets.node!.map((x) => 1 - x), graph: 1 - s.targets.graph! },
}));

test('early stopping restores the weights and the mask of the best epoch', () => {
  const tr = new Trainer({ model, topology: { method: 'set', rate: { zeta0: 0.2 } }, epochs: 12, batchSize: 16, patience: 2, optimizer, seed: 3 }, { graph: task.graph, train: train.slice(0, 96), val: flipped });
  // The model as validated at each epoch end: after that epoch's last batch.
  const seen: ReturnType<typeof serializeModel>[] = [];
  const r = tr.fit({ onBatch: (p) => { if (p.batch === p.batches) seen.push(serializeModel(tr.model)); } });
  assert.equal(r.stopped, 'early-stop');
  assert.ok(r.epochs < 12);
  assert.equal(r.epochs, r.bestEpoch + 2, 'stopped after `patience` epochs without improvement');
  const losses = r.history.map((e) => e.val!.loss);
  assert.equal(Math.min(...losses), losses[r.bestEpoch - 1]);
  const final = serializeModel(tr.model), best = seen[r.bestEpoch - 1], last = seen[r.epochs - 1];
  const blob = (m: typeof final, name: string) => Array.from(m.blobs.find((b) => b.name === name)!.data);
  for (const b of final.blobs) assert.deepEqual(Array.from(b.data), blob(best, b.name), `${b.name} restored`);
  // The mask did move on after the best epoch (so restoring it meant something).
  const maskBlobs = final.blobs.filter((b) => b.name.endsWith('.col')).map((b) => b.name);
  assert.ok(maskBlobs.some((n) => blob(last, n).join() !== blob(best, n).join()), 'mask changed after the best epoch');
  // And the restored model scores the best validation loss again.
  assert.equal(tr.evaluate(flipped).loss, losses[r.bestEpoch - 1]);
});

function resumeCase(cfg: TrainerConfigInput, stopAt: number) {
  const data = { graph: task.graph, train: train.slice(0, 80), val: val.slice(0, 40) };
  const a = new Trainer(cfg, data);
  const ra = a.fit();
  let calls = 0;
  const b = new Trainer(cfg, data);
  const rb = b.fit({ shouldStop: () => ++calls > stopAt });
  assert.equal(rb.stopped, 'cancelled');
  // Through JSON, as the store will keep it.
  const st = b.state();
  const restored = Trainer.fromState({ meta: JSON.parse(JSON.stringify(st.meta)), blobs: st.blobs }, data);
  const rc = restored.fit();
  assert.equal(rc.stopped, ra.stopped);
  const strip = (h: EpochRecord[]) => h.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(strip(rc.history), strip(ra.history));
  const ma = serializeModel(a.model), mc = serializeModel(restored.model);
  assert.deepEqual(mc.config, ma.config);
  ma.blobs.forEach((bl, i) => assert.deepEqual(Array.from(mc.blobs[i].data), Array.from(bl.data), bl.name));
  // loadState into a trainer built with the same config continues the same way.
  const d = new Trainer(cfg, data);
  d.loadState(st);
  d.fit();
  const md = serializeModel(d.model);
  ma.blobs.forEach((bl, i) => assert.deepEqual(Array.from(md.blobs[i].data), Array.from(bl.data), bl.name));
  assert.throws(() => new Trainer({ ...cfg, seed: 99 }, data).loadState(st), /different trainer config/);
  assert.throws(() => Trainer.fromState({ meta: { format: 'x' }, blobs: [] }, data), /not a gridrewire-trainer checkpoint/);
}

test('state()/fromState() mid-epoch resumes exactly (adaptive + CH3-L3, per-epoch rewiring)', () => {
  resumeCase({ model, topology: { method: 'adaptive' }, epochs: 4, batchSize: 16, patience: 0, optimizer, seed: 4 }, 7);
});

test('state()/fromState() resumes exactly (RigL: gradient regrowth every 3 steps, cosine rate)', () => {
  resumeCase({ model, topology: { method: 'rigl', everySteps: 3 }, epochs: 3, batchSize: 16, patience: 0, optimizer, seed: 5 }, 6);
});

test('gradients computed on parts of a batch average to the full-batch gradient', () => {
  const tr = new Trainer({ model, topology: { method: 'static' }, epochs: 1, batchSize: 8, optimizer, seed: 6 }, { graph: task.graph, train });
  const batch = train.slice(0, 8);
  const copy = (g: ReturnType<Trainer['computeGradients']>) => ({ ...g, grads: g.grads.map((x) => x.slice()) });
  const full = copy(tr.computeGradients(batch));
  const parts = [copy(tr.computeGradients(batch.slice(0, 3))), copy(tr.computeGradients(batch.slice(3)))];
  const avg = averageGradients(parts);
  assert.equal(avg.samples, 8);
  assert.ok(Math.abs(avg.loss - full.loss) < 1e-6 * (1 + full.loss));
  full.grads.forEach((g, i) => {
    for (let k = 0; k < g.length; k++) assert.ok(Math.abs(avg.grads[i][k] - g[k]) < 1e-5 * (1 + Math.abs(g[k])), `param ${i}[${k}]`);
  });
  // applyGradients takes outside buffers and refuses mismatched ones.
  tr.applyGradients(avg);
  assert.equal(tr.step, 1);
  assert.throws(() => tr.applyGradients({ ...avg, grads: avg.grads.slice(1) }), LearnError);
});

test('bad configurations fail with a message naming the field', () => {
  const data = { graph: task.graph, train };
  assert.throws(() => new Trainer({ model, epochs: 0 }, data), /epochs must be an integer >= 1/);
  assert.throws(() => new Trainer({ model, batchSize: 1.5 }, data), /batchSize/);
  assert.throws(() => new Trainer({ model: { ...model, hidden: 0 } }, data), /model.hidden/);
  assert.throws(() => new Trainer({ model, optimizer: { kind: 'adam', lr: -1 } }, data), /optimizer.lr/);
  assert.throws(() => new Trainer({ model }, { graph: task.graph, train: [] }), /training set is empty/);
  assert.throws(() => new Trainer({ model: { ...model, nodeFeatDim: 4 } }, data).fit(), /nodeFeat has/);
});

test('the capped validation loss: each verdict term at most ln(100) before its weight, hand-computed from the logits', () => {
  // One term by hand: a positive scored at logit -20 (P = 2e-9) costs w * ln(1 + e^20) uncapped, w * ln(100) capped.
  const lc = { graphWeight: 1, edgeWeight: 1, nodeWeight: 1, posWeight: 3, regression: 'mse' as const, huberDelta: 1 };
  assert.ok(Math.abs(cappedGraphTerm(-20, 1, lc) - 3 * Math.log(100)) < 1e-12);
  assert.ok(Math.abs(cappedGraphTerm(0, 1, lc) - 3 * Math.log(2)) < 1e-12, 'below the cap a term is the BCE');
  assert.ok(Math.abs(cappedGraphTerm(0, 0, lc) - Math.log(2)) < 1e-12, 'negatives unweighted');
  // A trained model whose verdict bias is pushed up by 25: its negatives are confidently wrong, beyond the cap.
  const tr = new Trainer({ model, topology: { method: 'static' }, epochs: 4, batchSize: 16, patience: 0, optimizer, seed: 1, monitor: 'cappedLoss', loss: { posWeight: 3 } }, { graph: task.graph, train, val });
  const r = tr.fit();
  tr.model.params().find((p) => p.name === 'head.graph.out.b')!.data[0] += 25;
  const m = tr.evaluate(val);
  const out = tr.model.forward(tr.model.batch(task.graph, val)).out;
  let capped = 0, full = 0;
  val.forEach((s, b) => {
    capped += cappedGraphTerm(out.graph![b], s.targets.graph!, lc);
    full += graphTerm(out.graph![b], s.targets.graph!, lc, 1).loss;
  });
  assert.ok(Math.abs(full / val.length - m.graphLoss) < 1e-5 * m.graphLoss, `${full / val.length} vs ${m.graphLoss}`);
  const expected = capped / val.length + m.edgeLoss + m.nodeLoss;
  assert.ok(Math.abs(m.cappedLoss! - expected) < 1e-5 * expected, `${m.cappedLoss} vs ${expected}`);
  assert.ok(m.cappedLoss! < m.loss - 10, `the cap bounds the wrong negatives: ${m.cappedLoss} against ${m.loss}`);
  // The monitor picked the epoch of the lowest capped loss.
  const seen = r.history.map((e) => e.val!.cappedLoss!);
  assert.equal(Math.min(...seen), seen[r.bestEpoch - 1]);
  assert.throws(() => new Trainer({ model, monitor: 'bogus' as never }, { graph: task.graph, train }), /monitor must be loss, cappedLoss, balancedAccuracy, edgeMae/);
});
