// The graph network of gnn.ts in TensorFlow.js ops, for the tfjs learning
// backend. Same layers, same order, same maths:
//   messages    gather (h_u, e_uv), ReLU, unsortedSegmentSum onto v
//   layers      X (W * M)^T + b: each sparse layer is a dense weight times a
//               fixed 0/1 mask M (tfjs 4.22 has no gradient for its sparse or
//               scatter ops), so the gradient is zero off the mask
//   readouts    mean/max pooling by reshaping the block-diagonal batch to
//               [graphs x rows x width]; absent edges pushed to -1e30 for max
// and the loss of loss.ts, so tf.variableGrads gives the whole gradient.
//
// The GraphNet stays the model of record: this net mirrors its weights,
// masks and Adam moments (upload), and writes weights and moments back after
// each optimiser step (download), so rewiring (rewire.ts), checkpoints and
// serialisation run on the GraphNet unchanged. The tf namespace comes in as a
// parameter: core never loads a package (tfjs-node, tfjs-node-gpu and the
// pure JS build share this API).

import type * as TF from '@tensorflow/tfjs';
import { LearnError } from '../errors';
import { type GraphNet, offsetPoolGain, poolWidth, predPoolWidth } from '../gnn';
import type { Batch, GraphSample, GraphTopology } from '../graph';
import { verdictWeight, type HeadOutputs, type LossConfig } from '../loss';
import type { Prediction } from '../gnn';
import { SparseLayer } from '../sparse';

export type Tf = typeof TF;
type Tensor = TF.Tensor;

/** Below any activation: max pooling never picks an absent edge (unless none is present; then the result is zeroed). */
const ABSENT = -1e30;

interface TfLayer {
  name: string;
  nIn: number;
  nOut: number;
  /** [nOut x nIn] (zeros off the mask). */
  w: TF.Variable;
  b: TF.Variable;
  /** 0/1 [nOut x nIn] for sparse layers, null for dense. */
  mask: Tensor | null;
  /** Positions o * nIn + i of the sparse layer's connections (the mask's ones). */
  positions: Int32Array | null;
}

/** A batch's arrays as tensors (disposed together). */
interface BatchTensors {
  B: number;
  N: number;
  E: number;
  nodeFeat: Tensor;
  edgeFeat: Tensor;
  msgSrc: Tensor;
  msgDst: Tensor;
  msgEdge: Tensor;
  edgeSrc: Tensor;
  edgeDst: Tensor;
  /** [B x E] 0/1. */
  active: Tensor;
  edgeOffset: Tensor | null;
  nodeOffset: Tensor | null;
  edgeLimit: Tensor | null;
  nodeUpper: Tensor | null;
  nodeLower: Tensor | null;
}

let netCount = 0;

export class TfjsNet {
  readonly layers: TfLayer[];
  /** Variable names, one per GraphNet param (weight, bias per layer), in params() order. */
  readonly names: string[];
  private readonly prefix: string;

  constructor(readonly tf: Tf, private model: GraphNet) {
    this.prefix = `gr${++netCount}`;
    this.layers = model.layers.map((l) => {
      const w = tf.variable(tf.zeros([l.nOut, l.nIn]), true, `${this.prefix}/${l.name}.w`);
      const b = tf.variable(tf.zeros([l.nOut]), true, `${this.prefix}/${l.name}.b`);
      return { name: l.name, nIn: l.nIn, nOut: l.nOut, w, b, mask: null, positions: null };
    });
    this.names = this.layers.flatMap((l) => [l.w.name, l.b.name]);
    this.upload(model);
  }

  get graphNet(): GraphNet {
    return this.model;
  }

  variables(): TF.Variable[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  /**
   * Weights and masks from `model` (same architecture): at the start, after
   * rewiring changed a mask and after the trainer swapped its model (best
   * weights, checkpoint).
   */
  upload(model: GraphNet): void {
    const tf = this.tf;
    if (model.layers.length !== this.layers.length) throw new LearnError('bad-model', `tfjs net has ${this.layers.length} layers, the model ${model.layers.length}`);
    this.model = model;
    tf.tidy(() => model.layers.forEach((l, i) => {
      const t = this.layers[i];
      if (l.name !== t.name || l.nIn !== t.nIn || l.nOut !== t.nOut) throw new LearnError('bad-model', `layer ${i} is ${l.name} (${l.nIn}->${l.nOut}), the tfjs net has ${t.name}`);
      t.mask?.dispose();
      if (l instanceof SparseLayer) {
        t.positions = l.positions();
        t.mask = tf.keep(tf.tensor2d(this.scatter(t, new Float32Array(t.positions.length).fill(1)), [t.nOut, t.nIn]));
        t.w.assign(tf.tensor2d(l.toDense(), [t.nOut, t.nIn]));
      } else {
        t.positions = null;
        t.mask = null;
        t.w.assign(tf.tensor2d(l.weight.data, [t.nOut, t.nIn]));
      }
      t.b.assign(tf.tensor1d(l.bias.data));
    }));
  }

  /** A layer's per-connection values as a dense [nOut x nIn] array (zeros off the mask). */
  scatter(t: TfLayer, values: Float32Array): Float32Array {
    if (!t.positions) return values;
    const d = new Float32Array(t.nIn * t.nOut);
    for (let k = 0; k < t.positions.length; k++) d[t.positions[k]] = values[k];
    return d;
  }

  /** A dense [nOut x nIn] array's values at the layer's connections (all of it for a dense layer). */
  gather(t: TfLayer, dense: Float32Array): Float32Array {
    if (!t.positions) return dense;
    const v = new Float32Array(t.positions.length);
    for (let k = 0; k < t.positions.length; k++) v[k] = dense[t.positions[k]];
    return v;
  }

  /** Weights and biases back into the GraphNet's params (after an optimiser step). */
  download(): void {
    this.model.layers.forEach((l, i) => {
      const t = this.layers[i];
      l.weight.data.set(this.gather(t, t.w.dataSync() as Float32Array));
      l.bias.data.set(t.b.dataSync() as Float32Array);
    });
  }

  tensors(batch: Batch): BatchTensors {
    const tf = this.tf;
    const B = batch.size, N = batch.numNodes, E = batch.numEdges;
    const { nodeFeatDim, edgeFeatDim } = this.model.cfg;
    const opt = (a: Float32Array | null) => (a ? tf.tensor1d(a) : null);
    return {
      B, N, E,
      nodeFeat: tf.tensor2d(batch.nodeFeat, [B * N, nodeFeatDim]),
      edgeFeat: tf.tensor2d(batch.edgeFeat, [B * E, edgeFeatDim]),
      msgSrc: tf.tensor1d(batch.msgSrc, 'int32'),
      msgDst: tf.tensor1d(batch.msgDst, 'int32'),
      msgEdge: tf.tensor1d(batch.msgEdge, 'int32'),
      edgeSrc: tf.tensor1d(batch.edgeSrc, 'int32'),
      edgeDst: tf.tensor1d(batch.edgeDst, 'int32'),
      active: tf.tensor2d(Float32Array.from(batch.active), [B, E]),
      edgeOffset: opt(batch.edgeOffset), nodeOffset: opt(batch.nodeOffset),
      edgeLimit: opt(batch.edgeLimit), nodeUpper: opt(batch.nodeUpper), nodeLower: opt(batch.nodeLower),
    };
  }

  static disposeTensors(t: BatchTensors): void {
    for (const v of Object.values(t)) if (v && typeof v === 'object' && 'dispose' in v) (v as Tensor).dispose();
  }

  private linear(i: number, x: Tensor, relu: boolean): Tensor {
    const tf = this.tf, t = this.layers[i];
    const W = t.mask ? tf.mul(t.w, t.mask) : t.w;
    const y = tf.add(tf.matMul(x as TF.Tensor2D, W as TF.Tensor2D, false, true), t.b);
    return relu ? tf.relu(y) : y;
  }

  private index(name: string): number {
    const i = this.layers.findIndex((l) => l.name === name);
    if (i < 0) throw new LearnError('bad-model', `no layer named ${name}`);
    return i;
  }

  private has(name: string): boolean {
    return this.layers.some((l) => l.name === name);
  }

  /** Head outputs of gnn.ts's forward: edge [B*E], node [B*N], graph logits [B]. Call inside tidy / variableGrads. */
  forward(bt: BatchTensors): { edge: Tensor | null; node: Tensor | null; graph: Tensor | null } {
    const tf = this.tf, cfg = this.model.cfg;
    const { hidden: H, headHidden: Hh, heads } = cfg;
    const { B, N, E } = bt;
    let h = this.linear(this.index('enc.node'), bt.nodeFeat, true);
    const e = this.linear(this.index('enc.edge'), bt.edgeFeat, true);
    for (let l = 0; l < cfg.layers; l++) {
      const msg = tf.relu(tf.add(tf.gather(h, bt.msgSrc), tf.gather(e, bt.msgEdge)));
      const z = tf.add(tf.mul(h, 1 + cfg.eps), tf.unsortedSegmentSum(msg, bt.msgDst as TF.Tensor1D, B * N));
      const a = this.linear(this.index(`mp${l}.lin1`), z, true);
      const c = this.linear(this.index(`mp${l}.lin2`), a, true);
      h = cfg.residual ? tf.add(c, h) : c;
    }
    const out: { edge: Tensor | null; node: Tensor | null; graph: Tensor | null } = { edge: null, node: null, graph: null };
    let aE: Tensor | null = null;
    if (this.has('head.edge.hidden')) {
      const q = tf.concat([tf.gather(h, bt.edgeSrc), tf.gather(h, bt.edgeDst), e], 1);
      aE = this.linear(this.index('head.edge.hidden'), q, true);
      if (heads.edge) {
        const y = tf.reshape(this.linear(this.index('head.edge.out'), aE, false), [B * E]);
        out.edge = bt.edgeOffset ? tf.add(y, bt.edgeOffset) : y;
      }
    }
    if (heads.node) {
      const aN = this.linear(this.index('head.node.hidden'), h, true);
      const y = tf.reshape(this.linear(this.index('head.node.out'), aN, false), [B * N]);
      out.node = bt.nodeOffset ? tf.add(y, bt.nodeOffset) : y;
    }
    if (heads.graph) {
      const hB = tf.reshape(h, [B, N, H]);
      const act = tf.reshape(bt.active, [B, E, 1]);
      const count = tf.sum(bt.active, 1, true); // [B x 1]
      const any = tf.cast(tf.greater(count, 0), 'float32');
      const absent = tf.mul(tf.sub(bt.active, 1), -ABSENT); // 0 present, -1e30 absent: [B x E]
      const aB = tf.reshape(aE!, [B, E, Hh]);
      const parts: Tensor[] = [
        tf.mean(hB, 1), tf.max(hB, 1),
        tf.div(tf.sum(tf.mul(aB, act), 1), tf.maximum(count, 1)),
        tf.mul(tf.max(tf.add(aB, tf.reshape(absent, [B, E, 1])), 1), any),
      ];
      const preds: Tensor[] = [];
      const gain = cfg.predPoolGain;
      if (out.edge) {
        const m = tf.reshape(bt.edgeLimit ? tf.sub(out.edge, bt.edgeLimit) : out.edge, [B, E]);
        preds.push(tf.mul(tf.mul(tf.max(tf.add(m, absent), 1, true), any), gain));
      }
      if (out.node) {
        const hi = tf.reshape(bt.nodeUpper ? tf.sub(out.node, bt.nodeUpper) : out.node, [B, N]);
        const lo = tf.reshape(bt.nodeLower ? tf.sub(out.node, bt.nodeLower) : out.node, [B, N]);
        preds.push(tf.mul(tf.max(hi, 1, true), gain), tf.mul(tf.min(lo, 1, true), gain));
      }
      // The offsets' margins (gnn.ts offsetMargins): inputs, as the predictions' above.
      if (cfg.offsetPool) {
        if (out.edge) {
          const off = bt.edgeOffset ?? tf.zeros([B * E]);
          const m = tf.reshape(bt.edgeLimit ? tf.sub(off, bt.edgeLimit) : off, [B, E]);
          preds.push(tf.mul(tf.mul(tf.max(tf.add(m, absent), 1, true), any), offsetPoolGain(cfg)));
        }
        if (out.node) {
          const off = bt.nodeOffset ?? tf.zeros([B * N]);
          const hi = tf.reshape(bt.nodeUpper ? tf.sub(off, bt.nodeUpper) : off, [B, N]);
          const lo = tf.reshape(bt.nodeLower ? tf.sub(off, bt.nodeLower) : off, [B, N]);
          preds.push(tf.mul(tf.max(hi, 1, true), offsetPoolGain(cfg)), tf.mul(tf.min(lo, 1, true), offsetPoolGain(cfg)));
        }
        // gnn.ts worstOffsetMargin: max(edge, upper, -lower), of the columns just pushed.
        const k = (out.edge ? 1 : 0) + (out.node ? 2 : 0);
        if (k > 0) {
          const cols = preds.slice(preds.length - k);
          let worst = cols[0];
          if (out.node) worst = tf.maximum(out.edge ? tf.maximum(cols[0], cols[1]) : cols[0], tf.neg(cols[cols.length - 1]));
          preds.push(worst);
        }
      }
      const pool = tf.concat([...parts, ...preds], 1);
      if (pool.shape[1] !== poolWidth(cfg)) throw new LearnError('bad-state', `tfjs readout is ${pool.shape[1]} wide, expected ${poolWidth(cfg)}`);
      const aG = this.linear(this.index('head.graph.hidden'), pool, true);
      let logit = this.linear(this.index('head.graph.out'), aG, false);
      if (predPoolWidth(cfg) > 0) logit = tf.add(logit, this.linear(this.index('head.graph.skip'), tf.concat(preds, 1), false));
      out.graph = tf.reshape(logit, [B]);
    }
    return out;
  }

  /** loss.ts's computeLoss total as a scalar tensor (BCE with logits, MSE or Huber, each a mean over its counted targets). */
  loss(out: { edge: Tensor | null; node: Tensor | null; graph: Tensor | null }, batch: Batch, cfg: LossConfig): TF.Scalar {
    const tf = this.tf;
    let total: Tensor = tf.scalar(0);
    if (out.graph) {
      const B = batch.size, w = new Float32Array(B);
      let n = 0;
      for (let b = 0; b < B; b++) if (batch.graphTargetOn[b]) { n++; w[b] = verdictWeight(batch.graphTarget[b], cfg); }
      if (n > 0) {
        const y = tf.tensor1d(batch.graphTarget);
        const terms = tf.sub(tf.softplus(out.graph), tf.mul(y, out.graph));
        total = tf.add(total, tf.mul(tf.sum(tf.mul(terms, tf.tensor1d(w))), cfg.graphWeight / n));
      }
    }
    const regress = (pred: Tensor, target: Float32Array, on: Uint8Array, tw: Float32Array | null, weight: number) => {
      const cw = new Float32Array(on.length);
      let wsum = 0;
      for (let i = 0; i < on.length; i++) if (on[i]) { cw[i] = tw ? tw[i] : 1; wsum += cw[i]; }
      if (!(wsum > 0)) return;
      const d = tf.sub(pred, tf.tensor1d(target));
      let l: Tensor;
      if (cfg.regression === 'mse') l = tf.square(d);
      else {
        // Huber as 0.5 min(|d|, delta)^2 + delta (|d| - min(|d|, delta)): no where(), whose condition tfjs cannot differentiate through.
        const ad = tf.abs(d), c = tf.minimum(ad, cfg.huberDelta);
        l = tf.add(tf.mul(tf.square(c), 0.5), tf.mul(tf.sub(ad, c), cfg.huberDelta));
      }
      total = tf.add(total, tf.mul(tf.sum(tf.mul(l, tf.tensor1d(cw))), weight / wsum));
    };
    if (out.edge) regress(out.edge, batch.edgeTarget, batch.edgeTargetOn, batch.edgeTargetWeight, cfg.edgeWeight);
    if (out.node) regress(out.node, batch.nodeTarget, batch.nodeTargetOn, null, cfg.nodeWeight);
    return total as TF.Scalar;
  }

  /** Head outputs as arrays (the cross-check compares them with GraphNet.forward). */
  outputs(batch: Batch): HeadOutputs {
    const bt = this.tensors(batch);
    const res: HeadOutputs = { edge: null, node: null, graph: null };
    try {
      this.tf.tidy(() => {
        const o = this.forward(bt);
        const get = (t: Tensor | null) => (t ? Float32Array.from(t.dataSync() as Float32Array) : null);
        res.edge = get(o.edge);
        res.node = get(o.node);
        res.graph = get(o.graph);
      });
      return res;
    } finally {
      TfjsNet.disposeTensors(bt);
    }
  }

  /**
   * Loss and gradients of the mean loss over the batch, one dense tensor per
   * variable (caller disposes), plus the same gradients at the GraphNet's
   * params (per connection for sparse layers), in params() order.
   */
  gradients(batch: Batch, cfg: LossConfig): { loss: number; dense: Tensor[]; grads: Float32Array[] } {
    const tf = this.tf;
    const bt = this.tensors(batch);
    try {
      const { value, grads } = tf.variableGrads(() => this.loss(this.forward(bt), batch, cfg), this.variables());
      const loss = value.dataSync()[0];
      value.dispose();
      const dense = this.names.map((n) => grads[n]);
      const out = this.layers.flatMap((t, i) => [
        Float32Array.from(this.gather(t, dense[2 * i].dataSync() as Float32Array)),
        Float32Array.from(dense[2 * i + 1].dataSync() as Float32Array),
      ]);
      return { loss, dense, grads: out };
    } finally {
      TfjsNet.disposeTensors(bt);
    }
  }

  /** GraphNet.predict through tfjs: head outputs (probabilities for the graph head) in chunks of batchSize. */
  predict(graph: GraphTopology, samples: readonly GraphSample[], batchSize = 32): Prediction {
    const n = samples.length, N = graph.numNodes, E = graph.src.length;
    const { heads } = this.model.cfg;
    const pred: Prediction = {
      edge: heads.edge ? new Float32Array(n * E) : null,
      node: heads.node ? new Float32Array(n * N) : null,
      graphProb: heads.graph ? new Float32Array(n) : null,
    };
    for (let s = 0; s < n; s += batchSize) {
      const chunk = samples.slice(s, s + batchSize);
      const batch = this.model.batch(graph, chunk);
      const bt = this.tensors(batch);
      try {
        this.tf.tidy(() => {
          const o = this.forward(bt);
          if (pred.edge && o.edge) pred.edge.set(o.edge.dataSync() as Float32Array, s * E);
          if (pred.node && o.node) pred.node.set(o.node.dataSync() as Float32Array, s * N);
          if (pred.graphProb && o.graph) pred.graphProb.set(this.tf.sigmoid(o.graph).dataSync() as Float32Array, s);
        });
      } finally {
        TfjsNet.disposeTensors(bt);
      }
    }
    return pred;
  }

  dispose(): void {
    for (const t of this.layers) {
      t.w.dispose();
      t.b.dispose();
      t.mask?.dispose();
    }
  }
}
