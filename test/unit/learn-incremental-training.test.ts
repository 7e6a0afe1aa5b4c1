// Exact incremental training: the loss and every parameter gradient of a
// batch computed scenario by scenario (base pass once, each sample over its
// neighbourhood, the base's backward carrying what reaches base rows) equal
// the batched full-graph forward and backward (GraphNet) on the same
// samples, for every layer and head, on synthetic graphs with every kind of
// change a delta can make.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet, type GraphNetConfig } from '../../main/core/learn/gnn';
import { applyDelta, type SampleDelta } from '../../main/core/learn/incremental';
import { IncrementalGradients, type DeltaSource, type DeltaTargets } from '../../main/core/learn/incremental-training';
import type { KernelChoice } from '../../main/core/learn/kernels';
import { computeLoss, resolveLoss, type LossConfig } from '../../main/core/learn/loss';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { ringWithChords } from '../../main/core/learn/synthetic';
import { Rng } from '../../main/core/learn/rng';
import { SurrogateSamples, fitNormaliser, labelScenario, packScenarios } from '../../main/core/learn/grid-data';
import { acStepReadout, hiddenSparsityFor, surrogateLoss, surrogateModel } from '../../main/core/learn/surrogate';
import type { Case } from '../../main/core/grid/case';
import { loadCase } from '../helpers/shared';
import { acStepFeatureOptions, recordBuses, type FeatureOptions } from '../../main/core/grid/features';
import { Trainer } from '../../main/core/learn/trainer';
import { serializeModel } from '../../main/core/learn/serialize';
import { surrogateTrainerConfig } from '../../main/services/train';

const Fn = 4, Fe = 3;

function randomDelta(rng: Rng, N: number, E: number): SampleDelta {
  const pick = (n: number, k: number) => [...new Set(Array.from({ length: k }, () => rng.int(n)))].sort((a, b) => a - b);
  const nodes = Int32Array.from(pick(N, 1 + rng.int(3)));
  const edges = Int32Array.from(pick(E, rng.int(4)));
  const removed = Int32Array.from(pick(E, 1 + rng.int(2)));
  const offsetEdges = Int32Array.from(pick(E, rng.int(6)).filter((e) => !edges.includes(e)));
  return {
    offsetEdges, offsetValues: Float32Array.from(offsetEdges, () => 0.5 + rng.float()),
    nodes, nodeFeat: Float32Array.from({ length: nodes.length * Fn }, () => rng.normal()),
    nodeOffset: rng.float() < 0.5 ? Float32Array.from(nodes, () => rng.normal()) : undefined,
    edges, edgeFeat: Float32Array.from({ length: edges.length * Fe }, () => rng.normal()),
    edgeOffset: Float32Array.from(edges, () => rng.normal()),
    removed,
  };
}

function randomBase(rng: Rng, N: number, E: number): GraphSample {
  return {
    nodeFeat: Float32Array.from({ length: N * Fn }, () => rng.normal()),
    edgeFeat: Float32Array.from({ length: E * Fe }, () => rng.normal()),
    edgeOffset: Float32Array.from({ length: E }, () => rng.float()),
    nodeOffset: Float32Array.from({ length: N }, () => 1 + 0.05 * rng.normal()),
    edgeLimit: Float32Array.from({ length: E }, () => 0.5 + rng.float()),
    nodeUpper: Float32Array.from({ length: N }, () => 1.05 + 0.02 * rng.float()),
    nodeLower: Float32Array.from({ length: N }, () => 0.95 - 0.02 * rng.float()),
    targets: {},
  };
}

/** Samples over a few scenario bases, with targets everywhere (some missing), weights and both classes. */
class Deltas implements DeltaSource {
  readonly bases: GraphSample[];
  readonly items: { s: number; d: SampleDelta; t: DeltaTargets }[] = [];
  constructor(readonly graph: GraphTopology, rng: Rng, scenarios: number, n: number) {
    const N = graph.numNodes, E = graph.src.length;
    this.bases = Array.from({ length: scenarios }, () => randomBase(rng, N, E));
    for (let j = 0; j < n; j++) {
      const edge = Float32Array.from({ length: E }, () => (rng.float() < 0.1 ? NaN : rng.float() * 1.2));
      const node = Float32Array.from({ length: N }, () => (rng.float() < 0.05 ? NaN : 1 + 0.05 * rng.normal()));
      const edgeWeight = Float32Array.from(edge, (x) => (x >= 0.9 ? 10 : 1));
      this.items.push({ s: rng.int(scenarios), d: randomDelta(rng, N, E), t: { edge, node, graph: rng.float() < 0.4 ? 1 : 0, edgeWeight } });
    }
  }
  get length() { return this.items.length; }
  scenario(j: number) { return this.items[j].s; }
  base(s: number) { return this.bases[s]; }
  delta(j: number) { return this.items[j].d; }
  targets(j: number) { return this.items[j].t; }
  full(j: number): GraphSample {
    const it = this.items[j];
    const g = applyDelta(this.bases[it.s], it.d, Fn, Fe);
    g.targets = { edge: it.t.edge, node: it.t.node, graph: it.t.graph };
    g.edgeTargetWeight = it.t.edgeWeight;
    return g;
  }
}

/** Relative difference of two gradient vectors (norm of the difference over the larger norm). */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i] - b[i]) ** 2; na += a[i] ** 2; nb += b[i] ** 2; }
  const n = Math.sqrt(Math.max(na, nb));
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d) / n;
}

export function compare(model: GraphNet, src: Deltas, positions: number[], lc: LossConfig, kernels: KernelChoice = 'wasm-simd') {
  model.zeroGrad();
  const samples = positions.map((j) => src.full(j));
  const batch = model.batch(src.graph, samples);
  const { out, cache } = model.forward(batch);
  const loss = computeLoss(out, batch, lc);
  model.backward(batch, cache, loss.grad);
  const full = model.params().map((p) => p.grad.slice());
  model.zeroGrad();
  const engine = new IncrementalGradients(model, src.graph, { kernels });
  const inc = engine.gradients(model, src, positions, lc);
  const worst = { name: '', diff: 0 };
  const per = model.params().map((p, i) => {
    const diff = relDiff(p.grad, full[i]);
    if (diff > worst.diff) { worst.diff = diff; worst.name = p.name; }
    return { name: p.name, diff, norm: Math.hypot(...full[i]) };
  });
  return { fullLoss: loss.total, incLoss: inc.loss, per, worst };
}

const lossCfg = resolveLoss({ posWeight: 3, graphWeight: 1, edgeWeight: 30, nodeWeight: 300, regression: 'huber', huberDelta: 0.1 });

for (const [label, over] of [
  ['dense, residual', { sparsity: 0 }],
  ['90% sparse, residual (the shipped shape)', { sparsity: 0.9 }],
  ['50% sparse, no residual, eps 0.3, two layers', { sparsity: 0.5, residual: false, eps: 0.3, layers: 2 }],
  ['graph head only', { sparsity: 0.8, heads: { edge: false, node: false, graph: true } }],
  ['edge and node heads only', { sparsity: 0.5, heads: { edge: true, node: true, graph: false } }],
  ['one layer', { sparsity: 0.5, layers: 1 }],
  ["the offsets' margins pooled too (offsetPool)", { sparsity: 0.9, offsetPool: true, offsetPoolGain: 11 }],
] as [string, Partial<GraphNetConfig>][]) {
  test(`incremental gradients equal the full-graph backward: ${label}`, () => {
    const rng = new Rng(label.length);
    const graph = ringWithChords(60, 15, rng);
    const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 12, headHidden: 10, layers: 3, predPoolGain: 7, ...over }), rng);
    for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
    const src = new Deltas(graph, rng, 3, 24);
    const r = compare(model, src, Array.from({ length: 24 }, (_, j) => j), lossCfg);
    assert.ok(Math.abs(r.incLoss - r.fullLoss) <= 1e-6 * Math.abs(r.fullLoss), `loss ${r.incLoss} vs ${r.fullLoss}`);
    for (const p of r.per) assert.ok(p.diff < 1e-5, `${p.name}: relative difference ${p.diff} (norm ${p.norm})`);
    assert.ok(r.per.every((p) => p.norm > 0), `every parameter has a gradient: ${r.per.filter((p) => p.norm === 0).map((p) => p.name)}`);
  });
}

// ---- shipped cases -----------------------------------------------------------

/** The case with every load scaled (another operating point of the same grid). */
function scaledLoad(c: Case, f: number): Case {
  return { ...c, bus: c.bus.map((r) => { const o = r.slice(); o[2] *= f; o[3] *= f; return o; }) };
}

// The AC-step records with their bus lists (voltage features and Vm offsets at the listed buses); a wide
// voltageNear so that this lightly loaded case lists buses.
const voltageRecords: FeatureOptions = { ...acStepFeatureOptions, watchLoading: 0.5, voltageNear: 0.2 };
for (const [name, opts] of [['case30', undefined], ['case_ACTIVSg200', undefined], ['case_ACTIVSg200', voltageRecords]] as const) {
  test(`incremental gradients equal the full-graph backward on ${name}${opts ? ' with AC-step voltage records and their readout' : ''} (shipped architecture, 90% sparse, two scenarios)`, () => {
    const c = loadCase(name);
    const packed = packScenarios([{ labels: labelScenario(c, opts), split: 'train' }, { labels: labelScenario(scaledLoad(c, 1.04), opts), split: 'train' }]);
    if (opts) assert.ok(packed.rec.length > 0 && Array.from({ length: packed.sampleBranch.length }, (_, i) => recordBuses(packed.rec.subarray(packed.recPtr[i], packed.recPtr[i + 1]))!.m).some((m) => m > 0), 'buses listed');
    const data = new SurrogateSamples(packed, fitNormaliser(packed));
    const all = data.indices('train');
    const rng = new Rng(5);
    // 32 samples: the two scenarios interleaved, as a shuffled batch would have them.
    const pick = Array.from({ length: 32 }, () => all[rng.int(all.length)]);
    const src = data.source(Int32Array.from(pick));
    const arch = surrogateModel(opts ? acStepReadout : {}); // AC-step records: the readout that reads the estimate's margins
    const model = GraphNet.create(resolveGraphNet({ ...arch, sparsity: hiddenSparsityFor(arch, 0.9) }), rng);
    for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.1;
    const lc = resolveLoss(surrogateLoss(1, 20));
    const positions = Array.from({ length: 32 }, (_, j) => j);
    model.zeroGrad();
    const batch = model.batch(src.graph, positions.map((j) => src.get(j)));
    const { out, cache } = model.forward(batch);
    const loss = computeLoss(out, batch, lc);
    model.backward(batch, cache, loss.grad);
    const full = model.params().map((p) => p.grad.slice());
    model.zeroGrad();
    const inc = new IncrementalGradients(model, src.graph).gradients(model, src, positions, lc);
    assert.ok(Math.abs(inc.loss - loss.total) <= 1e-6 * loss.total, `loss ${inc.loss} vs ${loss.total}`);
    model.params().forEach((p, i) => {
      const d = relDiff(p.grad, full[i]);
      assert.ok(d < 1e-5, `${p.name}: relative difference ${d}`);
    });
  });
}

test('training incrementally gives the model training on full samples gives (case_ACTIVSg200, adaptive + CH3-L3, 90% sparse, epochs with rewiring and validation)', () => {
  const c = loadCase('case_ACTIVSg200');
  const packed = packScenarios([
    { labels: labelScenario(c), split: 'train' }, { labels: labelScenario(scaledLoad(c, 1.06)), split: 'train' }, { labels: labelScenario(scaledLoad(c, 1.03)), split: 'val' },
  ]);
  const data = new SurrogateSamples(packed, fitNormaliser(packed));
  const train = data.indices('train'), val = data.indices('val');
  // Two short epochs: 6 batches of two scenario groups each, rewiring after the first.
  const sub = Int32Array.from(Array.from({ length: 192 }, (_, j) => train[(j * 37) % train.length]).filter((v, j, a) => a.indexOf(v) === j));
  const cfg = surrogateTrainerConfig({ method: 'adaptive', regrow: 'ch3l3', sparsity: 0.9, epochs: 2, seed: 11 }, 10, 100, 2);
  const run = (engine: 'incremental' | 'full') => {
    const t = new Trainer(cfg, { graph: data.graph, train: data.source(sub), val: data.source(val.subarray(0, 64)), engine });
    assert.equal(t.usesIncremental, engine === 'incremental');
    const r = t.fit();
    return { t, r };
  };
  const inc = run('incremental'), full = run('full');
  assert.equal(inc.t.step, full.t.step);
  assert.ok(inc.t.step >= 10, `${inc.t.step} steps`);
  assert.ok(inc.r.history[0].regrown > 0, 'the first epoch ended with a rewiring');
  // Same connectivity, weights equal to rounding, same validation figures to rounding.
  const a = serializeModel(inc.t.model), b = serializeModel(full.t.model);
  assert.deepEqual(a.config, b.config);
  a.blobs.forEach((x, i) => {
    if (x.data instanceof Int32Array) assert.deepEqual(x.data, b.blobs[i].data, `${x.name}: same connections`);
    else {
      const d = relDiff(x.data as Float32Array, b.blobs[i].data as Float32Array);
      assert.ok(d < 1e-4, `${x.name}: relative difference ${d}`);
    }
  });
  inc.r.history.forEach((h, e) => {
    const f = full.r.history[e];
    assert.ok(Math.abs(h.trainLoss - f.trainLoss) < 1e-5 * f.trainLoss, `epoch ${e + 1} train loss ${h.trainLoss} vs ${f.trainLoss}`);
    assert.ok(Math.abs(h.val!.loss - f.val!.loss) < 1e-5 * f.val!.loss, `epoch ${e + 1} validation loss ${h.val!.loss} vs ${f.val!.loss}`);
    assert.deepEqual(h.val!.confusion, f.val!.confusion);
    assert.equal(h.regrown, f.regrown);
  });
});

test('incremental gradients: the WebAssembly and TypeScript kernels give the same bits', () => {
  const rng = new Rng(21);
  const graph = ringWithChords(50, 12, rng);
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 10, headHidden: 8, layers: 3, predPoolGain: 5, sparsity: 0.7 }), rng);
  const src = new Deltas(graph, rng, 2, 12);
  const positions = Array.from({ length: 12 }, (_, j) => j);
  const run = (kernels: KernelChoice) => {
    model.zeroGrad();
    const e = new IncrementalGradients(model, graph, { kernels });
    const r = e.gradients(model, src, positions, lossCfg);
    return { kind: e.training.kind, loss: r.loss, grads: model.params().map((p) => p.grad.slice()) };
  };
  const w = run('wasm-simd'), s = run('wasm'), j = run('js');
  assert.deepEqual([w.kind, s.kind, j.kind], ['wasm', 'wasm', 'js']);
  assert.equal(w.loss, j.loss);
  assert.equal(s.loss, j.loss);
  w.grads.forEach((g, i) => { assert.deepEqual(g, j.grads[i]); assert.deepEqual(s.grads[i], j.grads[i]); });
});

test('incremental gradients match finite differences of the incremental loss (every layer, some weights each)', () => {
  const rng = new Rng(31);
  const graph = ringWithChords(30, 8, rng);
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 6, headHidden: 6, layers: 2, predPoolGain: 3, sparsity: 0.5 }), rng);
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  const src = new Deltas(graph, rng, 2, 8);
  const positions = Array.from({ length: 8 }, (_, j) => j);
  const lc = resolveLoss({ posWeight: 2, edgeWeight: 0.7, nodeWeight: 1.3 });
  const engine = new IncrementalGradients(model, graph, { kernels: 'js' });
  const lossOf = () => {
    const s = engine.evaluate(model, src, positions, lc)[0], sc = s.scale;
    return lc.graphWeight * s.graph / sc.graph + lc.edgeWeight * s.edge / sc.edgeW + lc.nodeWeight * s.node / sc.nodeW;
  };
  model.zeroGrad();
  const l0 = engine.gradients(model, src, positions, lc).loss;
  assert.ok(Math.abs(l0 - lossOf()) < 1e-9 * l0, 'evaluate and gradients agree on the loss');
  const h = 1e-3;
  let checked = 0;
  for (const p of model.params()) {
    const grad = p.grad.slice();
    for (let t = 0; t < Math.min(4, p.data.length); t++) {
      const k = rng.int(p.data.length), w0 = p.data[k];
      p.data[k] = w0 + h; const lp = lossOf();
      p.data[k] = w0 - h; const lm = lossOf();
      p.data[k] = w0;
      const fwd = (lp - l0) / h, bwd = (l0 - lm) / h, fd = (lp - lm) / (2 * h);
      if (Math.abs(fwd - bwd) > 4e-3 + 2e-2 * Math.abs(fd)) continue; // a ReLU or max kink within the step
      assert.ok(Math.abs(fd - grad[k]) <= 2e-3 + 1e-2 * Math.abs(grad[k]), `${p.name}[${k}]: finite difference ${fd}, gradient ${grad[k]}`);
      checked++;
    }
  }
  assert.ok(checked > model.params().length, `${checked} weights checked`);
});
