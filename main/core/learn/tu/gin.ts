// GIN graph classifier (Xu et al., ICLR 2019) over our linear layers, with
// forward and backward written out by hand. Per message-passing layer l:
//   agg = (1 + eps_l) h + sum of neighbours' h
//   h'  = ReLU(W2 ReLU(W1 agg + b1) + b2)            (the layer's 2-layer MLP)
// W1 and W2 are SparseLayers (DenseLayers for the dense baseline). The
// readout sums every layer's node states per graph (h_0 = input features
// included, GIN's jumping-knowledge readout), concatenates them, applies
// dropout, and a dense linear classifier gives the logits; softmax
// cross-entropy over the batch. With `batchNorm` (the default, as GIN) each
// linear map is followed by batch norm before its ReLU:
//   h' = ReLU(BN2(W2 ReLU(BN1(W1 agg)))).

import { DenseLayer } from '../dense';
import { layerConnectionCounts, layerDensities, randomMask } from '../density';
import { LearnError, ensure } from '../errors';
import { type Layer, type Param, makeParam } from '../layer';
import { Rng } from '../rng';
import { SparseLayer } from '../sparse';
import { BatchNorm, type NormCache } from './batch-norm';
import type { GraphBatch } from './graphs';

export interface GinConfig {
  inDim: number;
  classes: number;
  hidden: number;
  /** Message-passing layers (GIN: 4, plus the input as a fifth readout term). */
  layers: number;
  /** Fraction of the MLP weights removed (0: DenseLayers). */
  sparsity: number;
  /** Learn eps per layer (GIN-eps) or keep it at 0 (GIN-0). */
  learnEps: boolean;
  dropout: number;
  batchNorm: boolean;
}

export interface GinPass {
  /** h_0 .. h_L: [nodes x width]. */
  h: Float32Array[];
  agg: Float32Array[];
  /** ReLU(BN1(W1 agg + b1)) per layer. */
  mid: Float32Array[];
  /** Batch-norm caches per layer (training with batch norm only). */
  norm1: (NormCache | null)[];
  norm2: (NormCache | null)[];
  /** The readout's input: per graph the sums of h_0 .. h_L, after dropout when training. */
  pooled: Float32Array;
  /** Dropout scale per pooled entry (0 or 1 / (1 - p)), null when not training. */
  keep: Float32Array | null;
  logits: Float32Array;
}

export class Gin {
  readonly w1: Layer[] = [];
  readonly w2: Layer[] = [];
  readonly bn1: BatchNorm[] = [];
  readonly bn2: BatchNorm[] = [];
  readonly eps: Param;
  readonly readout: DenseLayer;
  readonly poolDim: number;

  constructor(readonly cfg: GinConfig, rng: Rng) {
    ensure(cfg.layers >= 1 && cfg.hidden >= 1 && cfg.inDim >= 1 && cfg.classes >= 2, 'bad-config', 'GIN needs at least one layer, one hidden unit, one input feature and two classes');
    ensure(cfg.sparsity >= 0 && cfg.sparsity < 1, 'bad-config', `sparsity must be in [0, 1), got ${cfg.sparsity}`);
    ensure(cfg.dropout >= 0 && cfg.dropout < 1, 'bad-config', `dropout must be in [0, 1), got ${cfg.dropout}`);
    const { hidden: H, layers: L } = cfg;
    const shapes = [];
    for (let l = 0; l < L; l++) shapes.push({ nIn: l === 0 ? cfg.inDim : H, nOut: H }, { nIn: H, nOut: H });
    // ERK densities: the small first layer (7 or 4 inputs) stays nearly dense, the H x H ones carry the sparsity.
    const counts = cfg.sparsity > 0 ? layerConnectionCounts(shapes, layerDensities(shapes, cfg.sparsity, 'erk')) : null;
    shapes.forEach((s, k) => {
      const name = `gin${k >> 1}.${k & 1 ? 'w2' : 'w1'}`;
      const layer: Layer = counts
        ? SparseLayer.fromPositions(name, s.nIn, s.nOut, randomMask(s, counts[k], rng)).init(rng, 'relu')
        : new DenseLayer(name, s.nIn, s.nOut).init(rng, 'relu');
      (k & 1 ? this.w2 : this.w1).push(layer);
    });
    if (cfg.batchNorm) for (let l = 0; l < L; l++) { this.bn1.push(new BatchNorm(`gin${l}.bn1`, H)); this.bn2.push(new BatchNorm(`gin${l}.bn2`, H)); }
    this.eps = makeParam('gin.eps', new Float32Array(L), false);
    this.poolDim = cfg.inDim + L * H;
    this.readout = new DenseLayer('gin.readout', this.poolDim, cfg.classes).init(rng, 'linear');
  }

  sparseLayers(): SparseLayer[] {
    return [...this.w1, ...this.w2].filter((l): l is SparseLayer => l instanceof SparseLayer);
  }

  params(): Param[] {
    const ps = [...this.w1, ...this.w2, this.readout, ...this.bn1, ...this.bn2].flatMap((l) => l.params());
    return this.cfg.learnEps ? [...ps, this.eps] : ps;
  }

  /** Trainable parameters kept: connections + biases + the dense readout + batch norms' scales and shifts (+ eps when learnt). */
  paramCount(): number {
    let n = this.readout.nnz() + this.readout.nOut + (this.cfg.learnEps ? this.eps.data.length : 0) + 4 * this.bn1.length * this.cfg.hidden;
    for (const l of [...this.w1, ...this.w2]) n += l.nnz() + l.nOut;
    return n;
  }

  zeroGrad(): void {
    for (const p of this.params()) p.grad.fill(0);
  }

  /**
   * Logits [graphs x classes]. With `train` the batch norms use (and update)
   * batch statistics and the pooled vector is dropped out with train.rng.
   */
  forward(b: GraphBatch, train?: { rng: Rng }): GinPass {
    const { hidden: H, layers: L, inDim } = this.cfg;
    const n = b.nodes;
    const h: Float32Array[] = [b.x], agg: Float32Array[] = [], mid: Float32Array[] = [];
    const norm1: (NormCache | null)[] = [], norm2: (NormCache | null)[] = [];
    const bn = this.cfg.batchNorm, training = !!train;
    for (let l = 0; l < L; l++) {
      const d = l === 0 ? inDim : H, hl = h[l], a = new Float32Array(n * d);
      const self = 1 + this.eps.data[l];
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < d; c++) a[o + c] = self * hl[o + c];
        for (let k = b.adjPtr[i]; k < b.adjPtr[i + 1]; k++) {
          const s = b.adjCol[k] * d;
          for (let c = 0; c < d; c++) a[o + c] += hl[s + c];
        }
      }
      agg.push(a);
      if (bn) {
        const r1 = this.bn1[l].forward(this.w1[l].forward(a, n, false), n, training, true);
        mid.push(r1.y);
        norm1.push(r1.cache);
        const r2 = this.bn2[l].forward(this.w2[l].forward(r1.y, n, false), n, training, true);
        h.push(r2.y);
        norm2.push(r2.cache);
      } else {
        const m = this.w1[l].forward(a, n, true);
        mid.push(m);
        h.push(this.w2[l].forward(m, n, true));
      }
    }
    const P = this.poolDim, pooled = new Float32Array(b.graphs * P);
    for (let l = 0, off = 0; l <= L; l++) {
      const d = l === 0 ? inDim : H, hl = h[l];
      for (let i = 0; i < n; i++) {
        const o = b.graphOf[i] * P + off, s = i * d;
        for (let c = 0; c < d; c++) pooled[o + c] += hl[s + c];
      }
      off += d;
    }
    let keep: Float32Array | null = null;
    let input = pooled;
    const p = this.cfg.dropout;
    if (train && p > 0) {
      keep = new Float32Array(pooled.length);
      input = new Float32Array(pooled.length);
      for (let k = 0; k < pooled.length; k++) {
        keep[k] = train.rng.float() < p ? 0 : 1 / (1 - p);
        input[k] = pooled[k] * keep[k];
      }
    }
    const logits = this.readout.forward(input, b.graphs);
    return { h, agg, mid, norm1, norm2, pooled: input, keep, logits };
  }

  /** Accumulates the gradients of `loss(dLogits)` into every parameter's grad. */
  backward(b: GraphBatch, pass: GinPass, dLogits: Float32Array): void {
    const { hidden: H, layers: L, inDim } = this.cfg;
    const n = b.nodes, P = this.poolDim;
    const dPool = this.readout.backward(pass.pooled, dLogits, b.graphs, true)!;
    if (pass.keep) for (let k = 0; k < dPool.length; k++) dPool[k] *= pass.keep[k];
    // dh_l from the readout: every node of graph g receives dPool[g, block l].
    const fromPool = (l: number): Float32Array => {
      const d = l === 0 ? inDim : H, off = l === 0 ? 0 : inDim + (l - 1) * H, dh = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        const s = b.graphOf[i] * P + off, o = i * d;
        for (let c = 0; c < d; c++) dh[o + c] = dPool[s + c];
      }
      return dh;
    };
    let dh = fromPool(L);
    for (let l = L - 1; l >= 0; l--) {
      const hOut = pass.h[l + 1], m = pass.mid[l];
      for (let k = 0; k < dh.length; k++) if (hOut[k] <= 0) dh[k] = 0;
      const c2 = pass.norm2[l], c1 = pass.norm1[l];
      if (this.cfg.batchNorm && !(c1 && c2)) throw new LearnError('bad-state', 'backward needs a training forward pass (batch-norm statistics)');
      let dm = this.w2[l].backward(m, c2 ? this.bn2[l].backward(dh, c2) : dh, n, true)!;
      for (let k = 0; k < dm.length; k++) if (m[k] <= 0) dm[k] = 0;
      if (c1) dm = this.bn1[l].backward(dm, c1);
      const wantInput = l > 0;
      // Layer 0's input gradient is wanted only for eps (h_0 is the data).
      const dAgg = this.w1[l].backward(pass.agg[l], dm, n, wantInput || this.cfg.learnEps);
      if (!dAgg) break;
      const d = l === 0 ? inDim : H, hl = pass.h[l];
      if (this.cfg.learnEps) {
        let s = 0;
        for (let k = 0; k < dAgg.length; k++) s += dAgg[k] * hl[k];
        this.eps.grad[l] += s;
      }
      if (!wantInput) break;
      const next = fromPool(l), self = 1 + this.eps.data[l];
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < d; c++) next[o + c] += self * dAgg[o + c];
        // agg[i] read h[j] for each neighbour j: the gradient flows back to j.
        for (let k = b.adjPtr[i]; k < b.adjPtr[i + 1]; k++) {
          const t = b.adjCol[k] * d;
          for (let c = 0; c < d; c++) next[t + c] += dAgg[o + c];
        }
      }
      dh = next;
    }
  }
}

/** Mean softmax cross-entropy over the batch and its gradient w.r.t. the logits. */
export function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, classes: number): { loss: number; grad: Float32Array; correct: number } {
  const B = labels.length, grad = new Float32Array(logits.length);
  let loss = 0, correct = 0;
  for (let g = 0; g < B; g++) {
    const o = g * classes;
    let max = -Infinity, arg = 0;
    for (let c = 0; c < classes; c++) if (logits[o + c] > max) { max = logits[o + c]; arg = c; }
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(logits[o + c] - max);
    loss += Math.log(z) + max - logits[o + labels[g]];
    for (let c = 0; c < classes; c++) grad[o + c] = (Math.exp(logits[o + c] - max) / z - (c === labels[g] ? 1 : 0)) / B;
    if (arg === labels[g]) correct++;
  }
  return { loss: loss / B, grad, correct };
}
