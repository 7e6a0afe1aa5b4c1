// Incremental inference must give what the batched forward gives on the full
// sample: every edge and node prediction and the verdict probability, for
// dense and sparse models, with removed edges, changed rows and offsets, on
// each kernel set (SIMD WebAssembly, scalar WebAssembly, TypeScript).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet, type GraphNetConfig } from '../../main/core/learn/gnn';
import { IncrementalPredictor, applyDelta, type SampleDelta } from '../../main/core/learn/incremental';
import type { KernelChoice } from '../../main/core/learn/kernels';
import type { GraphSample } from '../../main/core/learn/graph';
import { ringWithChords } from '../../main/core/learn/synthetic';
import { Rng } from '../../main/core/learn/rng';

const Fn = 4, Fe = 3;

function randomDelta(rng: Rng, N: number, E: number): SampleDelta {
  const pick = (n: number, k: number) => [...new Set(Array.from({ length: k }, () => rng.int(n)))].sort((a, b) => a - b);
  const nodes = Int32Array.from(pick(N, 1 + rng.int(3)));
  const edges = Int32Array.from(pick(E, rng.int(4)));
  const removed = Int32Array.from(pick(E, 1));
  const offsetEdges = Int32Array.from(pick(E, rng.int(6)).filter((e) => !edges.includes(e)));
  return {
    offsetEdges, offsetValues: Float32Array.from(offsetEdges, () => 0.5 + rng.float()),
    nodes, nodeFeat: Float32Array.from({ length: nodes.length * Fn }, () => rng.normal()),
    nodeOffset: Float32Array.from(nodes, () => rng.normal()),
    edges, edgeFeat: Float32Array.from({ length: edges.length * Fe }, () => rng.normal()),
    edgeOffset: Float32Array.from(edges, () => rng.normal()),
    removed,
  };
}

function check(over: Partial<GraphNetConfig>, seed: number, kernels: KernelChoice) {
  const rng = new Rng(seed);
  const graph = ringWithChords(40, 12, rng);
  const N = graph.numNodes, E = graph.src.length;
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 12, headHidden: 10, layers: 3, predPoolGain: 7, ...over }), rng);
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  const base: GraphSample = {
    nodeFeat: Float32Array.from({ length: N * Fn }, () => rng.normal()),
    edgeFeat: Float32Array.from({ length: E * Fe }, () => rng.normal()),
    edgeOffset: Float32Array.from({ length: E }, () => rng.float()),
    nodeOffset: Float32Array.from({ length: N }, () => 1 + 0.05 * rng.normal()),
    edgeLimit: Float32Array.from({ length: E }, () => 0.5 + rng.float()),
    nodeUpper: Float32Array.from({ length: N }, () => 1.05 + 0.02 * rng.float()),
    nodeLower: Float32Array.from({ length: N }, () => 0.95 - 0.02 * rng.float()),
    targets: {},
  };
  const inc = new IncrementalPredictor(model, graph, base, { kernels });
  assert.equal(inc.kernels.kind, kernels, 'this runtime offers the kernel set');
  let smallest = Infinity;
  for (let t = 0; t < 25; t++) {
    const d = randomDelta(rng, N, E);
    const full = model.predict(graph, [applyDelta(base, d, Fn, Fe)]);
    const outEdge = new Float32Array(E), outNode = new Float32Array(N);
    const r = inc.predict(d, { edge: outEdge, node: outNode });
    smallest = Math.min(smallest, r.touched);
    // Recomputed rows are bit-for-bit the batched ones; pooled means differ by rounding only.
    if (full.edge) assert.deepEqual(outEdge, full.edge, 'edge predictions');
    if (full.node) assert.deepEqual(outNode, full.node, 'node predictions');
    assert.ok(Math.abs(r.prob! - full.graphProb![0]) < 1e-5, `probability ${r.prob} vs ${full.graphProb![0]}`);
    if (!full.edge || !full.node) continue;
    let mx = -Infinity, mn = Infinity, mxn = -Infinity;
    const removed = new Set(d.removed);
    for (let e = 0; e < E; e++) if (!removed.has(e)) mx = Math.max(mx, full.edge![e]);
    for (let v = 0; v < N; v++) { mn = Math.min(mn, full.node![v]); mxn = Math.max(mxn, full.node![v]); }
    assert.equal(r.maxEdge, mx);
    assert.equal(r.minNode, mn);
    assert.equal(r.maxNode, mxn);
  }
  // The base stays intact between samples: an empty delta gives the base predictions.
  const none: SampleDelta = { nodes: new Int32Array(0), nodeFeat: new Float32Array(0), edges: new Int32Array(0), edgeFeat: new Float32Array(0), removed: new Int32Array(0) };
  const full = model.predict(graph, [base]);
  const outEdge = new Float32Array(E);
  const r = inc.predict(none, { edge: outEdge });
  if (full.edge) assert.deepEqual(outEdge, full.edge);
  assert.ok(Math.abs(r.prob! - full.graphProb![0]) < 1e-6);
  assert.equal(r.touched, 0);
  // Locality: with 3 layers on a 40-node ring some samples leave most of the graph alone.
  assert.ok(smallest < N, `smallest neighbourhood ${smallest} of ${N}`);
}

for (const kernels of ['wasm-simd', 'wasm', 'js'] as const) {
  test(`incremental equals full forward (${kernels}): dense, residual`, () => check({ sparsity: 0 }, 1, kernels));
  test(`incremental equals full forward (${kernels}): 90% sparse`, () => check({ sparsity: 0.9 }, 2, kernels));
  test(`incremental equals full forward (${kernels}): no residual, eps, two layers`, () => check({ sparsity: 0.5, residual: false, eps: 0.3, layers: 2 }, 3, kernels));
  test(`incremental equals full forward (${kernels}): graph head only`, () => check({ sparsity: 0.8, heads: { edge: false, node: false, graph: true } }, 4, kernels));
  test(`incremental equals full forward (${kernels}): the offsets' margins pooled too (offsetPool)`, () => check({ sparsity: 0.9, offsetPool: true, offsetPoolGain: 11 }, 5, kernels));
}

test('incremental inference: odd widths fall back from SIMD to scalar WebAssembly, same predictions', () => {
  const rng = new Rng(9);
  const graph = ringWithChords(30, 8, rng);
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 7, headHidden: 5, layers: 2, sparsity: 0.5 }), rng);
  const N = graph.numNodes, E = graph.src.length;
  const base: GraphSample = { nodeFeat: Float32Array.from({ length: N * Fn }, () => rng.normal()), edgeFeat: Float32Array.from({ length: E * Fe }, () => rng.normal()), targets: {} };
  const inc = new IncrementalPredictor(model, graph, base);
  assert.equal(inc.kernels.kind, 'wasm');
  const d = randomDelta(rng, N, E);
  const full = model.predict(graph, [applyDelta(base, d, Fn, Fe)]);
  const outEdge = new Float32Array(E);
  inc.predict(d, { edge: outEdge });
  assert.deepEqual(outEdge, full.edge);
});

test('incremental inference: a base sample of the wrong size is refused', () => {
  const rng = new Rng(10);
  const graph = ringWithChords(20, 4, rng);
  const model = GraphNet.create(resolveGraphNet({ nodeFeatDim: Fn, edgeFeatDim: Fe, hidden: 8, headHidden: 8, layers: 2 }), rng);
  const E = graph.src.length;
  assert.throws(() => new IncrementalPredictor(model, graph, { nodeFeat: new Float32Array(5), edgeFeat: new Float32Array(E * Fe), targets: {} }), /base sample: expected/);
});
