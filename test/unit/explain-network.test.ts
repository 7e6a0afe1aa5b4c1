// Connection, neuron and path attributions of one sample, on a small
// network: gradient x weight is the first-order change of removing a
// connection (and equal to it where no unit switches), a neuron's
// attribution is the first-order change of silencing it, the best paths are
// the best of all paths (by brute force), and the Spearman correlation is
// the textbook one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet } from '../../main/core/learn/gnn';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';
import { ringWithChords } from '../../main/core/learn/synthetic';
import { attributeNetwork, bestPaths, edgeOutputBackward, networkExplanation, occludeConnections, occlusionAgreement, spearman, surrogateVerdict } from '../../main/core/learn/explain';

function setup(seed: number, hidden = 6, layers = 2) {
  const rng = new Rng(seed);
  const graph: GraphTopology = ringWithChords(12, 4, rng);
  const E = graph.src.length, N = graph.numNodes;
  const cfg = resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden, layers, headHidden: 5, predPoolGain: 4, sparsity: 0.4 });
  const model = GraphNet.create(cfg, rng);
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.3) * 0.3;
  for (const l of model.layers) if (l.name.endsWith('.out') || l.name.endsWith('.skip')) for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] = rng.float() - 0.5;
  const r = (n: number, a = 2, b = -0.5) => Float32Array.from({ length: n }, () => rng.float() * a + b);
  const edgeMask = new Uint8Array(E).fill(1);
  edgeMask[1] = 0;
  const x: GraphSample = { nodeFeat: r(N * 3), edgeFeat: r(E * 2), edgeMask, edgeOffset: r(E, 0.6, 0.3), nodeOffset: r(N, 0.1, 0.95), edgeLimit: r(E, 0.3, 0.8), nodeUpper: r(N, 0.05, 1.02), nodeLower: r(N, 0.05, 0.9), targets: {} };
  return { model, graph, x, batch: model.batch(graph, [x]) };
}

const logitOf = (m: GraphNet, g: GraphTopology, x: GraphSample) => m.forward(m.batch(g, [x])).out.graph![0];

test('gradient x weight is the first-order change of each connection, and occlusion agrees where nothing switches', () => {
  const { model, graph, x, batch } = setup(2);
  const attr = attributeNetwork(model, batch);
  assert.equal(attr.logit, logitOf(model, graph, x));
  for (const p of model.params()) assert.ok(p.grad.every((v) => v === 0), 'gradients left at zero');
  const occ = occludeConnections(model, batch);
  let exactAgree = 0, checked = 0;
  attr.layers.forEach((la, li) => {
    const w = la.layer.weight.data;
    for (let q = 0; q < w.length; q++) {
      // Scaling one weight by (1 - eps): the change is eps x its attribution to first order.
      const eps = 1e-3, w0 = w[q];
      w[q] = w0 * (1 - eps);
      const d = attr.logit - logitOf(model, graph, x);
      w[q] = w0;
      assert.ok(Math.abs(d / eps - la.verdict[q]) <= 2e-3 + 2e-2 * Math.abs(la.verdict[q]), `${la.name}[${q}]: ${d / eps} against ${la.verdict[q]}`);
      if (!la.readout) {
        checked++;
        if (Math.abs(occ.verdict[li]![q] - la.verdict[q]) <= 1e-4 + 1e-3 * Math.abs(la.verdict[q])) exactAgree++;
      }
    }
  });
  assert.ok(exactAgree > checked / 2, `${exactAgree} of ${checked} connections: occlusion equals gradient x weight (the network is piecewise linear in one weight)`);
  const hidden = attr.layers.map((l) => (l.readout ? null : l.verdict));
  assert.ok(occlusionAgreement(hidden, occ.verdict) > 0.8);
  // The loading target: the largest present edge prediction.
  assert.ok(attr.maxEdge && batch.active[attr.maxEdge.edge] === 1);
  const la = attr.layers.find((l) => l.name === 'head.edge.out')!;
  assert.ok(la.loading!.some((v) => v !== 0));
  assert.ok(attr.layers.find((l) => l.name === 'head.graph.out')!.loading!.every((v) => v === 0), 'the graph head does not reach the edge predictions');
});

test("a neuron's attribution is the first-order change of silencing it, and the sum of its inputs' and bias's", () => {
  const { model, graph, x, batch } = setup(4);
  const attr = attributeNetwork(model, batch);
  let checked = 0, skipped = 0;
  for (const la of attr.layers) {
    const l = la.layer, w = l.weight.data, b = l.bias.data;
    for (let o = 0; o < l.nOut; o++) {
      // A ReLU unit scaled by (1 +- eps) is its incoming weights and bias scaled (ReLU is positively homogeneous).
      const change = (eps: number) => {
        const saved = Float32Array.from(w), b0 = b[o];
        for (let k = 0; k < w.length; k++) if (la.to[k] === o) w[k] *= 1 - eps;
        b[o] *= 1 - eps;
        const d = attr.logit - logitOf(model, graph, x);
        w.set(saved);
        b[o] = b0;
        return d / eps;
      };
      const up = change(1e-3), down = change(-1e-3);
      if (Math.abs(up - down) > 1e-2 * (1 + Math.abs(up))) { skipped++; continue; } // a unit switches within the step
      const a = la.unitVerdict[o];
      assert.ok(Math.abs(up - a) <= 2e-3 + 2e-2 * Math.abs(a), `${la.name} unit ${o}: ${up} against ${a}`);
      checked++;
    }
  }
  assert.ok(checked > 40 && skipped < checked / 5, `${checked} units checked, ${skipped} skipped`);
  // Inputs: input x gradient per feature, the first-order change of scaling that feature everywhere.
  let inputs = 0;
  for (let f = 0; f < 3; f++) {
    const change = (eps: number) => attr.logit - logitOf(model, graph, { ...x, nodeFeat: Float32Array.from(x.nodeFeat, (v, i) => (i % 3 === f ? v * (1 - eps) : v)) });
    const up = change(1e-3) / 1e-3, down = change(-1e-3) / -1e-3;
    if (Math.abs(up - down) > 1e-2 * (1 + Math.abs(up))) continue;
    assert.ok(Math.abs(up - attr.inputs.node[f]) <= 2e-3 + 2e-2 * Math.abs(attr.inputs.node[f]), `node feature ${f}: ${up} against ${attr.inputs.node[f]}`);
    inputs++;
  }
  assert.ok(inputs >= 2, `${inputs} input features checked`);
});

test('the best paths are the best of all paths through the chain, by summed log |attribution|', () => {
  const { model, batch } = setup(6, 4, 1);
  const attr = attributeNetwork(model, batch);
  for (const target of ['verdict', 'loading'] as const) {
    const best = bestPaths(model, attr, target, 5);
    assert.equal(best.length, 5);
    // Brute force: every chain of connections enc.node -> mp0.lin1 -> mp0.lin2 -> head hidden -> readout.
    const H = model.cfg.hidden;
    const names = ['enc.node', 'mp0.lin1', 'mp0.lin2', target === 'verdict' ? 'head.graph.hidden' : 'head.edge.hidden', target === 'verdict' ? 'head.graph.out' : 'head.edge.out'];
    const layers = names.map((n) => attr.layers.find((l) => l.name === n)!);
    const scores: number[] = [];
    const walk = (t: number, unit: number, score: number) => {
      if (t === layers.length) { scores.push(score); return; }
      const la = layers[t], a = target === 'verdict' ? la.verdict : la.loading!;
      for (let q = 0; q < la.from.length; q++) {
        const c = la.from[q];
        const reads = t === 0 ? true : t === 3 ? c === unit || c === H + unit : c === unit;
        if (!reads || a[q] === 0) continue;
        walk(t + 1, la.to[q], score + Math.log(Math.abs(a[q])));
      }
    };
    for (let i = 0; i < model.cfg.nodeFeatDim; i++) {
      // Level 0 starts at every input feature: the first layer's connections from it.
      const la = layers[0], a = target === 'verdict' ? la.verdict : la.loading!;
      for (let q = 0; q < la.from.length; q++) if (la.from[q] === i && a[q] !== 0) walk(1, la.to[q], Math.log(Math.abs(a[q])));
    }
    scores.sort((p, q) => q - p);
    best.forEach((p, i) => {
      assert.ok(Math.abs(p.score - scores[i]) < 1e-9, `${target} path ${i}: ${p.score} against ${scores[i]}`);
      assert.deepEqual(p.steps.map((s) => s.layer), names);
      const sum = p.steps.reduce((acc, s) => acc + Math.log(Math.abs(target === 'verdict' ? s.attribution : s.attributionLoading!)), 0);
      assert.ok(Math.abs(sum - p.score) < 1e-9);
      for (let t = 1; t < p.steps.length; t++) {
        const prev = p.steps[t - 1].to, c = p.steps[t].from;
        assert.ok(c === prev || (t === 3 && c === H + prev), `step ${t} reads unit ${prev}`);
      }
    });
  }
});

test('the network explanation lists every hidden connection once, ranked, with readouts apart', () => {
  const { model, batch } = setup(8);
  const attr = attributeNetwork(model, batch);
  const ne = networkExplanation(model, attr, { node: ['a', 'b', 'c'], edge: ['p', 'q'] });
  const hidden = model.layers.filter((l) => !/\.out$|\.skip$/.test(l.name)).reduce((s, l) => s + l.nnz(), 0);
  assert.equal(ne.connections.length, hidden);
  for (let i = 1; i < ne.connections.length; i++) assert.ok(Math.abs(ne.connections[i - 1].attribution) >= Math.abs(ne.connections[i].attribution));
  assert.ok(ne.readouts.every((c) => /\.out$|\.skip$/.test(c.layer)));
  assert.deepEqual(ne.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.deepEqual(ne.inputs.node.map((f) => f.feature), ['a', 'b', 'c']);
  assert.equal(JSON.parse(JSON.stringify(ne)).connections.length, hidden, 'plain data');
});

test('Spearman correlation and the verdict names', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // Hand-computed: ranks (1,2,3,4,5) and (2,1,4,3,5): 1 - 6 * 4 / (5 * 24) = 0.8.
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12);
  // Ties take their average rank.
  assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - 0.8660254037844386) < 1e-12);
  assert.ok(Number.isNaN(spearman([1], [2])));
  assert.equal(surrogateVerdict(0.2, 0.5, { edge: 1, upper: 1, lower: -1 }), 'secure');
  assert.equal(surrogateVerdict(0.7, 0.5, { edge: 0.1, upper: -1, lower: 1 }), 'overload');
  assert.equal(surrogateVerdict(0.7, 0.5, { edge: -0.1, upper: -1, lower: -0.01 }), 'voltage');
  assert.equal(surrogateVerdict(0.7, 0.5, { edge: 0.1, upper: 0.1, lower: 1 }), 'overload+voltage');
  assert.equal(surrogateVerdict(0.7, 0.5, { edge: -0.1, upper: -1, lower: 1 }), 'insecure');
});

test("an edge's prediction: the receptive-field backward gives the full backward's parameter gradients", () => {
  for (const [seed, over] of [[10, {}], [11, { residual: false, eps: 0.2 }], [12, { sparsity: 0 }]] as const) {
    const rng = new Rng(seed);
    const graph = ringWithChords(30, 6, rng);
    const cfg = resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 6, layers: 2, headHidden: 5, sparsity: 0.4, ...over });
    const model = GraphNet.create(cfg, rng);
    for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.3) * 0.3;
    const E = graph.src.length, N = graph.numNodes;
    const x: GraphSample = { nodeFeat: Float32Array.from({ length: N * 3 }, () => rng.float() * 2 - 0.5), edgeFeat: Float32Array.from({ length: E * 2 }, () => rng.float() * 2 - 0.5), targets: {} };
    const batch = model.batch(graph, [x]);
    const { cache } = model.forward(batch);
    for (const edge of [0, 7, E - 1]) {
      model.zeroGrad();
      const d = new Float32Array(E);
      d[edge] = 1;
      model.backward(batch, cache, { edge: d, node: null, graph: null });
      const full = model.params().map((p) => Float32Array.from(p.grad));
      model.zeroGrad();
      edgeOutputBackward(model, batch, cache, edge);
      model.params().forEach((p, i) => {
        for (let k = 0; k < p.grad.length; k++) assert.ok(Math.abs(p.grad[k] - full[i][k]) <= 1e-6 + 1e-5 * Math.abs(full[i][k]), `seed ${seed} edge ${edge} ${p.name}[${k}]: ${p.grad[k]} against ${full[i][k]}`);
      });
      assert.ok(full.some((g) => g.some((v) => v !== 0)));
    }
  }
});
