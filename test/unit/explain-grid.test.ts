// Integrated gradients on the rows an outage changes: the local pass gives
// the full network's logit at every point of the path and the full
// backward's input gradients on the changed rows; the staged forward gives
// GraphNet.forward's bits; the attributions are complete (they sum to
// f(x) - f(baseline) up to the midpoint rule's error, which shrinks with
// more steps).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet, type GraphNetConfig } from '../../main/core/learn/gnn';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';
import { ringWithChords } from '../../main/core/learn/synthetic';
import { LocalPath, integratedGradients } from '../../main/core/learn/explain-grid';
import { StagedForward } from '../../main/core/learn/explain-forward';

const Fn = 4, Fe = 3;

function setup(over: Partial<GraphNetConfig>, seed: number) {
  const rng = new Rng(seed);
  const graph: GraphTopology = ringWithChords(40, 8, rng);
  const E = graph.src.length, N = graph.numNodes;
  const cfg = resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 8, layers: 2, headHidden: 6, predPoolGain: 5, sparsity: 0.5, ...over });
  const model = GraphNet.create(cfg, rng);
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  for (const l of model.layers) if (l.name.endsWith('.out') || l.name.endsWith('.skip')) for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] = rng.float() - 0.5;
  const r = (n: number, a = 2, b = -0.5) => Float32Array.from({ length: n }, () => rng.float() * a + b);
  const edgeMask = new Uint8Array(E).fill(1);
  edgeMask[3] = 0;
  const x0: GraphSample = {
    nodeFeat: r(N * Fn), edgeFeat: r(E * Fe), edgeMask, edgeOffset: r(E, 0.6, 0.3), nodeOffset: r(N, 0.1, 0.95),
    edgeLimit: r(E, 0.3, 0.8), nodeUpper: r(N, 0.05, 1.02), nodeLower: r(N, 0.05, 0.9), targets: {},
  };
  // The outage's changes: two end nodes' features, three edges' features and offsets, offsets of two more edges, a node offset.
  const x: GraphSample = { ...x0, nodeFeat: x0.nodeFeat.slice(), edgeFeat: x0.edgeFeat.slice(), edgeOffset: x0.edgeOffset!.slice(), nodeOffset: x0.nodeOffset!.slice() };
  for (const v of [graph.src[3], graph.dst[3]]) for (let f = 0; f < Fn; f++) x.nodeFeat[v * Fn + f] += rng.float() * 2 - 1;
  for (const e of [5, 6, 20]) {
    for (let f = 0; f < Fe; f++) x.edgeFeat[e * Fe + f] += rng.float() * 2 - 1;
    x.edgeOffset![e] += rng.float() * 0.6;
  }
  x.edgeOffset![30] += rng.float() * 0.6;
  x.edgeOffset![11] += 3; // the largest predicted margin: the readout reads it
  x.nodeOffset![17] -= 0.05;
  return { model, graph, x, x0 };
}

const lerp = (x: GraphSample, x0: GraphSample, t: number): GraphSample => {
  const mix = (a: Float32Array, b: Float32Array) => Float32Array.from(a, (v, i) => b[i] + t * (v - b[i]));
  return { ...x, nodeFeat: mix(x.nodeFeat, x0.nodeFeat), edgeFeat: mix(x.edgeFeat, x0.edgeFeat), edgeOffset: mix(x.edgeOffset!, x0.edgeOffset!), nodeOffset: mix(x.nodeOffset!, x0.nodeOffset!) };
};

for (const [label, over] of [
  ['sparse, residual', {}],
  ['dense, no residual, eps 0.1, 3 layers', { sparsity: 0, residual: false, eps: 0.1, layers: 3 }],
  ["the offsets' margins pooled too (offsetPool)", { offsetPool: true, offsetPoolGain: 9 }],
] as const) {
  test(`the local pass equals the full network along the path: ${label}`, () => {
    const { model, graph, x, x0 } = setup(over, 11);
    const path = new LocalPath(model, graph, x, x0);
    assert.deepEqual(Array.from(path.nodes), [graph.src[3], graph.dst[3]].sort((a, b) => a - b));
    assert.deepEqual(Array.from(path.edges), [5, 6, 20]);
    assert.ok(path.touched < graph.numNodes, `the neighbourhood (${path.touched} nodes) is smaller than the graph`);
    for (const t of [0, 0.37, 1]) {
      const s = lerp(x, x0, t);
      const batch = model.batch(graph, [s]);
      const { out, cache } = model.forward(batch);
      const step = path.at(t, true);
      assert.ok(Math.abs(step.logit - out.graph![0]) < 1e-5 * (1 + Math.abs(out.graph![0])), `alpha ${t}: local ${step.logit}, full ${out.graph![0]}`);
      const g = model.backward(batch, cache, { edge: null, node: null, graph: Float32Array.of(1) }, { inputGrad: true, paramGrad: false })!;
      const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b), `alpha ${t} ${what}: local ${a}, full ${b}`);
      path.nodes.forEach((v, j) => { for (let f = 0; f < Fn; f++) close(step.grad!.node[j * Fn + f], g.nodeFeat[v * Fn + f], `node ${v} feature ${f}`); });
      path.edges.forEach((e, j) => { for (let f = 0; f < Fe; f++) close(step.grad!.edge[j * Fe + f], g.edgeFeat[e * Fe + f], `edge ${e} feature ${f}`); });
      path.offE.forEach((e, j) => close(step.grad!.edgeOffset[j], g.edgeOffset![e], `edge ${e} offset`));
      path.offN.forEach((v, j) => close(step.grad!.nodeOffset[j], g.nodeOffset![v], `node ${v} offset`));
    }
  });
}

test('integrated gradients are complete up to the midpoint error, which shrinks with the steps', () => {
  const { model, graph, x, x0 } = setup({}, 5);
  const full = (s: GraphSample) => model.forward(model.batch(graph, [s])).out.graph![0];
  const gaps = [2, 8, 64, 512].map((steps) => integratedGradients(model, graph, x, x0, steps, undefined, 0));
  const last = gaps[gaps.length - 1];
  assert.ok(Math.abs(last.fx - full(x)) < 1e-5 && Math.abs(last.fBaseline - full(x0)) < 1e-5);
  assert.ok(Math.abs(last.fx - last.fBaseline) > 0.05, 'the changed rows move the logit');
  assert.ok(Math.abs(last.gap) < 2e-3 * Math.abs(last.fx - last.fBaseline), `512 steps: gap ${last.gap} of ${last.fx - last.fBaseline}`);
  assert.ok(Math.abs(last.gap) <= Math.abs(gaps[0].gap) + 1e-6, `gap with 2 steps ${gaps[0].gap}, with 512 ${last.gap}`);
  // Refining the steps in which a unit switches closes most of the gap at a few more evaluations.
  const plain = integratedGradients(model, graph, x, x0, 8, undefined, 0), refined = integratedGradients(model, graph, x, x0, 8);
  assert.equal(plain.evaluations, 8);
  assert.ok(refined.steps === 8 && refined.evaluations > 8 && refined.evaluations <= 16, `${refined.evaluations} evaluations`);
  assert.ok(Math.abs(refined.gap) < Math.abs(plain.gap), `refined gap ${refined.gap}, plain ${plain.gap}`);
  // Per row and per feature column the same total; rows that do not change get nothing.
  const rows = last.node.reduce((a, b) => a + b, 0) + last.edge.reduce((a, b) => a + b, 0);
  const cols = last.nodeFeature.reduce((a, b) => a + b, 0) + last.edgeFeature.reduce((a, b) => a + b, 0) + last.edgeOffset + last.nodeOffset;
  assert.ok(Math.abs(rows - last.sum) < 1e-9 && Math.abs(cols - last.sum) < 1e-9);
  const movedEdges = new Set([5, 6, 20, 11, 30]);
  last.edge.forEach((a, e) => { if (!movedEdges.has(e)) assert.equal(a, 0, `edge ${e}`); });
  assert.ok(last.edge[11] !== 0, 'an offset alone is attributed to its edge');
  // A baseline equal to the sample: nothing to attribute.
  const none = integratedGradients(model, graph, x, x, 4);
  assert.equal(none.sum, 0);
  assert.equal(none.fx, none.fBaseline);
  // A baseline with other edges is refused.
  assert.throws(() => integratedGradients(model, graph, x, { ...x0, edgeMask: new Uint8Array(graph.src.length).fill(1) }, 4), /same edges/);
});

test('the staged forward gives GraphNet.forward bits and recomputes from any stage after a weight change', () => {
  for (const over of [{}, { sparsity: 0, residual: false, layers: 3 }]) {
    const { model, graph, x } = setup(over, 3);
    const batch = model.batch(graph, [x]);
    const sf = new StagedForward(model, batch);
    const ref = () => {
      const { out } = model.forward(batch);
      let best = -Infinity;
      for (let e = 0; e < graph.src.length; e++) if (batch.active[e] && out.edge![e] > best) best = out.edge![e];
      return { logit: out.graph![0], maxEdge: best };
    };
    assert.equal(sf.logit(), ref().logit);
    assert.equal(sf.maxEdge()!.value, ref().maxEdge);
    const full = ref();
    // Layers in model order and then backwards: a later removal must not reuse what an earlier one left.
    const order = [...model.layers.keys(), ...[...model.layers.keys()].reverse()];
    for (const li of order) {
      const l = model.layers[li];
      const w = l.weight.data, k = Math.floor(w.length / 2), w0 = w[k];
      w[k] = 0;
      const want = ref();
      w[k] = w0;
      const got = sf.without(new Map([[li, [k]]]));
      assert.equal(w[k], w0, 'restored');
      assert.equal(got.logit, want.logit, `${l.name}: from stage ${sf.stageOf(l.name)}`);
      assert.equal(got.maxEdge, want.maxEdge, l.name);
    }
    sf.run(sf.stages);
    assert.equal(sf.logit(), full.logit, 'the stale stages are recomputed');
  }
});
