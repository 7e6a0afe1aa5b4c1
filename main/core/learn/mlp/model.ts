// A multilayer perceptron for image classification (Sulyok et al.; the
// Cannistraci-Hebb training papers): hidden layers are our SparseLayer (or
// DenseLayer for the dense row), ReLU between them, a dense readout and a
// softmax cross-entropy. Forward and backward are written on the layers'
// own kernels, so a sparse step costs O(batch x connections), never
// O(batch x in x out). Plain data, no I/O.

import { DenseLayer } from '../dense';
import { layerConnectionCounts, randomMask } from '../density';
import { LearnError } from '../errors';
import type { Layer, Param } from '../layer';
import type { Rng } from '../rng';
import { SparseLayer } from '../sparse';

export interface MlpShape {
  nIn: number;
  /** Widths of the hidden layers (Sulyok et al.: 1000, 1000, 1000). */
  hidden: number[];
  nOut: number;
  /** Kept fraction of each hidden layer's in x out pairs (uniform per layer, as the papers' 99% sparsity); 1: dense. */
  density: number;
}

export class Mlp {
  /** Hidden layers, then the dense readout (last). */
  readonly layers: Layer[];
  private acts: Float32Array[] = [];
  private rowsCached = -1;

  constructor(readonly shape: MlpShape, layers: Layer[]) {
    if (layers.length !== shape.hidden.length + 1) throw new LearnError('bad-shape', `an MLP of ${shape.hidden.length} hidden layers needs ${shape.hidden.length + 1} layers, got ${layers.length}`);
    this.layers = layers;
  }

  /** Random uniform masks at `density` (each layer keeps that fraction of its pairs), He init scaled by kept fan-in. */
  static create(shape: MlpShape, rng: Rng): Mlp {
    if (!(shape.density > 0 && shape.density <= 1)) throw new LearnError('bad-config', `density must be in (0, 1], got ${shape.density}`);
    const widths = [shape.nIn, ...shape.hidden];
    const layers: Layer[] = [];
    for (let l = 0; l < shape.hidden.length; l++) {
      const s = { nIn: widths[l], nOut: widths[l + 1] };
      const name = `hidden${l}`;
      if (shape.density === 1) layers.push(new DenseLayer(name, s.nIn, s.nOut).init(rng, 'relu'));
      else {
        const [count] = layerConnectionCounts([s], [shape.density]);
        layers.push(SparseLayer.fromPositions(name, s.nIn, s.nOut, randomMask(s, count, rng)).init(rng, 'relu'));
      }
    }
    layers.push(new DenseLayer('readout', widths[widths.length - 1], shape.nOut).init(rng, 'linear'));
    return new Mlp(shape, layers);
  }

  get sparseLayers(): SparseLayer[] {
    return this.layers.filter((l): l is SparseLayer => l instanceof SparseLayer);
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Trainable parameters: connections of every layer plus biases. */
  paramCount(): number {
    return this.layers.reduce((a, l) => a + l.nnz() + l.nOut, 0);
  }

  zeroGrad(): void {
    for (const l of this.layers) l.zeroGrad();
  }

  private buffers(rows: number): Float32Array[] {
    if (rows !== this.rowsCached) {
      this.acts = this.layers.map((l) => new Float32Array(rows * l.nOut));
      this.rowsCached = rows;
    }
    return this.acts;
  }

  /** Logits [rows x nOut] of the batch x [rows x nIn]; the hidden activations stay in the buffers for backward. */
  forward(x: Float32Array, rows: number): Float32Array {
    const acts = this.buffers(rows);
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h, rows, i < this.layers.length - 1, acts[i]);
    });
    return h;
  }

  /**
   * Mean softmax cross-entropy of the batch against labels y, with its
   * gradient accumulated into the params' grad arrays (call zeroGrad first).
   * Returns the loss and how many rows the argmax got right.
   */
  lossAndGrad(x: Float32Array, y: ArrayLike<number>, rows: number): { loss: number; correct: number } {
    const logits = this.forward(x, rows);
    const K = this.shape.nOut;
    const d = new Float32Array(rows * K);
    let loss = 0, correct = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * K, t = y[r];
      let max = -Infinity, arg = 0;
      for (let k = 0; k < K; k++) if (logits[o + k] > max) { max = logits[o + k]; arg = k; }
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits[o + k] - max);
      loss += Math.log(z) + max - logits[o + t];
      if (arg === t) correct++;
      for (let k = 0; k < K; k++) d[o + k] = Math.exp(logits[o + k] - max) / z / rows;
      d[o + t] -= 1 / rows;
    }
    this.backward(x, d, rows);
    return { loss: loss / rows, correct };
  }

  /** Backpropagates dL/dlogits through the readout, the ReLUs and the hidden layers. */
  private backward(x: Float32Array, dLogits: Float32Array, rows: number): void {
    const acts = this.acts;
    let d: Float32Array = dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const input = i === 0 ? x : acts[i - 1];
      const dx = this.layers[i].backward(input, d, rows, i > 0);
      if (i === 0) break;
      // ReLU: no gradient where the unit was off.
      const a = acts[i - 1];
      for (let k = 0; k < dx!.length; k++) if (a[k] <= 0) dx![k] = 0;
      d = dx!;
    }
  }

  /** Argmax class of each row of x ([n x nIn]), in batches. */
  predict(x: Float32Array, n: number, batch = 500): Uint8Array {
    const out = new Uint8Array(n), K = this.shape.nOut, nIn = this.shape.nIn;
    for (let s = 0; s < n; s += batch) {
      const rows = Math.min(batch, n - s);
      const logits = this.forward(x.subarray(s * nIn, (s + rows) * nIn), rows);
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (logits[r * K + k] > logits[r * K + best]) best = k;
        out[s + r] = best;
      }
    }
    return out;
  }

  /** Fraction of rows of x whose argmax is y. */
  accuracy(x: Float32Array, y: ArrayLike<number>, n: number): number {
    if (n === 0) return 0;
    const p = this.predict(x, n);
    let c = 0;
    for (let i = 0; i < n; i++) if (p[i] === y[i]) c++;
    return c / n;
  }
}
