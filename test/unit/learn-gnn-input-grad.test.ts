// The graph network's input gradients (features and head offsets) against
// finite differences, for every head and with the readout's pooled
// predictions in play; and the input-only backward (no parameter gradients)
// gives the same input gradients and leaves the parameters' gradients alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet, type GraphNetConfig } from '../../main/core/learn/gnn';
import type { HeadOutputs } from '../../main/core/learn/loss';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';

const graph: GraphTopology = { numNodes: 5, src: Int32Array.from([0, 1, 2, 3, 4, 0]), dst: Int32Array.from([1, 2, 3, 4, 0, 2]) };

function samples(rng: Rng): GraphSample[] {
  const mk = (removed: number): GraphSample => {
    const edgeMask = new Uint8Array(6).fill(1);
    if (removed >= 0) edgeMask[removed] = 0;
    const r = (n: number, a = 2, b = -0.5) => Float32Array.from({ length: n }, () => rng.float() * a + b);
    return {
      nodeFeat: r(5 * 3), edgeFeat: r(6 * 2), edgeMask,
      edgeOffset: r(6, 1, 0), nodeOffset: r(5, 0.2, 0.9), edgeLimit: r(6, 0.5, 0.5), nodeUpper: r(5, 0.1, 1.0), nodeLower: r(5, 0.1, 0.85),
      targets: {},
    };
  };
  return [mk(2), mk(-1)];
}

/** sum(dOut * out) in double precision from the float32 forward. */
function score(model: GraphNet, s: GraphSample[], dOut: HeadOutputs): number {
  const { out } = model.forward(model.batch(graph, s));
  let v = 0;
  for (const k of ['edge', 'node', 'graph'] as const) {
    const o = out[k], d = dOut[k];
    if (o && d) for (let i = 0; i < o.length; i++) v += o[i] * d[i];
  }
  return v;
}

function setup(over: Partial<GraphNetConfig>, seed: number) {
  const rng = new Rng(seed);
  const cfg = resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 8, layers: 2, headHidden: 6, predPoolGain: 3, ...over });
  const model = GraphNet.create(cfg, rng);
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  // Readouts start small; make them count so that every path carries gradient.
  for (const l of model.layers) if (l.name.endsWith('.out') || l.name.endsWith('.skip')) for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] = rng.float() - 0.5;
  const s = samples(rng);
  const B = s.length;
  const dOut: HeadOutputs = {
    edge: cfg.heads.edge ? Float32Array.from({ length: B * 6 }, () => rng.float() - 0.5) : null,
    node: cfg.heads.node ? Float32Array.from({ length: B * 5 }, () => rng.float() - 0.5) : null,
    graph: cfg.heads.graph ? Float32Array.from({ length: B }, () => rng.float() + 0.5) : null,
  };
  return { model, s, dOut };
}

for (const [label, over] of [
  ['sparse 50%, residual, every head', { sparsity: 0.5 }],
  ['dense, no residual, eps 0.2', { sparsity: 0, residual: false, eps: 0.2 }],
  ['graph head only', { sparsity: 0.4, heads: { edge: false, node: false, graph: true } }],
  ["the offsets' margins pooled too (offsetPool)", { sparsity: 0.5, offsetPool: true, offsetPoolGain: 7 }],
] as const) {
  test(`input gradients match finite differences: ${label}`, () => {
    const { model, s, dOut } = setup(over, 7);
    const batch = model.batch(graph, s);
    const { cache } = model.forward(batch);
    model.zeroGrad();
    const g = model.backward(batch, cache, dOut, { inputGrad: true })!;
    assert.ok(g, 'input gradients returned');
    const h = 1e-3;
    let checked = 0, skipped = 0;
    // Perturb one input of one sample; the batch gradient of that sample's row is the answer.
    const probe = (get: (x: GraphSample) => Float32Array, analytic: Float32Array, stride: number, what: string) => {
      for (let b = 0; b < s.length; b++) {
        const arr = get(s[b]);
        for (let i = 0; i < arr.length; i++) {
          const v0 = arr[i];
          const f0 = score(model, s, dOut);
          arr[i] = v0 + h; const fp = score(model, s, dOut);
          arr[i] = v0 - h; const fm = score(model, s, dOut);
          arr[i] = v0;
          const fwd = (fp - f0) / h, bwd = (f0 - fm) / h, fd = (fp - fm) / (2 * h);
          if (Math.abs(fwd - bwd) > 4e-3 + 2e-2 * Math.abs(fd)) { skipped++; continue; } // a kink within the step
          const an = analytic[b * stride + i];
          assert.ok(Math.abs(fd - an) <= 3e-3 + 1e-2 * Math.abs(an), `${what}[${b}][${i}]: finite difference ${fd}, analytic ${an}`);
          checked++;
        }
      }
    };
    probe((x) => x.nodeFeat, g.nodeFeat, 5 * 3, 'nodeFeat');
    probe((x) => x.edgeFeat, g.edgeFeat, 6 * 2, 'edgeFeat');
    if (model.cfg.heads.edge) probe((x) => x.edgeOffset!, g.edgeOffset!, 6, 'edgeOffset');
    else assert.equal(g.edgeOffset, null);
    if (model.cfg.heads.node) probe((x) => x.nodeOffset!, g.nodeOffset!, 5, 'nodeOffset');
    assert.ok(checked > 40 && skipped <= checked / 10, `checked ${checked}, skipped ${skipped}`);
    // Inputs of the removed edge reach nothing but its own head prediction.
    if (!model.cfg.heads.edge) for (let f = 0; f < 2; f++) assert.equal(g.edgeFeat[2 * 2 + f], 0);
  });
}

test('an input-only backward gives the same input gradients and no parameter gradients', () => {
  const { model, s, dOut } = setup({ sparsity: 0.5 }, 3);
  const batch = model.batch(graph, s);
  const { cache } = model.forward(batch);
  model.zeroGrad();
  const full = model.backward(batch, cache, dOut, { inputGrad: true })!;
  assert.ok(model.params().some((p) => p.grad.some((v) => v !== 0)));
  model.zeroGrad();
  const only = model.backward(batch, cache, dOut, { inputGrad: true, paramGrad: false })!;
  for (const p of model.params()) assert.ok(p.grad.every((v) => v === 0), `${p.name} has gradients`);
  assert.deepEqual(only.nodeFeat, full.nodeFeat);
  assert.deepEqual(only.edgeFeat, full.edgeFeat);
  assert.deepEqual(only.edgeOffset, full.edgeOffset);
  assert.deepEqual(only.nodeOffset, full.nodeOffset);
  // Without inputGrad nothing is returned, as before.
  assert.equal(model.backward(batch, cache, dOut), null);
});
