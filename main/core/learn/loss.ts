// Training loss: a weighted sum of BCE-with-logits for the per-graph verdict
// (with a positive-class weight for imbalance) and MSE or Huber for the
// per-edge and per-node regressions. Each term is a mean over the targets
// present in the batch (weighted when samples give per-edge target weights);
// the gradients are with respect to the head outputs.

import type { Batch } from './graph';
import { LearnError } from './errors';

export interface LossConfig {
  graphWeight: number;
  edgeWeight: number;
  nodeWeight: number;
  /** Weight of positive (y = 1) graph targets in the BCE. */
  posWeight: number;
  regression: 'mse' | 'huber';
  huberDelta: number;
}

export const defaultLoss: LossConfig = { graphWeight: 1, edgeWeight: 1, nodeWeight: 1, posWeight: 1, regression: 'mse', huberDelta: 1 };

export function resolveLoss(cfg?: Partial<LossConfig>): LossConfig {
  const c = { ...defaultLoss, ...cfg };
  for (const k of ['graphWeight', 'edgeWeight', 'nodeWeight', 'posWeight', 'huberDelta'] as const) {
    if (!(c[k] >= 0 && Number.isFinite(c[k]))) throw new LearnError('bad-config', `loss.${k} must be a finite non-negative number, got ${c[k]}`);
  }
  if (c.regression !== 'mse' && c.regression !== 'huber') throw new LearnError('bad-config', `loss.regression must be 'mse' or 'huber', got '${c.regression}'`);
  return c;
}

export interface HeadOutputs {
  /** [edges] predictions, or null without an edge head. */
  edge: Float32Array | null;
  node: Float32Array | null;
  /** [graphs] logits. */
  graph: Float32Array | null;
}

export interface LossResult {
  total: number;
  graph: number;
  edge: number;
  node: number;
  counts: { graph: number; edge: number; node: number };
  grad: HeadOutputs;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

export function computeLoss(out: HeadOutputs, batch: Batch, cfg: LossConfig): LossResult {
  const res: LossResult = {
    total: 0, graph: 0, edge: 0, node: 0,
    counts: { graph: 0, edge: 0, node: 0 },
    grad: { edge: null, node: null, graph: null },
  };
  if (out.graph) {
    const z = out.graph, g = new Float32Array(z.length);
    let n = 0;
    for (let b = 0; b < z.length; b++) if (batch.graphTargetOn[b]) n++;
    if (n > 0) {
      let sum = 0;
      for (let b = 0; b < z.length; b++) {
        if (!batch.graphTargetOn[b]) continue;
        const y = batch.graphTarget[b], w = y === 1 ? cfg.posWeight : 1;
        sum += w * (softplus(z[b]) - y * z[b]);
        g[b] = (cfg.graphWeight * w * (sigmoid(z[b]) - y)) / n;
      }
      res.graph = sum / n;
      res.counts.graph = n;
    }
    res.grad.graph = g;
  }
  // Weighted mean over the counted targets: sum w_i l_i / sum w_i (w = 1 without weights).
  const regress = (pred: Float32Array, target: Float32Array, on: Uint8Array, weight: number, tw: Float32Array | null) => {
    const g = new Float32Array(pred.length);
    let n = 0, wsum = 0;
    for (let i = 0; i < pred.length; i++) if (on[i]) { n++; wsum += tw ? tw[i] : 1; }
    let sum = 0;
    if (n > 0 && wsum > 0) {
      const huber = cfg.regression === 'huber', delta = cfg.huberDelta;
      for (let i = 0; i < pred.length; i++) {
        if (!on[i]) continue;
        const w = tw ? tw[i] : 1;
        const d = pred[i] - target[i];
        if (!huber) {
          sum += w * d * d;
          g[i] = (weight * w * 2 * d) / wsum;
        } else if (Math.abs(d) <= delta) {
          sum += w * 0.5 * d * d;
          g[i] = (weight * w * d) / wsum;
        } else {
          sum += w * delta * (Math.abs(d) - 0.5 * delta);
          g[i] = (weight * w * delta * Math.sign(d)) / wsum;
        }
      }
      sum /= wsum;
    }
    return { loss: sum, n, g };
  };
  if (out.edge) {
    const r = regress(out.edge, batch.edgeTarget, batch.edgeTargetOn, cfg.edgeWeight, batch.edgeTargetWeight);
    res.edge = r.loss;
    res.counts.edge = r.n;
    res.grad.edge = r.g;
  }
  if (out.node) {
    const r = regress(out.node, batch.nodeTarget, batch.nodeTargetOn, cfg.nodeWeight, null);
    res.node = r.loss;
    res.counts.node = r.n;
    res.grad.node = r.g;
  }
  res.total = cfg.graphWeight * res.graph + cfg.edgeWeight * res.edge + cfg.nodeWeight * res.node;
  return res;
}
