// Finite-difference checks of the hand-written backward pass of the whole
// graph network plus loss, for dense and sparse weights, with and without
// residual connections, with removed edges and all three heads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet, type GraphNetConfig } from '../../main/core/learn/gnn';
import { computeLoss, resolveLoss, type LossConfig } from '../../main/core/learn/loss';
import type { GraphSample, GraphTopology } from '../../main/core/learn/graph';
import { Rng } from '../../main/core/learn/rng';

const graph: GraphTopology = { numNodes: 5, src: Int32Array.from([0, 1, 2, 3, 4, 0]), dst: Int32Array.from([1, 2, 3, 4, 0, 2]) };

function samples(rng: Rng): GraphSample[] {
  const mk = (removed: number, y: number): GraphSample => {
    const edgeMask = new Uint8Array(6).fill(1);
    if (removed >= 0) edgeMask[removed] = 0;
    return {
      nodeFeat: Float32Array.from({ length: 5 * 3 }, () => rng.float() * 2 - 0.5),
      edgeFeat: Float32Array.from({ length: 6 * 2 }, () => rng.float() * 2 - 0.5),
      edgeMask,
      targets: { edge: Float32Array.from({ length: 6 }, () => rng.float()), node: Float32Array.from({ length: 5 }, () => rng.float()), graph: y },
    };
  };
  return [mk(2, 1), mk(-1, 0), mk(5, 1)];
}

/** Loss in double precision from the float32 forward. */
function lossOf(model: GraphNet, s: GraphSample[], lc: LossConfig): number {
  const batch = model.batch(graph, s);
  return computeLoss(model.forward(batch).out, batch, lc).total;
}

function check(cfgOver: Partial<GraphNetConfig>, lossOver: Partial<LossConfig>, seed: number) {
  const rng = new Rng(seed);
  const cfg = resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 8, layers: 2, headHidden: 6, ...cfgOver });
  const model = GraphNet.create(cfg, rng);
  // Non-zero biases so that no unit sits exactly at a ReLU kink by construction.
  for (const p of model.params()) if (p.name.endsWith('.b')) for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  const s = samples(rng);
  const lc = resolveLoss({ posWeight: 2, graphWeight: 1, edgeWeight: 0.7, nodeWeight: 1.3, ...lossOver });
  model.zeroGrad();
  const batch = model.batch(graph, s);
  const { out, cache } = model.forward(batch);
  const loss = computeLoss(out, batch, lc);
  model.backward(batch, cache, loss.grad);
  // One-sided differences on both sides: where they disagree a ReLU or max
  // kink lies within the step, and that weight is skipped (and counted).
  let checked = 0, skipped = 0, worst = 0, worstName = '';
  const covered = new Set<string>();
  const h = 1e-3;
  const l0 = lossOf(model, s, lc);
  for (const p of model.params()) {
    for (let k = 0; k < p.data.length; k++) {
      const w0 = p.data[k];
      p.data[k] = w0 + h;
      const lp = lossOf(model, s, lc);
      p.data[k] = w0 - h;
      const lm = lossOf(model, s, lc);
      p.data[k] = w0;
      const fwd = (lp - l0) / h, bwd = (l0 - lm) / h, fd = (lp - lm) / (2 * h);
      if (Math.abs(fwd - bwd) > 4e-3 + 2e-2 * Math.abs(fd)) { skipped++; continue; }
      const an = p.grad[k];
      const err = Math.abs(fd - an) / (2e-3 + 1e-2 * Math.abs(an));
      if (err > worst) { worst = err; worstName = `${p.name}[${k}] fd=${fd} analytic=${an}`; }
      checked++;
      if (Math.abs(an) > 1e-3) covered.add(p.name.replace(/\.[wb]$/, ''));
    }
  }
  return { checked, skipped, worst, worstName, uncovered: model.layers.map((l) => l.name).filter((n) => !covered.has(n)) };
}

for (const [label, cfg, lossCfg] of [
  ['dense, residual, MSE', { sparsity: 0, residual: true }, {}],
  ['sparse 50%, residual, Huber', { sparsity: 0.5, residual: true }, { regression: 'huber', huberDelta: 0.3 }],
  ['sparse 40%, no residual, eps 0.3', { sparsity: 0.4, residual: false, eps: 0.3 }, {}],
  ['graph head only', { sparsity: 0.5, heads: { edge: false, node: false, graph: true } }, {}],
  ['edge and node heads only', { sparsity: 0, heads: { edge: true, node: true, graph: false } }, {}],
] as const) {
  test(`GNN + loss gradients match finite differences: ${label}`, () => {
    const r = check(cfg as Partial<GraphNetConfig>, lossCfg as Partial<LossConfig>, 7);
    assert.ok(r.checked > 150, `checked ${r.checked}`);
    assert.ok(r.skipped <= 0.03 * (r.checked + r.skipped), `${r.skipped} weights skipped at kinks`);
    // |fd - analytic| <= 2e-3 + 1e-2 |analytic| everywhere (float32 forward).
    assert.ok(r.worst <= 1, `gradient mismatch at ${r.worstName}`);
    // Every layer had weights with a non-trivial gradient checked.
    assert.deepEqual(r.uncovered, []);
  });
}
